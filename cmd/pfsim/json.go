package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// The --json records, one per line: docs/json.md is their contract, and
// json_test.go checks every record the lessons produce against it. Each
// has a type first; a field is added, never renamed or given another
// meaning.

// stepRecord is one step of a scenario, as it ran.
type stepRecord struct {
	Type string `json:"type"` // "step"
	// Where the step is written, and its number from 1.
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Step int    `json:"step"`
	// When: seconds since the start, and as written (a Go duration).
	At     float64 `json:"at"`
	AtText string  `json:"at_text"`
	Kind   string  `json:"kind"`  // packet, connect, change
	Input  string  `json:"input"` // the packet, the connection, or the ids a change names
	// Result is allow or drop (packet), connected, refused or timeout
	// (connect), applied (change), or error (the step could not run).
	Result string `json:"result"`
	// OK is absent when the step expects nothing; Failures lists what
	// did not hold.
	OK       *bool    `json:"ok,omitempty"`
	Failures []string `json:"failures,omitempty"`
	decisionFields
	Explanation string `json:"explanation"`
	Error       string `json:"error,omitempty"`
	// Hops are the filters a packet met (packet steps); Packets the
	// packets of a connect, each with its hops; Changes the rules a
	// change added and removed.
	Hops    []hopRecord    `json:"hops,omitempty"`
	Packets []packetRecord `json:"packets,omitempty"`
	Changes []changeRecord `json:"changes,omitempty"`
	// Tables holds every interface's tracked connections after the step,
	// with trace --tables only (then always present, maybe empty).
	Tables *[]connRecord `json:"tables,omitempty"`
}

// decisionFields sum a packet's (or a connect's deciding packet's)
// decision up: the stage, ACL, direction and rule of a drop, the group
// that decided, what connection tracking did.
type decisionFields struct {
	Stage     string `json:"stage,omitempty"`
	ACL       string `json:"acl,omitempty"`
	Direction string `json:"direction,omitempty"`
	Rule      string `json:"rule,omitempty"`
	Group     string `json:"group,omitempty"`
	Conntrack string `json:"conntrack,omitempty"`
	ConnState string `json:"conn_state,omitempty"`
}

// hopRecord is one filter a packet met.
type hopRecord struct {
	Interface   string `json:"interface"`
	Subnet      string `json:"subnet"`
	Stage       string `json:"stage"`     // nacl or sg
	Direction   string `json:"direction"` // ingress or egress
	Verdict     string `json:"verdict"`
	ACL         string `json:"acl,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Group       string `json:"group,omitempty"`
	Conntrack   string `json:"conntrack,omitempty"`
	Explanation string `json:"explanation"`
}

// packetRecord is one packet of a connect.
type packetRecord struct {
	Packet      string      `json:"packet"`
	Verdict     string      `json:"verdict"`
	Explanation string      `json:"explanation"`
	Hops        []hopRecord `json:"hops"`
}

// changeRecord is what a change did to one group or ACL it replaced.
type changeRecord struct {
	Kind    string   `json:"kind"` // "security group" or "network ACL"
	ID      string   `json:"id"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// connRecord is one tracked connection.
type connRecord struct {
	Interface     string  `json:"interface"`
	Flow          string  `json:"flow"`
	State         string  `json:"state"`
	Age           float64 `json:"age"` // seconds since it was opened
	AgeText       string  `json:"age_text"`
	ExpiresIn     float64 `json:"expires_in"` // seconds until it expires if nothing more comes
	ExpiresInText string  `json:"expires_in_text"`
}

// errorRecord is one problem that kept a file from running.
type errorRecord struct {
	Type string `json:"type"` // "error"
	// Kind is invalid (the file's content is wrong) or unreadable (it
	// could not be read: line and col are then 0).
	Kind    string `json:"kind"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Step    int    `json:"step,omitempty"`  // the step the problem is in, from 1
	Field   string `json:"field,omitempty"` // its path from the root: steps[2].expect.rule
	Message string `json:"message"`
}

// warningRecord is something pfsim accepts but warns about.
type warningRecord struct {
	Type    string `json:"type"` // "warning"
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// summaryRecord ends the output of check and trace.
type summaryRecord struct {
	Type         string `json:"type"` // "summary"
	Command      string `json:"command"`
	Files        int    `json:"files"`
	Valid        int    `json:"valid"`
	Invalid      int    `json:"invalid"`
	Unreadable   int    `json:"unreadable"`
	Steps        int    `json:"steps"`
	Expectations int    `json:"expectations"`
	Failed       int    `json:"failed"`
	Exit         int    `json:"exit"`
}

// answerRecord is the answer of send or connect: one question asked of
// a scenario's VPC.
type answerRecord struct {
	Type   string  `json:"type"` // "answer"
	File   string  `json:"file"`
	At     float64 `json:"at"`
	AtText string  `json:"at_text"`
	// StepsRun is how many of the file's steps ran before the question.
	StepsRun int    `json:"steps_run"`
	Kind     string `json:"kind"` // packet or connect
	Input    string `json:"input"`
	Result   string `json:"result"`
	decisionFields
	Explanation string         `json:"explanation"`
	Hops        []hopRecord    `json:"hops,omitempty"`
	Packets     []packetRecord `json:"packets,omitempty"`
}

// stepOfField returns the step a field path is in ("steps[2].packet" is
// step 3), or 0.
func stepOfField(field string) int {
	rest, ok := strings.CutPrefix(field, "steps[")
	if !ok {
		return 0
	}
	n, _, _ := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	return i + 1
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// hops turns a path's hops into records.
func hops(p *vpc.Path) []hopRecord {
	out := make([]hopRecord, 0, len(p.Hops))
	for i := range p.Hops {
		h := &p.Hops[i]
		d, x := &h.Decision, h.Detail(&p.Packet)
		hr := hopRecord{Interface: h.Interface(), Subnet: h.Subnet(), Stage: d.Stage.String(), Direction: d.Direction.String(),
			Verdict: d.Verdict.String(), Group: x.Group, Explanation: d.Explain(&x)}
		if d.Stage == flow.StageNACL {
			hr.ACL, hr.Rule = x.ACL, d.RuleLabel()
		}
		if d.Conntrack != flow.CTNone {
			hr.Conntrack = d.Conntrack.String()
		}
		out = append(out, hr)
	}
	return out
}

// decision sums up the deciding path.
func decision(p *vpc.Path) decisionFields {
	var f decisionFields
	if p == nil {
		return f
	}
	d, x := &p.Final, p.Detail()
	if d.Verdict == flow.Drop {
		f.Stage, f.Direction = d.Stage.String(), d.Direction.String()
		if d.Stage == flow.StageNACL {
			f.ACL, f.Rule = x.ACL, d.RuleLabel()
		}
	}
	f.Group = x.Group
	if d.Conntrack != flow.CTNone {
		f.Conntrack = d.Conntrack.String()
	}
	if d.ConnState != flow.StateNone {
		f.ConnState = d.ConnState.String()
	}
	return f
}

// packets turns a connect's exchanges into records, each with its hops.
func packets(a *vpc.Attempt) []packetRecord {
	out := make([]packetRecord, 0, len(a.Exchanges))
	for i := range a.Exchanges {
		x := &a.Exchanges[i]
		out = append(out, packetRecord{Packet: x.Packet.String(), Verdict: x.Path.Final.Verdict.String(),
			Explanation: x.Path.Why(), Hops: hops(&x.Path)})
	}
	return out
}

func writeStepRecords(w io.Writer, rep *scenario.Report, tables bool) {
	for i := range rep.Results {
		r := &rep.Results[i]
		st := r.Step
		rec := stepRecord{Type: "step", File: st.Pos.File, Line: st.Pos.Line, Col: st.Pos.Col, Step: r.Index + 1,
			At: seconds(st.At), AtText: st.At.String(), Kind: st.Kind.String(), Input: st.Input(), Result: r.Word(),
			Failures: r.Failures, decisionFields: decision(r.Deciding()), Explanation: r.Explain()}
		if st.Expect != nil || r.Err != nil {
			ok := r.OK()
			rec.OK = &ok
		}
		if r.Err != nil {
			rec.Error = r.Err.Error()
		}
		if r.Path != nil {
			rec.Hops = hops(r.Path)
		}
		if r.Attempt != nil {
			rec.Packets = packets(r.Attempt)
		}
		for _, d := range st.Change.Diffs {
			rec.Changes = append(rec.Changes, changeRecord{Kind: d.Kind, ID: d.ID, Added: nonNil(d.Added), Removed: nonNil(d.Removed)})
		}
		if tables {
			conns := []connRecord{}
			for id, cs := range r.Tables {
				for _, c := range cs {
					age, left := r.Now.Sub(c.Created), c.Expires.Sub(r.Now)
					conns = append(conns, connRecord{Interface: id, Flow: c.Key.String(), State: c.State.String(),
						Age: seconds(age), AgeText: age.String(), ExpiresIn: seconds(left), ExpiresInText: left.String()})
				}
			}
			slices.SortFunc(conns, func(a, b connRecord) int {
				return cmp.Or(strings.Compare(a.Interface, b.Interface), strings.Compare(a.Flow, b.Flow))
			})
			rec.Tables = &conns
		}
		writeRecord(w, rec)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeRecord writes v as one line of JSON. The records hold strings and
// numbers only, which always marshal.
func writeRecord(w io.Writer, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // packets read "a > b", not "a \u003e b"
	if err := enc.Encode(v); err != nil {
		b.Reset()
		enc.Encode(errorRecord{Type: "error", Kind: "internal", Message: err.Error()})
	}
	w.Write(b.Bytes())
}
