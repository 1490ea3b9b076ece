package diagram

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pfsim/pfsim/lesson"
)

// errInvalid is returned for a View of a file that did not run.
var errInvalid = errors.New("diagram: the scenario has errors and did not run")

// Mermaid writes v as a Mermaid sequence diagram: one participant per
// lane, a note heading each step, and each packet as a chain of messages
// along its route. A message into a filter that dropped the packet ends in
// a cross, and a note over that filter says why; a connect's replies are
// dashed. Put the text in a ```mermaid block of a Markdown file and
// GitHub draws it.
func Mermaid(w io.Writer, v *lesson.View) error {
	if !v.Valid() {
		return errInvalid
	}
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "%%%% %s: %s\n", v.File, mmd(v.Name))
	b.WriteString("sequenceDiagram\n")
	for i, l := range v.Lanes {
		label := mmd(l.Title)
		if l.Detail != "" && l.Kind != lesson.Groups {
			label += "<br/>" + mmd(l.Detail)
		}
		fmt.Fprintf(b, "    participant L%d as %s\n", i, label)
	}
	all := ""
	if n := len(v.Lanes); n > 1 {
		all = fmt.Sprintf("L0,L%d", n-1)
	} else {
		all = "L0"
	}
	for i := range v.Steps {
		s := &v.Steps[i]
		if len(v.Lanes) == 0 {
			continue
		}
		fmt.Fprintf(b, "    Note over %s: %s\n", all, mmd(Heading(s)))
		if s.Kind == "change" || s.Error != "" {
			fmt.Fprintf(b, "    Note over %s: %s\n", all, mmd(s.Explanation))
			continue
		}
		for j := range s.Packets {
			mermaidPacket(b, &s.Packets[j])
		}
	}
	return b.Flush()
}

func mermaidPacket(b *bufio.Writer, p *lesson.Packet) {
	arrow, cross := "->>", "-x"
	if p.Reply {
		arrow, cross = "-->>", "--x"
	}
	r := p.Route
	for k := 0; k+1 < len(r); k++ {
		label := p.Text
		if k > 0 {
			label = "✓ " + p.Stages[k-1].Short
		} else if p.Exempt != "" {
			label += " (" + p.Exempt + ", not filtered)"
		}
		a := arrow
		if p.Verdict == "drop" && k+2 == len(r) {
			a = cross
		}
		fmt.Fprintf(b, "    L%d%sL%d: %s\n", r[k], a, r[k+1], mmd(label))
	}
	if p.Verdict == "drop" && len(p.Stages) > 0 {
		s := p.Stages[len(p.Stages)-1]
		fmt.Fprintf(b, "    Note over L%d: %s\n", s.Lane, mmd("✗ "+s.Short))
	}
}

// Heading is the one-line title of a step in a diagram: its number,
// time, action, result and whether its expectation held.
func Heading(s *lesson.Step) string {
	h := fmt.Sprintf("%d · %s · %s %s → %s", s.Number, s.AtText, s.Kind, s.Input, s.Result)
	switch {
	case s.Error != "":
	case !s.OK:
		h += " ✗ expected " + s.Expect
	case s.Expect != "":
		h += ", as expected ✓"
	}
	return h
}

// mmd escapes text for a Mermaid message or note: the characters that
// Mermaid reads as syntax become its entity codes (#59; for a semicolon,
// which would end the statement, #35; for the # that starts a code), and
// line breaks become <br/>. A > is left as it is: Mermaid draws it.
func mmd(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#':
			b.WriteString("#35;")
		case ';':
			b.WriteString("#59;")
		case '%':
			b.WriteString("#37;")
		case '<':
			b.WriteString("#lt;")
		case '"':
			b.WriteString("#quot;")
		case '\n':
			b.WriteString("<br/>")
		case '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
