package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// runFiles loads, runs and reports each file; it returns the worst status.
func runFiles(cmd string, o options, files []string, stdout, stderr io.Writer) int {
	status := exitOK
	worse := func(s int) {
		if s > status {
			status = s
		}
	}
	steps, failed := 0, 0
	for _, path := range files {
		f, warns, err := scenario.Load(path)
		for _, w := range warns {
			fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
		}
		if err != nil {
			reportInvalid(o, path, err, stdout, stderr)
			worse(exitInvalid)
			continue
		}
		rep, err := scenario.RunWith(f, scenario.Options{Tables: o.tables})
		if err != nil {
			reportInvalid(o, path, err, stdout, stderr)
			worse(exitInvalid)
			continue
		}
		steps += len(rep.Results)
		failed += rep.Failed()
		if rep.Failed() > 0 {
			worse(exitFailed)
		}
		switch {
		case o.format == "mermaid" || o.format == "svg":
			writeDiagram(stdout, stderr, o.format, rep)
		case o.json:
			writeJSON(stdout, rep)
		case cmd == "trace":
			writeTrace(stdout, rep, o.color, o.tables)
		default:
			writeFailures(stdout, rep)
		}
	}
	if !o.json && cmd == "check" {
		verdict := "all expectations hold"
		if failed > 0 {
			verdict = fmt.Sprintf("%d failed", failed)
		}
		if status == exitInvalid {
			verdict += "; some files are invalid"
		}
		// The summary goes to standard error: standard output holds only
		// the failures, one line each.
		fmt.Fprintf(stderr, "pfsim check: %d file(s), %d step(s): %s\n", len(files), steps, verdict)
	}
	return status
}

// reportInvalid prints each error of an invalid file as FILE:LINE:COL: msg.
func reportInvalid(o options, path string, err error, stdout, stderr io.Writer) {
	errs := scenario.Errors(err)
	if len(errs) == 0 {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		if o.json {
			writeRecord(stdout, map[string]any{"file": path, "error": err.Error()})
		}
		return
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e.Error())
		if o.json {
			writeRecord(stdout, map[string]any{"file": e.Pos.File, "line": e.Pos.Line, "col": e.Pos.Col, "field": e.Field, "error": e.Msg})
		}
	}
}

// stepText is the step's action as written.
func stepText(st *scenario.Step) string {
	switch st.Kind {
	case scenario.StepPacket:
		return st.Packet.String()
	case scenario.StepConnect:
		return st.Connect.String()
	}
	var ids []string
	c := &st.Change
	for _, x := range c.SecurityGroups {
		ids = append(ids, x.Group.ID)
	}
	for _, x := range c.NetworkACLs {
		ids = append(ids, x.ACL.ID)
	}
	for _, x := range c.Subnets {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Interfaces {
		ids = append(ids, x.ID)
	}
	for _, x := range c.PrefixLists {
		ids = append(ids, x.ID)
	}
	return strings.Join(ids, ", ")
}

// resultWord is the verdict of a packet, the outcome of a connect, or
// "applied" for a change.
func resultWord(r *scenario.Result) string {
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

func writeFailures(w io.Writer, rep *scenario.Report) {
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.OK() {
			continue
		}
		head := fmt.Sprintf("%s:%d: step %d at %s: %s %s", r.Step.Pos.File, r.Step.Pos.Line, r.Index+1, r.Step.At, r.Step.Kind, stepText(r.Step))
		if r.Err != nil {
			fmt.Fprintf(w, "%s: %v\n", head, r.Err)
			continue
		}
		// One line per failed step, so that tools can count and grep them:
		// the explanation's own lines are joined.
		// The why is the deciding stage's explanation (for a connect, the
		// drop that made it time out, or the packet that ended it).
		text := r.Explain()
		if p := r.Deciding(); p != nil {
			text = p.Why()
		}
		why := strings.Join(strings.Fields(strings.ReplaceAll(text, "\n", " | ")), " ")
		fmt.Fprintf(w, "%s: %s; why: %s\n", head, strings.Join(r.Failures, "; "), why)
	}
}

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	dim    = "\x1b[2m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func paint(on bool, color, s string) string {
	if !on {
		return s
	}
	return color + s + reset
}

func writeTrace(w io.Writer, rep *scenario.Report, color, tables bool) {
	f := rep.File
	fmt.Fprintf(w, "%s\n", paint(color, bold, f.Path+": "+f.Name))
	if d := strings.TrimSpace(f.Description); d != "" {
		fmt.Fprintf(w, "%s\n", indent(d, "  "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for i := range rep.Results {
		r := &rep.Results[i]
		word := resultWord(r)
		col := dim
		switch word {
		case "allow", "connected":
			col = green
		case "drop", "timeout", "error":
			col = red
		case "refused":
			col = yellow
		}
		mark := ""
		switch {
		case !r.OK():
			mark = paint(color, red, "✗ "+failureText(r))
		case r.Step.Expect != nil:
			mark = paint(color, green, "✓ as expected")
		}
		ct := ""
		if r.Path != nil && r.Path.Final.Verdict == flow.Allow {
			ct = r.Path.Final.Conntrack.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Step.At, r.Step.Kind, stepText(r.Step), paint(color, col, word), ct, mark)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for i := range rep.Results {
		r := &rep.Results[i]
		fmt.Fprintf(w, "%s %s %s\n", paint(color, bold, fmt.Sprintf("[%d] %s", i+1, r.Step.At)), r.Step.Kind, stepText(r.Step))
		fmt.Fprintf(w, "%s\n", indent(explainSteps(r), "    "))
		if tables {
			fmt.Fprintf(w, "%s\n", indent(tablesText(r), "    "))
		}
	}
}

// tablesText lists the connection tables after a step, interface by
// interface, or says that none tracks anything.
func tablesText(r *scenario.Result) string {
	if len(r.Tables) == 0 {
		return "tables: no tracked connections"
	}
	ids := make([]string, 0, len(r.Tables))
	for id := range r.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("tables:")
	for _, id := range ids {
		for _, c := range r.Tables[id] {
			fmt.Fprintf(&b, "\n  %s: %s %s, opened %s ago, expires in %s", id, c.Key, c.State,
				r.Now.Sub(c.Created), c.Expires.Sub(r.Now))
		}
	}
	return b.String()
}

func failureText(r *scenario.Result) string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return strings.Join(r.Failures, "; ")
}

// explainSteps explains each stage a packet met, one per line, or a
// connect's packets, or a change.
func explainSteps(r *scenario.Result) string {
	if r.Path == nil {
		return r.Explain()
	}
	return explainPath(r.Path)
}

func explainPath(p *vpc.Path) string {
	if p.Exempt != "" || len(p.Hops) == 0 {
		return p.Why()
	}
	var b strings.Builder
	for i := range p.Hops {
		h := &p.Hops[i]
		if i > 0 {
			b.WriteString("\n")
		}
		label := h.Interface() + " " + h.Decision.Stage.String() + " " + h.Decision.Direction.String()
		if h.Decision.Stage == flow.StageNACL {
			label = h.Subnet() + " nacl " + h.Decision.Direction.String()
		}
		fmt.Fprintf(&b, "%s: %s", label, h.Explain(&p.Packet))
	}
	return b.String()
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}

// record is one JSON line per step.
type record struct {
	File        string       `json:"file"`
	Line        int          `json:"line"`
	Step        int          `json:"step"`
	At          string       `json:"at"`
	Kind        string       `json:"kind"`
	Input       string       `json:"input,omitempty"`
	Result      string       `json:"result"`
	Stage       string       `json:"stage,omitempty"`
	ACL         string       `json:"acl,omitempty"`
	Direction   string       `json:"direction,omitempty"`
	Rule        string       `json:"rule,omitempty"`
	Group       string       `json:"group,omitempty"`
	Conntrack   string       `json:"conntrack,omitempty"`
	ConnState   string       `json:"conn_state,omitempty"`
	Explanation string       `json:"explanation"`
	OK          bool         `json:"ok"`
	Failures    []string     `json:"failures,omitempty"`
	Error       string       `json:"error,omitempty"`
	Hops        []hopRecord  `json:"hops,omitempty"`
	Packets     []pktRecord  `json:"packets,omitempty"`
	Tables      []connRecord `json:"tables,omitempty"`
}

type connRecord struct {
	Interface string `json:"interface"`
	Flow      string `json:"flow"`
	State     string `json:"state"`
	Opened    string `json:"opened_ago"`
	Expires   string `json:"expires_in"`
}

type hopRecord struct {
	Interface   string `json:"interface"`
	Subnet      string `json:"subnet"`
	Stage       string `json:"stage"`
	Direction   string `json:"direction"`
	Verdict     string `json:"verdict"`
	ACL         string `json:"acl,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Group       string `json:"group,omitempty"`
	Conntrack   string `json:"conntrack,omitempty"`
	Explanation string `json:"explanation"`
}

type pktRecord struct {
	Packet  string `json:"packet"`
	Verdict string `json:"verdict"`
}

func writeJSON(w io.Writer, rep *scenario.Report) {
	for i := range rep.Results {
		r := &rep.Results[i]
		rec := record{File: r.Step.Pos.File, Line: r.Step.Pos.Line, Step: i + 1, At: r.Step.At.String(),
			Kind: r.Step.Kind.String(), Input: stepText(r.Step), Result: resultWord(r), Explanation: r.Explain(),
			OK: r.OK(), Failures: r.Failures}
		if r.Err != nil {
			rec.Error = r.Err.Error()
		}
		if p := r.Deciding(); p != nil {
			d, x := &p.Final, p.Detail()
			if d.Verdict == flow.Drop {
				rec.Stage, rec.Direction = d.Stage.String(), d.Direction.String()
				if d.Stage == flow.StageNACL {
					rec.ACL, rec.Rule = x.ACL, d.RuleLabel()
				}
			}
			rec.Group = x.Group
			if d.Conntrack != flow.CTNone {
				rec.Conntrack = d.Conntrack.String()
			}
			if d.ConnState != flow.StateNone {
				rec.ConnState = d.ConnState.String()
			}
		}
		if r.Path != nil {
			for i := range r.Path.Hops {
				h := &r.Path.Hops[i]
				d, x := &h.Decision, h.Detail(&r.Path.Packet)
				hr := hopRecord{Interface: h.Interface(), Subnet: h.Subnet(), Stage: d.Stage.String(), Direction: d.Direction.String(),
					Verdict: d.Verdict.String(), Group: x.Group, Explanation: d.Explain(&x)}
				if d.Stage == flow.StageNACL {
					hr.ACL, hr.Rule = x.ACL, d.RuleLabel()
				}
				if d.Conntrack != flow.CTNone {
					hr.Conntrack = d.Conntrack.String()
				}
				rec.Hops = append(rec.Hops, hr)
			}
		}
		if r.Attempt != nil {
			for _, x := range r.Attempt.Exchanges {
				rec.Packets = append(rec.Packets, pktRecord{Packet: x.Packet.String(), Verdict: x.Path.Final.Verdict.String()})
			}
		}
		for id, cs := range r.Tables {
			for _, c := range cs {
				rec.Tables = append(rec.Tables, connRecord{Interface: id, Flow: c.Key.String(), State: c.State.String(),
					Opened: r.Now.Sub(c.Created).String(), Expires: c.Expires.Sub(r.Now).String()})
			}
		}
		slices.SortFunc(rec.Tables, func(a, b connRecord) int {
			return cmp.Or(strings.Compare(a.Interface, b.Interface), strings.Compare(a.Flow, b.Flow))
		})
		writeRecord(w, rec)
	}
}

func writeRecord(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": errors.Unwrap(err).Error()})
	}
	w.Write(append(b, '\n'))
}
