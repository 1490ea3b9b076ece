package diagram

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/pfsim/pfsim/lesson"
)

// Sizes of the SVG drawing, in pixels (user units).
const (
	laneWidth  = 180 // the width of one lane
	margin     = 16  // around the drawing
	headHeight = 56  // the lane titles
	stepHead   = 26  // a step's heading line
	lineHeight = 58  // one run of a packet's route
	noteHeight = 22  // the line that explains a change or an error
	stepGap    = 10  // between two steps
	charWidth  = 6.6 // an estimate of the width of one character at 12px
)

// Colours: those of the page, readable on white and in grey print.
const (
	colAllow  = "#1a7f37"
	colDrop   = "#cf222e"
	colRefuse = "#9a6700"
	colMuted  = "#57606a"
	colLine   = "#d0d7de"
	colText   = "#1f2328"
)

// SVG writes v as a self-contained SVG sequence diagram, for slides and
// documents: the lanes as columns with their titles on top, and for each
// step a heading (number, time, action, result, whether the expectation
// held) and each packet as an arrow along its route. A check mark sits on
// every filter the packet passed and a cross on the one that dropped it;
// a connect's replies are dashed. The words of every decision are in the
// marks' titles, which viewers show as tooltips.
//
// The drawing uses no script, no external font and no stylesheet, so it
// shows the same in a browser, an <img> element, and slide software.
func SVG(w io.Writer, v *lesson.View) error {
	if !v.Valid() {
		return errInvalid
	}
	n := max(len(v.Lanes), 1)
	width := 2*margin + n*laneWidth
	// Steps first, into a buffer, to know the height.
	var body strings.Builder
	y := margin + headHeight
	for i := range v.Steps {
		y = svgStep(&body, v, &v.Steps[i], y, width)
	}
	height := y + margin
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(b, "<title>%s</title>\n", esc(v.File+": "+v.Name))
	b.WriteString(`<defs>` +
		`<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="` + colText + `"/></marker>` +
		`</defs>` + "\n")
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	// Lifelines and titles.
	for i, l := range v.Lanes {
		x := laneX(i)
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-dasharray="4 4"/>`+"\n",
			x, margin+headHeight-8, x, height-margin, colLine)
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="#f6f8fa" stroke="%s"/>`+"\n",
			x-laneWidth/2+6, margin, laneWidth-12, headHeight-16, colLine)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n",
			x, margin+16, esc(fit(l.Title, laneWidth-16)))
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="11">%s</text>`+"\n",
			x, margin+32, colMuted, esc(fit(l.Detail, laneWidth-16)))
	}
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.Flush()
}

func laneX(i int) int { return margin + i*laneWidth + laneWidth/2 }

// svgStep draws one step from y down and returns the y below it.
func svgStep(b *strings.Builder, v *lesson.View, s *lesson.Step, y, width int) int {
	col := resultColour(s.Result)
	fmt.Fprintf(b, `<g class="step" id="step-%d">`+"\n", s.Number)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f6f8fa"/>`+"\n", margin/2, y, width-margin, stepHead-4)
	fmt.Fprintf(b, `<text x="%d" y="%d"><title>%s</title>%s</text>`+"\n", margin, y+15,
		esc(s.Explanation), esc(fit(Heading(s), width-2*margin)))
	// The result again, in its colour, at the right.
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" font-weight="bold" fill="%s">%s</text>`+"\n",
		width-margin, y+15, col, esc(s.Result))
	y += stepHead
	if s.Kind == "change" || s.Error != "" {
		lines := s.Changes
		if s.Error != "" {
			lines = []string{s.Error}
		}
		for _, l := range lines {
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s" font-style="italic" xml:space="preserve">%s</text>`+"\n",
				margin, y+12, colMuted, esc(fit(l, width-2*margin)))
			y += noteHeight - 4
		}
		y += 4
	}
	for i := range s.Packets {
		y = svgPacket(b, &s.Packets[i], y)
	}
	b.WriteString("</g>\n")
	return y + stepGap
}

// svgPacket draws a packet's route: one line per run of lanes in one
// direction, so that a route that turns back does not overlap itself.
func svgPacket(b *strings.Builder, p *lesson.Packet, y int) int {
	dash := ""
	if p.Reply {
		dash = ` stroke-dasharray="6 4"`
	}
	for k, run := range runs(p.Route) {
		ay := y + 24
		x1, x2 := laneX(p.Route[run[0]]), laneX(p.Route[run[1]])
		// The packet's text above its first run.
		if k == 0 {
			mid := (x1 + x2) / 2
			fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-family="Menlo, Consolas, monospace" font-size="11"%s><title>%s</title>%s</text>`+"\n",
				mid, ay-13, halo, esc(p.Why), esc(p.Text+exemptNote(p)))
		}
		dropped := p.Verdict == "drop" && run[1] == len(p.Route)-1
		marker := ` marker-end="url(#arrow)"`
		if dropped {
			marker = ""
		}
		// A run that ends on a filter stops at the rim of its mark.
		end := x2
		if run[1] <= len(p.Stages) {
			end = x2 - 10*sign(x2-x1)
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s%s/>`+"\n",
			x1, ay, end, ay, colText, dash, marker)
		// A mark on every filter of the run.
		for i := run[0] + 1; i <= run[1]; i++ {
			if i-1 >= len(p.Stages) {
				continue // the destination
			}
			st := &p.Stages[i-1]
			svgMark(b, st, laneX(st.Lane), ay)
		}
		y += lineHeight
	}
	return y
}

func exemptNote(p *lesson.Packet) string {
	if p.Exempt == "" {
		return ""
	}
	return " (" + p.Exempt + ", not filtered)"
}

// halo is a white outline under text, so that text stays readable where
// it crosses a lifeline or an arrow.
const halo = ` stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"`

// svgMark draws a stage's mark: a check in a circle where the packet
// passed, a cross where it was dropped, with the decision as its title.
func svgMark(b *strings.Builder, st *lesson.Stage, x, y int) {
	fmt.Fprintf(b, `<g><title>%s</title>`, esc(st.Explanation))
	col := colMuted
	if st.Verdict == "drop" {
		col = colDrop
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="%s"%s>%s</text>`,
		x, y+22, col, halo, esc(fit(st.Short, laneWidth-8)))
	if st.Verdict == "drop" {
		fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="9" fill="#ffebe9" stroke="%s" stroke-width="2"/>`+
			`<path d="M%d,%dL%d,%dM%d,%dL%d,%d" stroke="%s" stroke-width="2.5"/>`,
			x, y, colDrop, x-4, y-4, x+4, y+4, x-4, y+4, x+4, y-4, colDrop)
	} else {
		fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="9" fill="#dafbe1" stroke="%s" stroke-width="2"/>`+
			`<path d="M%d,%dL%d,%dL%d,%d" fill="none" stroke="%s" stroke-width="2.5"/>`,
			x, y, colAllow, x-4, y, x-1, y+4, x+5, y-4, colAllow)
	}
	b.WriteString("</g>\n")
}

// runs splits a route into its runs in one direction, as pairs of
// indexes into the route: [0,2] [2,3] for lanes 0, 1, 3, 2.
func runs(route []int) [][2]int {
	if len(route) < 2 {
		return nil
	}
	var out [][2]int
	start := 0
	dir := sign(route[1] - route[0])
	for i := 2; i < len(route); i++ {
		d := sign(route[i] - route[i-1])
		if d != dir {
			out = append(out, [2]int{start, i - 1})
			start, dir = i-1, d
		}
	}
	return append(out, [2]int{start, len(route) - 1})
}

func sign(d int) int {
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

func resultColour(r string) string {
	switch r {
	case "allow", "connected":
		return colAllow
	case "drop", "timeout", "error":
		return colDrop
	case "refused":
		return colRefuse
	}
	return colMuted
}

// fit shortens s to what px pixels hold, with an ellipsis.
func fit(s string, px int) string {
	n := int(float64(px) / charWidth)
	r := []rune(s)
	if len(r) <= n || n < 2 {
		return s
	}
	return string(r[:n-1]) + "…"
}

// esc escapes text for XML character data and attribute values, and
// replaces the characters XML 1.0 does not allow (most control
// characters, which a YAML string can hold) with U+FFFD.
func esc(s string) string {
	return html.EscapeString(strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xFFFE && r <= 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, s))
}
