package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pfsim/pfsim/analysis"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

const analyzeUsage = `Usage: pfsim analyze COMMAND [--json] ...

Answers questions about the rules of the VPC a file describes, exactly:
for every packet at once, not for samples. The answers are about new
flows, the packets no tracked connection admits; holes are about the
replies the stateless network ACLs drop. FILE is a scenario file (the VPC
it declares, before any step, is analysed) or a file pfsim import reads on
its own, such as a Terraform configuration or plan, or a directory, read
as a Terraform root module (the AWS CLI's describe outputs make a VPC
together: import them into a scenario file first).

  exposure FILE [--iface ID] [--from CIDR[,CIDR...]]
        what each interface (or ID alone) accepts from the sources (by
        default 0.0.0.0/0 and ::/0), after its subnet's network ACL and its
        security groups: the services, each with the sources it is open to
  shadowed FILE
        network ACL rules that can never match, with the earlier rules that
        cover them (and whether one has the opposite action); security
        group rules that other rules make redundant
  holes FILE
        flows an interface admits whose replies its subnet's network ACL
        drops, for Linux (32768-60999), Windows (49152-65535) and NAT
        gateway or load balancer (1024-65535) client ports, each with the
        rule that fixes it, checked
  diff OLD NEW
        how the VPC of NEW compares with the VPC of OLD: equal, more or
        less permissive, or incomparable, with a packet for every region of
        packets whose verdict changes
  why-not FILE 'PACKET'
        the packet's verdict, and the smallest edits that flip it (add a
        rule, widen one, move or remove a deny), proved by sending the
        packet again through the edited VPC

Every packet shown comes with the words of pfsim's evaluator.

Exit status: 0 when the answer is "nothing": diff finds the VPCs equal,
shadowed and holes find nothing (exposure and why-not always exit 0); 1
when diff finds a change or shadowed or holes find something; 2 on invalid
input or usage.

  --iface ID   exposure: only this interface
  --from CIDRS exposure: the sources, prefixes or addresses joined by commas
  --json       one JSON record per line on standard output (docs/json.md)
`

var analyzeCommand = &command{
	name:    "analyze",
	args:    "COMMAND [--json] ...",
	summary: "exact answers over every packet: exposure, shadowed, holes, diff, why-not",
	help:    analyzeUsage,
	flags:   []flagSpec{{name: "json"}, {name: "iface", value: "ID"}, {name: "from", value: "CIDRS", check: checkSources}},
}

func init() { analyzeCommand.run = runAnalyze }

// analyzeOperands is how many operands each analyze command takes, after
// its name.
var analyzeOperands = map[string]int{"exposure": 1, "shadowed": 1, "holes": 1, "diff": 2, "why-not": 2}

// loadConfig reads the VPC a file describes, reporting the file's
// warnings and problems. It is the one place that knows the formats
// analyze reads: a scenario file (its steps are not run), or anything
// pfsim import reads (AWS CLI JSON, Terraform), told apart by content.
func loadConfig(e *env, asJSON bool, path string) (vpc.Config, bool) {
	if files, err := readPath(path); err == nil && (len(files) > 1 || ingest.Detect(files[0].Name, files[0].Data) != ingest.Scenario) {
		m, err := ingest.Read(files, ingest.Options{ReadDir: readTFDir})
		for _, w := range m.Warnings {
			if asJSON {
				// A warning about a whole file is written at its start.
				w2 := w
				w2.Pos = source.Pos{}
				writeRecord(e.stdout, warningRecord{Type: "warning", File: path, Line: max(w.Pos.Line, 1), Col: max(w.Pos.Col, 1), Message: w2.String()})
				continue
			}
			fmt.Fprintln(e.stderr, warningLine(w))
		}
		if err == nil {
			return m.Config, true
		}
		errs := source.Errors(err)
		if len(errs) == 0 {
			reportUnreadable(e, asJSON, path, err)
		}
		for _, x := range errs {
			if asJSON {
				bare := *x
				bare.Pos = source.Pos{}
				writeRecord(e.stdout, errorRecord{Type: "error", Kind: "invalid", File: path, Line: x.Pos.Line, Col: x.Pos.Col,
					Field: x.Field, Message: bare.Error()})
				continue
			}
			fmt.Fprintln(e.stderr, x.Error())
		}
		return vpc.Config{}, false
	}
	f, warns, err := scenario.Load(path)
	reportWarnings(e, asJSON, warns)
	if err != nil {
		if scenario.Errors(err) == nil {
			reportUnreadable(e, asJSON, path, err)
		} else {
			reportInvalid(e, asJSON, err)
		}
		return vpc.Config{}, false
	}
	return scenario.Config(f), true
}

// parseSources reads --from: prefixes or addresses joined by commas.
func parseSources(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("want prefixes or addresses joined by commas, such as 0.0.0.0/0,::/0 or 203.0.113.0/24")
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func checkSources(s string) error {
	_, err := parseSources(s)
	return err
}

// analyzer runs one analyze command.
type analyzer struct {
	e      *env
	asJSON bool
}

func runAnalyze(e *env, fl flags, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "pfsim analyze: no command given: exposure, shadowed, holes, diff or why-not\nRun 'pfsim help analyze' for more.\n")
		return exitInvalid
	}
	cmd, operands := args[0], args[1:]
	want, known := analyzeOperands[cmd]
	switch {
	case !known:
		fmt.Fprintf(e.stderr, "pfsim analyze: unknown command %q%s\nRun 'pfsim help analyze' for more.\n",
			cmd, didYouMean(cmd, []string{"exposure", "shadowed", "holes", "diff", "why-not"}, ""))
		return exitInvalid
	case len(operands) != want:
		fmt.Fprintf(e.stderr, "pfsim analyze %s: want %d operand(s), got %d\nRun 'pfsim help analyze' for more.\n", cmd, want, len(operands))
		return exitInvalid
	case cmd != "exposure" && (fl.has("iface") || fl.has("from")):
		fmt.Fprintf(e.stderr, "pfsim analyze %s: --iface and --from are for exposure\n", cmd)
		return exitInvalid
	}
	a := analyzer{e: e, asJSON: fl.has("json")}
	if cmd == "why-not" {
		// The packet text is part of the command line: a wrong one is a
		// usage error, found before the file is read.
		p, err := flow.ParsePacket(operands[1])
		if err != nil {
			return questionError(e, "analyze why-not", operands[1], err)
		}
		m, ok := a.load(operands[0])
		if !ok {
			return exitInvalid
		}
		return a.whyNot(m, operands[0], operands[1], p)
	}
	var models []*analysis.Model
	for _, path := range operands {
		m, ok := a.load(path)
		if !ok {
			return exitInvalid
		}
		models = append(models, m)
	}
	switch cmd {
	case "exposure":
		return a.exposure(models[0], operands[0], fl)
	case "shadowed":
		return a.shadowed(models[0], operands[0])
	case "holes":
		return a.holes(models[0], operands[0])
	}
	return a.diff(models[0], models[1], operands[0], operands[1])
}

// load reads a file's VPC and prepares it.
func (a *analyzer) load(path string) (*analysis.Model, bool) {
	cfg, ok := loadConfig(a.e, a.asJSON, path)
	if !ok {
		return nil, false
	}
	m, err := analysis.NewModel(cfg)
	if err != nil {
		// A file scenario.Load accepts always builds; report it if not.
		reportUnreadable(a.e, a.asJSON, path, err)
		return nil, false
	}
	return m, true
}

// The records of analyze (docs/json.md).

// packetVerdict is a packet and its verdict, in words.
type packetVerdict struct {
	Packet      string `json:"packet"`
	Verdict     string `json:"verdict"`
	Explanation string `json:"explanation"`
}

func verdictOf(c analysis.Check) packetVerdict {
	return packetVerdict{Packet: c.Packet.String(), Verdict: c.Verdict.String(), Explanation: c.Why}
}

type exposureRecord struct {
	Type      string        `json:"type"` // "exposure"
	File      string        `json:"file"`
	Interface string        `json:"interface"`
	Family    int           `json:"family"`
	Services  []string      `json:"services"`
	Except    []string      `json:"except,omitempty"`
	Sources   string        `json:"sources"`
	Example   packetVerdict `json:"example"`
}

type interfaceRecord struct {
	Type       string   `json:"type"` // "interface"
	File       string   `json:"file"`
	Interface  string   `json:"interface"`
	From       string   `json:"from"`
	Entries    int      `json:"entries"`
	Unfiltered []string `json:"unfiltered,omitempty"`
}

type shadowedRecord struct {
	Type      string   `json:"type"` // "shadowed"
	File      string   `json:"file"`
	ACL       string   `json:"acl"`
	Direction string   `json:"direction"`
	Rule      string   `json:"rule"`
	CoveredBy []string `json:"covered_by"`
	Conflict  bool     `json:"conflict"`
	Text      string   `json:"text"`
}

type needlessRecord struct {
	Type      string   `json:"type"` // "needless"
	File      string   `json:"file"`
	ACL       string   `json:"acl"`
	Direction string   `json:"direction"`
	Rule      string   `json:"rule"`
	DecidedBy []string `json:"decided_by"`
	Text      string   `json:"text"`
}

type redundantRecord struct {
	Type      string   `json:"type"` // "redundant"
	File      string   `json:"file"`
	Interface string   `json:"interface,omitempty"`
	Rule      string   `json:"rule"`
	CoveredBy []string `json:"covered_by"`
	Tracking  bool     `json:"tracking"`
	Text      string   `json:"text"`
}

type holeRecord struct {
	Type         string        `json:"type"` // "hole"
	File         string        `json:"file"`
	Interface    string        `json:"interface"`
	ACL          string        `json:"acl"`
	PeerSubnet   string        `json:"peer_subnet,omitempty"`
	Direction    string        `json:"direction"`
	Flows        string        `json:"flows"`
	Clients      []string      `json:"clients"`
	Replies      string        `json:"replies"`
	Request      packetVerdict `json:"request"`
	Reply        packetVerdict `json:"reply"`
	Fix          string        `json:"fix"`
	FixDirection string        `json:"fix_direction"`
	Fixed        bool          `json:"fixed"`
}

type diffChangeRecord struct {
	Type     string        `json:"type"` // "change"
	Now      string        `json:"now"`  // allow or drop
	Where    string        `json:"where"`
	Region   string        `json:"region"`
	Family   int           `json:"family"`
	Src      string        `json:"src"`
	Dst      string        `json:"dst"`
	Services []string      `json:"services"`
	Except   []string      `json:"except,omitempty"`
	Old      packetVerdict `json:"old"`
	New      packetVerdict `json:"new"`
}

type diffRecord struct {
	Type     string `json:"type"` // "diff"
	Old      string `json:"old"`
	New      string `json:"new"`
	Relation string `json:"relation"`
	Changes  int    `json:"changes"`
}

type editRecord struct {
	Type     string        `json:"type"` // "edit" or "alternative"
	Step     int           `json:"step"`
	Kind     string        `json:"kind"`
	Filter   string        `json:"filter"`
	Before   []string      `json:"before,omitempty"`
	After    string        `json:"after,omitempty"`
	Text     string        `json:"text"`
	Also     []string      `json:"also,omitempty"`
	Flips    bool          `json:"flips"`
	Evaluate packetVerdict `json:"evaluated"`
}

type whyNotRecord struct {
	Type    string        `json:"type"` // "why-not"
	File    string        `json:"file"`
	Packet  string        `json:"packet"`
	Before  packetVerdict `json:"before"`
	After   packetVerdict `json:"after"`
	Exempt  bool          `json:"exempt"`
	Flipped bool          `json:"flipped"`
	Edits   int           `json:"edits"`
}

func (a *analyzer) exposure(m *analysis.Model, path string, fl flags) int {
	from := analysis.Src(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	if fl.has("from") {
		ps, _ := parseSources(fl["from"]) // checked by the flag
		from = analysis.Src(ps...)
	}
	ids := m.Interfaces()
	if fl.has("iface") {
		ids = []string{fl["iface"]}
	}
	for i, id := range ids {
		x, err := m.Exposure(id, from)
		if err != nil {
			fmt.Fprintf(a.e.stderr, "pfsim analyze exposure: %v\n", err)
			return exitInvalid
		}
		if a.asJSON {
			for _, en := range x.Entries {
				writeRecord(a.e.stdout, exposureRecord{Type: "exposure", File: path, Interface: id, Family: en.Family,
					Services: en.Services, Except: en.Except, Sources: en.Sources.String(), Example: verdictOf(en.Check)})
			}
			writeRecord(a.e.stdout, interfaceRecord{Type: "interface", File: path, Interface: id, From: x.From,
				Entries: len(x.Entries), Unfiltered: x.Exempt})
			continue
		}
		if i > 0 {
			fmt.Fprintln(a.e.stdout)
		}
		fmt.Fprintf(a.e.stdout, "interface %s accepts from %s:\n", id, x.From)
		if len(x.Entries) == 0 {
			fmt.Fprintln(a.e.stdout, "  nothing")
		}
		for _, en := range x.Entries {
			fmt.Fprintf(a.e.stdout, "  %s from %s\n    e.g. %s\n", en.ServiceText(), en.Sources, en.Check)
		}
		if len(x.Exempt) > 0 {
			fmt.Fprintln(a.e.stdout, "  and everything from the AWS service addresses no filter sees (NOT-10)")
		}
	}
	return exitOK
}

func (a *analyzer) shadowed(m *analysis.Model, path string) int {
	found := 0
	for _, s := range m.Shadowed() {
		found++
		if a.asJSON {
			writeRecord(a.e.stdout, shadowedRecord{Type: "shadowed", File: path, ACL: s.ACL, Direction: s.Direction.String(),
				Rule: s.Rule, CoveredBy: nonNil(s.CoveredBy), Conflict: s.Conflict, Text: s.String()})
			continue
		}
		fmt.Fprintln(a.e.stdout, s)
	}
	for _, n := range m.Needless() {
		found++
		if a.asJSON {
			writeRecord(a.e.stdout, needlessRecord{Type: "needless", File: path, ACL: n.ACL, Direction: n.Direction.String(),
				Rule: n.Rule, DecidedBy: nonNil(n.DecidedBy), Text: n.String()})
			continue
		}
		fmt.Fprintln(a.e.stdout, n)
	}
	for _, r := range m.Redundant() {
		found++
		if a.asJSON {
			covered := make([]string, len(r.CoveredBy))
			for i, c := range r.CoveredBy {
				covered[i] = c.String()
			}
			writeRecord(a.e.stdout, redundantRecord{Type: "redundant", File: path, Interface: r.Interface, Rule: r.Rule.String(),
				CoveredBy: covered, Tracking: r.Tracking, Text: r.String()})
			continue
		}
		fmt.Fprintln(a.e.stdout, r)
	}
	if !a.asJSON {
		fmt.Fprintf(a.e.stderr, "pfsim analyze shadowed: %s\n", plural(found, "finding"))
	}
	if found > 0 {
		return exitFailed
	}
	return exitOK
}

func (a *analyzer) holes(m *analysis.Model, path string) int {
	holes := m.Holes()
	for _, h := range holes {
		if a.asJSON {
			writeRecord(a.e.stdout, holeRecord{Type: "hole", File: path, Interface: h.Interface, ACL: h.ACL, PeerSubnet: h.PeerSubnet, Direction: h.Direction.String(),
				Flows: h.Flows, Clients: h.Clients, Replies: h.Replies, Request: verdictOf(h.Request), Reply: verdictOf(h.Reply),
				Fix: h.Fix, FixDirection: h.FixDirection.String(), Fixed: h.Fixed})
			continue
		}
		fmt.Fprintln(a.e.stdout, h)
		fmt.Fprintf(a.e.stdout, "  request: %s\n  reply:   %s\n", h.Request, h.Reply)
		if h.Fixed {
			fmt.Fprintln(a.e.stdout, "  checked: with the rule added, every such reply gets through")
		}
	}
	if !a.asJSON {
		fmt.Fprintf(a.e.stderr, "pfsim analyze holes: %s\n", plural(len(holes), "hole"))
	}
	if len(holes) > 0 {
		return exitFailed
	}
	return exitOK
}

func (a *analyzer) diff(old, new *analysis.Model, oldPath, newPath string) int {
	d := analysis.DiffVPCs(old, new)
	if a.asJSON {
		for _, c := range d.Changes {
			writeRecord(a.e.stdout, diffChangeRecord{Type: "change", Now: c.Now.String(), Where: c.Where, Region: c.Region.String(),
				Family: c.Region.Family, Src: c.Region.Src.String(), Dst: c.Region.Dst.String(), Services: c.Region.Services,
				Except: c.Region.Except, Old: verdictOf(c.Old), New: verdictOf(c.New)})
		}
		writeRecord(a.e.stdout, diffRecord{Type: "diff", Old: oldPath, New: newPath, Relation: d.Relation.String(), Changes: len(d.Changes)})
	} else {
		fmt.Fprintln(a.e.stdout, d)
	}
	if d.Relation == analysis.Equal {
		return exitOK
	}
	return exitFailed
}

func (a *analyzer) whyNot(m *analysis.Model, path, text string, p flow.Packet) int {
	w, err := m.WhyNot(p)
	if err != nil {
		return questionError(a.e, "analyze why-not", text, err)
	}
	if a.asJSON {
		edit := func(typ string, i int, ed analysis.Edit) {
			writeRecord(a.e.stdout, editRecord{Type: typ, Step: i + 1, Kind: ed.Kind.String(), Filter: ed.Filter, Before: ed.Before,
				After: ed.After, Text: ed.Text, Also: ed.Also, Flips: ed.Flips, Evaluate: verdictOf(ed.Check)})
		}
		for i, ed := range w.Edits {
			edit("edit", i, ed)
		}
		for i, ed := range w.Alternatives {
			edit("alternative", i, ed)
		}
		writeRecord(a.e.stdout, whyNotRecord{Type: "why-not", File: path, Packet: p.String(), Before: verdictOf(w.Before),
			After: verdictOf(w.After), Exempt: w.Exempt, Flipped: w.Flipped, Edits: len(w.Edits)})
		return exitOK
	}
	out := a.e.stdout
	fmt.Fprintf(out, "now: %s\n", w.Before)
	if w.Exempt {
		fmt.Fprintln(out, "no filter sees this packet (NOT-10): no rule changes its fate")
		return exitOK
	}
	goal := "allow"
	if w.Before.Verdict == flow.Allow {
		goal = "drop"
	}
	fmt.Fprintf(out, "to %s it:\n", goal)
	for i, ed := range w.Edits {
		fmt.Fprintf(out, "  %d. %s\n", i+1, ed)
	}
	if w.Flipped {
		fmt.Fprintf(out, "then: %s\n", w.After)
	} else {
		fmt.Fprintf(out, "no edits found that flip it; with those above: %s\n", w.After)
	}
	if len(w.Alternatives) > 0 {
		fmt.Fprintln(out, "instead of edit 1:")
		for _, ed := range w.Alternatives {
			fmt.Fprintf(out, "  - %s\n", ed)
		}
	}
	return exitOK
}
