package lesson

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// MaxSize is the largest file Load reads, in bytes. The lessons are a few
// kilobytes; a megabyte is thousands of steps, more than a page can show.
const MaxSize = 1 << 20

// Load parses, validates and runs the scenario file text data, read under
// the name path (which positions name), and lays the run out. It never
// fails: a file with mistakes gives a View whose Errors say what is wrong
// and where, and no steps. Load never panics, whatever data holds.
func Load(path string, data []byte) *View {
	if len(data) > MaxSize {
		return &View{File: path, Lanes: []Lane{}, Steps: []Step{}, Errors: []Problem{{Msg: fmt.Sprintf("the file is %d bytes; a lesson is at most %d", len(data), MaxSize)}}}
	}
	f, warns, err := scenario.Parse(path, data)
	v := &View{File: path, Lanes: []Lane{}, Steps: []Step{}}
	for _, w := range warns {
		v.Warnings = append(v.Warnings, Problem{Line: w.Pos.Line, Col: w.Pos.Col, Msg: w.Msg})
	}
	if err != nil {
		v.Errors = problems(err)
		return v
	}
	rep, err := scenario.RunWith(f, scenario.Options{Tables: true})
	if err != nil {
		v.Name, v.Description = f.Name, f.Description
		v.Errors = problems(err)
		return v
	}
	b := Build(rep)
	b.Warnings = v.Warnings
	return b
}

// problems turns Parse's joined errors into Problems at their positions.
func problems(err error) []Problem {
	var out []Problem
	for _, e := range scenario.Errors(err) {
		out = append(out, Problem{Line: e.Pos.Line, Col: e.Pos.Col, Field: e.Field, Msg: e.Msg})
	}
	if len(out) == 0 {
		out = append(out, Problem{Msg: err.Error()})
	}
	return out
}

// Build lays out a run. The report must hold the connection tables after
// every step ([scenario.Options.Tables]) for Step.Tables to list them.
func Build(rep *scenario.Report) *View {
	f := rep.File
	v := &View{File: f.Path, Name: f.Name, Description: strings.TrimSpace(f.Description),
		Steps: make([]Step, 0, len(rep.Results))}
	v.Lanes, v.laneOf = layout(rep)
	var prev []Conn
	for i := range rep.Results {
		r := &rep.Results[i]
		st := v.step(r)
		st.Gone = gone(prev, st.Tables, r.Now)
		prev = st.Tables
		if r.Step.Expect != nil {
			v.Expected++
		}
		if !st.OK {
			v.Failed++
		}
		v.Steps = append(v.Steps, st)
	}
	return v
}

func (v *View) step(r *scenario.Result) Step {
	s := r.Step
	st := Step{Number: r.Index + 1, Line: s.Pos.Line, Col: s.Pos.Col, At: s.At.Seconds(), AtText: s.At.String(),
		Kind: s.Kind.String(), Input: s.Input(), Result: r.Word(), OK: r.OK(), Failures: r.Failures,
		Tables: []Conn{}}
	if s.Expect != nil {
		st.Expect = ExpectText(s.Expect)
	}
	switch {
	case r.Err != nil:
		st.Error = r.Err.Error()
		st.Explanation = st.Error
	case r.Path != nil:
		st.Packets = []Packet{v.packet(r.Path, false)}
		st.Explanation = r.Path.Why()
	case r.Attempt != nil:
		a := r.Attempt
		for i := range a.Exchanges {
			x := &a.Exchanges[i]
			st.Packets = append(st.Packets, v.packet(&x.Path, x.Packet.Src != s.Connect.Src))
		}
		st.Explanation, _, _ = strings.Cut(r.Explain(), "\n")
	case s.Kind == scenario.StepChange:
		st.Explanation = r.Explain()
		for _, l := range strings.Split(st.Explanation, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				st.Changes = append(st.Changes, l)
			}
		}
	}
	st.Tables = tables(r)
	return st
}

// ExpectText renders an expectation in a few words: "allow, conntrack
// new", "drop at nacl acl-web egress rule *", "timeout at sg ingress".
func ExpectText(e *scenario.Expect) string {
	var b strings.Builder
	switch {
	case e.Verdict != 0:
		b.WriteString(e.Verdict.String())
	case e.Outcome != scenario.OutcomeNone:
		b.WriteString(e.Outcome.String())
	}
	var at []string
	if e.Stage != flow.StageNone {
		at = append(at, e.Stage.String())
	}
	if e.ACL != "" {
		at = append(at, e.ACL)
	}
	if e.Direction != nil {
		at = append(at, e.Direction.String())
	}
	if e.Rule != "" {
		at = append(at, "rule "+e.Rule)
	}
	if len(at) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("at " + strings.Join(at, " "))
	}
	if e.Conntrack != flow.CTNone {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("conntrack " + e.Conntrack.String())
	}
	return b.String()
}

// packet lays out one packet's path; reply marks the host's answer in a
// connect.
func (v *View) packet(p *vpc.Path, reply bool) Packet {
	out := Packet{Text: p.Packet.String(), Reply: reply, Verdict: p.Final.Verdict.String(),
		Exempt: p.Exempt, Why: p.Why(), Stages: []Stage{}}
	out.From, out.To = v.ends(p)
	out.Route = append(out.Route, out.From)
	for i := range p.Hops {
		h := &p.Hops[i]
		s := stage(h, &p.Packet)
		s.Lane = v.laneOf[hopLane(h)]
		out.Stages = append(out.Stages, s)
		out.Route = append(out.Route, s.Lane)
	}
	if p.Allowed() {
		out.Route = append(out.Route, out.To)
	}
	return out
}

// ends returns the lanes of a path's source and destination.
func (v *View) ends(p *vpc.Path) (from, to int) {
	end := func(iface string) int {
		switch {
		case iface != "":
			return v.laneOf[laneKey{Instance, iface}]
		case p.Exempt != "":
			return v.laneOf[laneKey{Service, ""}]
		}
		return v.laneOf[laneKey{Outside, ""}]
	}
	return end(p.From), end(p.To)
}

func hopLane(h *vpc.Hop) laneKey {
	if h.Decision.Stage == flow.StageNACL {
		return laneKey{ACL, h.Subnet()}
	}
	return laneKey{Groups, h.Interface()}
}

// stage describes one hop.
func stage(h *vpc.Hop, p *flow.Packet) Stage {
	d := &h.Decision
	x := h.Detail(p)
	s := Stage{Kind: d.Stage.String(), Direction: d.Direction.String(), Verdict: d.Verdict.String(),
		Explanation: d.Explain(&x)}
	if d.Conntrack != flow.CTNone {
		s.Conntrack = d.Conntrack.String()
	}
	if d.ConnState != flow.StateNone && (d.Conntrack == flow.CTNew || d.Conntrack == flow.CTEstablished) {
		s.ConnState = d.ConnState.String()
	}
	switch d.Stage {
	case flow.StageNACL:
		s.Name, s.Rule = x.ACL, d.RuleLabel()
		s.Short = x.ACL + " rule " + s.Rule
		switch {
		case d.Reason == flow.ReasonDefaultDeny:
			s.Short += " (default deny)"
		case d.Verdict == flow.Drop:
			s.Short += " (deny)"
		}
	case flow.StageSG:
		s.Name = x.Group
		if d.Reason == flow.ReasonRule && x.GroupRule > 0 {
			s.Rule = "#" + strconv.Itoa(x.GroupRule)
		}
		s.Short = sgShort(d, &x, s.Rule)
	}
	return s
}

func sgShort(d *flow.Decision, x *flow.Detail, rule string) string {
	switch d.Reason {
	case flow.ReasonTracked:
		return "tracked (" + d.ConnState.String() + ")"
	case flow.ReasonNoRule:
		if d.Note == flow.NoteExpired {
			return "no rule allows it (entry expired)"
		}
		return "no rule allows it"
	case flow.ReasonTableFull:
		return "connection table full"
	case flow.ReasonRule:
		s := x.Group
		if rule != "" {
			s += " rule " + rule
		}
		switch d.Conntrack {
		case flow.CTNew:
			s += ", new (" + d.ConnState.String() + ")"
		case flow.CTUntracked:
			s += ", untracked"
		}
		return s
	}
	return d.Reason.String()
}

// tables flattens a result's connection tables, by interface id.
func tables(r *scenario.Result) []Conn {
	ids := make([]string, 0, len(r.Tables))
	for id := range r.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []Conn{}
	for _, id := range ids {
		for _, c := range r.Tables[id] {
			out = append(out, conn(id, &c, r.Now))
		}
	}
	return out
}

func conn(iface string, c *conntrack.Conn, now time.Time) Conn {
	exp := c.Expires.Sub(now)
	return Conn{Interface: iface, Flow: c.Key.String(), State: c.State.String(),
		Age: now.Sub(c.Created).Seconds(), Idle: now.Sub(c.LastSeen).Seconds(),
		ExpiresIn: exp.Seconds(), Timeout: c.Expires.Sub(c.LastSeen).Seconds(),
		AgeText: now.Sub(c.Created).String(), ExpiresText: exp.String(),
		created: c.Created, expires: c.Expires}
}

// gone returns the connections of prev that cur does not hold, as they
// stand at now.
func gone(prev, cur []Conn, now time.Time) []Conn {
	var out []Conn
	for _, p := range prev {
		if slices.ContainsFunc(cur, func(c Conn) bool {
			return c.Interface == p.Interface && c.Flow == p.Flow && c.created.Equal(p.created)
		}) {
			continue
		}
		g := p
		g.Age, g.AgeText = now.Sub(p.created).Seconds(), now.Sub(p.created).String()
		g.ExpiresIn, g.ExpiresText = p.expires.Sub(now).Seconds(), p.expires.Sub(now).String()
		g.Idle = g.Idle + (g.Age - p.Age)
		g.Expired = !now.Before(p.expires)
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b Conn) int {
		return cmp.Or(strings.Compare(a.Interface, b.Interface), strings.Compare(a.Flow, b.Flow))
	})
	return out
}
