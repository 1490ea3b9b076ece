package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// Epoch is the simulated wall-clock time of a scenario's `at: 0s`. Any
// fixed time would do; this one makes ages and flow-log times readable.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Result is what one step did and whether its expectation held.
type Result struct {
	// Step is the step, Index its position in File.Steps from 0.
	Step  *Step
	Index int
	// Now is the simulated time the step ran at (Epoch + Step.At).
	Now time.Time
	// Path is the packet's journey (packet steps).
	Path *vpc.Path
	// Attempt is the connection attempt (connect steps).
	Attempt *vpc.Attempt
	// Failures lists each part of the expectation that did not hold, as
	// "expected X, got Y".
	Failures []string
	// Err is set when the step could not run at all.
	Err error
	// Tables holds each interface's live tracked connections after the
	// step, when [Options.Tables] asked for them.
	Tables map[string][]conntrack.Conn
}

// Options tune [RunWith].
type Options struct {
	// Tables records the connection tables after every step
	// ([Result.Tables]), for lessons that show how they change.
	Tables bool
}

// Word is the one word that sums the step's result up: the packet's
// verdict, the connection's outcome, "applied" for a change, or "error".
func (r *Result) Word() string {
	switch {
	case r.Err != nil:
		return "error"
	case r.Path != nil:
		return r.Path.Final.Verdict.String()
	case r.Attempt != nil:
		return r.Attempt.Outcome.String()
	}
	return "applied"
}

// OK reports whether the step ran and its expectation (if any) held.
func (r *Result) OK() bool { return r.Err == nil && len(r.Failures) == 0 }

// Deciding returns the path that sums the step up: the packet's, or for a
// connect the dropped packet's that made it time out, or else the last
// packet's. Its Final is the step's decision and its Why the words. It
// is nil for a change and for a step that could not run.
func (r *Result) Deciding() *vpc.Path {
	switch {
	case r.Path != nil:
		return r.Path
	case r.Attempt != nil && r.Attempt.Cause != nil:
		return r.Attempt.Cause
	case r.Attempt != nil && len(r.Attempt.Exchanges) > 0:
		return &r.Attempt.Exchanges[len(r.Attempt.Exchanges)-1].Path
	}
	return nil
}

// Explain says in words what happened at the step.
func (r *Result) Explain() string {
	switch {
	case r.Err != nil:
		return r.Err.Error()
	case r.Path != nil:
		return r.Path.Explain()
	case r.Attempt != nil:
		return explainAttempt(r.Attempt)
	case r.Step.Kind == StepChange:
		return describeChange(&r.Step.Change)
	}
	return ""
}

// Report is the outcome of running a whole file.
type Report struct {
	File    *File
	Results []Result
	// VPC is the simulation as the last step left it: its configuration
	// after every change, its tables after every packet. It answers
	// further questions ([vpc.VPC.Send], [vpc.VPC.Connect]) at times no
	// earlier than the last step's.
	VPC *vpc.VPC
}

// Failed returns the number of steps whose expectation did not hold or
// that could not run.
func (r *Report) Failed() int {
	n := 0
	for i := range r.Results {
		if !r.Results[i].OK() {
			n++
		}
	}
	return n
}

// Run builds the file's VPC and runs its steps in order, checking every
// expectation. It returns an error only if the VPC cannot be built, which
// a File from [Parse] rules out.
func Run(f *File) (*Report, error) { return RunWith(f, Options{}) }

// RunWith is Run with options.
func RunWith(f *File, o Options) (*Report, error) {
	v, err := vpc.New(Config(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	rep := &Report{File: f, Results: make([]Result, len(f.Steps)), VPC: v}
	for i := range f.Steps {
		st := &f.Steps[i]
		res := &rep.Results[i]
		*res = Result{Step: st, Index: i, Now: Epoch.Add(st.At)}
		switch st.Kind {
		case StepPacket:
			p := st.Packet
			path, err := v.Send(&p, res.Now)
			if err != nil {
				res.Err = err
				continue
			}
			res.Path = &path
			if st.Expect != nil {
				res.Failures = checkPacket(st.Expect, &path)
			}
		case StepConnect:
			a, err := v.Connect(st.Connect.Dial, res.Now)
			if err != nil {
				res.Err = err
				continue
			}
			res.Attempt = &a
			if st.Expect != nil {
				res.Failures = checkConnect(st.Expect, &a)
			}
		case StepChange:
			res.Err = v.Apply(change(&st.Change))
		}
		if o.Tables {
			res.Tables = v.Connections(res.Now)
		}
	}
	return rep, nil
}

// Config turns the VPC a file declares at time zero into a [vpc.Config].
func Config(f *File) vpc.Config {
	ch := change(&Change{PrefixLists: f.PrefixLists, SecurityGroups: f.SecurityGroups,
		NetworkACLs: f.NetworkACLs, Subnets: f.Subnets, Interfaces: f.Interfaces})
	return vpc.Config{CIDR: f.VPCCIDR, PrefixLists: ch.PrefixLists, SecurityGroups: ch.SecurityGroups,
		NetworkACLs: ch.NetworkACLs, Subnets: ch.Subnets, Interfaces: ch.Interfaces}
}

func change(c *Change) vpc.Change {
	var out vpc.Change
	for _, p := range c.PrefixLists {
		out.PrefixLists = append(out.PrefixLists, p.PrefixList)
	}
	for _, g := range c.SecurityGroups {
		out.SecurityGroups = append(out.SecurityGroups, g.Group)
	}
	for _, a := range c.NetworkACLs {
		out.NetworkACLs = append(out.NetworkACLs, a.ACL)
	}
	for _, s := range c.Subnets {
		out.Subnets = append(out.Subnets, s.Subnet)
	}
	for _, i := range c.Interfaces {
		out.Interfaces = append(out.Interfaces, i.Interface)
	}
	return out
}

// checkPacket compares a packet's final decision with what was expected.
func checkPacket(e *Expect, p *vpc.Path) []string {
	d := &p.Final
	var f []string
	if e.Verdict != 0 && d.Verdict != e.Verdict {
		f = append(f, fmt.Sprintf("expected %s, got %s", e.Verdict, d.Verdict))
	}
	f = append(f, checkDrop(e, p)...)
	if e.Conntrack != flow.CTNone && d.Conntrack != e.Conntrack {
		f = append(f, fmt.Sprintf("expected conntrack %s, got %s", e.Conntrack, d.Conntrack))
	}
	return f
}

// checkDrop compares the deciding stage of a path with the stage, acl,
// direction and rule expected of a drop.
func checkDrop(e *Expect, p *vpc.Path) []string {
	d := &p.Final
	var f []string
	if e.Stage != flow.StageNone && d.Stage != e.Stage {
		f = append(f, fmt.Sprintf("expected stage %s, got %s", e.Stage, d.Stage))
	}
	if acl := p.Detail().ACL; e.ACL != "" && (d.Stage != flow.StageNACL || acl != e.ACL) {
		got := "no ACL decided"
		if d.Stage == flow.StageNACL {
			got = acl
		}
		f = append(f, fmt.Sprintf("expected acl %s, got %s", e.ACL, got))
	}
	if e.Direction != nil && d.Direction != *e.Direction {
		f = append(f, fmt.Sprintf("expected direction %s, got %s", *e.Direction, d.Direction))
	}
	if e.Rule != "" {
		got := "no ACL rule"
		if d.Stage == flow.StageNACL {
			got = d.RuleLabel()
		}
		if got != e.Rule {
			f = append(f, fmt.Sprintf("expected rule %s, got %s", e.Rule, got))
		}
	}
	return f
}

// checkConnect compares an attempt with what was expected.
func checkConnect(e *Expect, a *vpc.Attempt) []string {
	var f []string
	if e.Outcome != OutcomeNone && a.Outcome != e.Outcome {
		f = append(f, fmt.Sprintf("expected %s, got %s", e.Outcome, a.Outcome))
	}
	if e.Stage != flow.StageNone || e.ACL != "" || e.Direction != nil || e.Rule != "" {
		if a.Cause == nil {
			f = append(f, "expected a drop to describe, but nothing was dropped")
		} else {
			f = append(f, checkDrop(e, a.Cause)...)
		}
	}
	return f
}

func explainAttempt(a *vpc.Attempt) string {
	var b strings.Builder
	switch a.Outcome {
	case vpc.Connected:
		b.WriteString("connected: every packet of the exchange got through")
	case vpc.Refused:
		b.WriteString("refused: the filters let the SYN through and the host answered with a RST, because nothing listens on the port")
	case vpc.Timeout:
		b.WriteString("timeout: a filter dropped a packet silently, so the client hears nothing and gives up")
	}
	for _, x := range a.Exchanges {
		fmt.Fprintf(&b, "\n  %s: %s", x.Packet, x.Path.Final.Verdict)
		if !x.Path.Allowed() {
			b.WriteString(" — " + x.Path.Why())
		}
	}
	return b.String()
}

// describeChange says what a change did, one line per object; a replaced
// group or ACL lists the rules added (+) and removed (-) on lines of
// their own.
func describeChange(c *Change) string {
	diffs := map[string]*RuleDiff{}
	for i := range c.Diffs {
		diffs[c.Diffs[i].Kind+" "+c.Diffs[i].ID] = &c.Diffs[i]
	}
	var parts []string
	replaced := func(kind, id, effect string) {
		d := diffs[kind+" "+id]
		if d == nil {
			parts = append(parts, kind+" "+id+" added")
			return
		}
		line := kind + " " + id + " replaced (" + effect + ")"
		if d.Empty() {
			line += ": its rules are unchanged"
		}
		for _, r := range d.Added {
			line += "\n  + " + r
		}
		for _, r := range d.Removed {
			line += "\n  - " + r
		}
		parts = append(parts, line)
	}
	for _, g := range c.SecurityGroups {
		replaced("security group", g.Group.ID, "tracked connections survive, untracked flows meet the new rules")
	}
	for _, a := range c.NetworkACLs {
		replaced("network ACL", a.ACL.ID, "applies to the next packet")
	}
	for _, s := range c.Subnets {
		parts = append(parts, "subnet "+s.ID+" now uses network ACL "+s.ACL)
	}
	for _, i := range c.Interfaces {
		parts = append(parts, "interface "+i.ID+" now carries "+strings.Join(i.Groups, ", "))
	}
	for _, p := range c.PrefixLists {
		parts = append(parts, "prefix list "+p.ID+" replaced")
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "\n")
}
