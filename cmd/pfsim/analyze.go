package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/pfsim/pfsim/analysis"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

const analyzeUsage = `Usage: pfsim analyze COMMAND [--json] ...

Answers questions about a VPC's rules exactly, for every packet at once
(no sampling), about new flows: packets no tracked connection admits.

  exposure FILE [--iface ID] [--from CIDR]...
        what each interface (or ID) accepts from the sources (default
        0.0.0.0/0 and ::/0), after its subnet's network ACL and its security
        groups: services and the sources each is open to
  shadowed FILE
        network ACL rules that can never match, with the earlier rules that
        cover them; security group rules that other rules make redundant
  holes FILE
        flows an interface admits whose replies its subnet's stateless
        network ACL drops, for Linux, Windows and NAT or load-balancer
        client ports, with the rule that fixes each
  diff OLD NEW
        how the VPC of NEW differs from the VPC of OLD: equal, more or less
        permissive, or incomparable, with a packet for each region that
        changes
  why-not FILE 'PACKET'
        the packet's verdict and the smallest edits that flip it, proved by
        running the packet again through the edited VPC

Every packet shown comes with the words of pfsim's evaluator. FILE is a
scenario file; its VPC as declared (before any step) is analysed.

  --json   one JSON record per line, each with a "type" field

Exit status: 0, or for diff 0 when equal; 1 when diff finds a change or
shadowed or holes find something; 2 on invalid input.
`

// loadConfig reads the VPC a file describes. It is the one place that
// knows the formats analyze accepts: scenario files today.
func loadConfig(path string, stderr io.Writer) (vpc.Config, error) {
	f, warns, err := scenario.Load(path)
	for _, w := range warns {
		fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
	}
	if err != nil {
		return vpc.Config{}, err
	}
	return scenario.Config(f), nil
}

type analyzeOptions struct {
	json  bool
	iface string
	from  []netip.Prefix
	args  []string
}

// parseAnalyzeFlags reads the flags of one analyze command; they may come
// before, between or after its arguments.
func parseAnalyzeFlags(cmd string, args []string) (analyzeOptions, error) {
	var o analyzeOptions
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.args = append(o.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.args = append(o.args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takeValue := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("--%s needs a value", name)
			}
			i++
			return args[i], nil
		}
		switch {
		case name == "h" || name == "help":
			return o, errHelp
		case name == "json" && !hasVal:
			o.json = true
		case name == "iface" && cmd == "exposure":
			v, err := takeValue()
			if err != nil {
				return o, err
			}
			o.iface = v
		case name == "from" && cmd == "exposure":
			v, err := takeValue()
			if err != nil {
				return o, err
			}
			for _, s := range strings.Split(v, ",") {
				p, err := netip.ParsePrefix(s)
				if err != nil {
					a, aerr := netip.ParseAddr(s)
					if aerr != nil {
						return o, fmt.Errorf("--from %q: want a CIDR such as 0.0.0.0/0 or 203.0.113.0/24", s)
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				o.from = append(o.from, p)
			}
		default:
			return o, fmt.Errorf("unknown flag %s", a)
		}
	}
	want := map[string]int{"exposure": 1, "shadowed": 1, "holes": 1, "diff": 2, "why-not": 2}[cmd]
	if len(o.args) != want {
		return o, fmt.Errorf("%s takes %d argument(s), got %d", cmd, want, len(o.args))
	}
	return o, nil
}

// runAnalyze is "pfsim analyze ...": it returns the exit status.
func runAnalyze(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, analyzeUsage)
		return exitInvalid
	}
	cmd := args[0]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, analyzeUsage)
		return exitOK
	case "exposure", "shadowed", "holes", "diff", "why-not":
	default:
		fmt.Fprintf(stderr, "pfsim analyze: unknown command %q\n\n%s", cmd, analyzeUsage)
		return exitInvalid
	}
	o, err := parseAnalyzeFlags(cmd, args[1:])
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, analyzeUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "pfsim analyze %s: %v\n\n%s", cmd, err, analyzeUsage)
		return exitInvalid
	}
	a := analyzer{o: o, stdout: stdout, stderr: stderr}
	models := make([]*analysis.Model, 0, 2)
	files := o.args
	if cmd == "why-not" {
		files = files[:1]
	}
	for _, path := range files {
		m, ok := a.load(path)
		if !ok {
			return exitInvalid
		}
		models = append(models, m)
	}
	switch cmd {
	case "exposure":
		return a.exposure(models[0])
	case "shadowed":
		return a.shadowed(models[0])
	case "holes":
		return a.holes(models[0])
	case "diff":
		return a.diff(models[0], models[1])
	}
	return a.whyNot(models[0], o.args[1])
}

type analyzer struct {
	o              analyzeOptions
	stdout, stderr io.Writer
}

// load reads a file's VPC, reporting its problems as check does.
func (a *analyzer) load(path string) (*analysis.Model, bool) {
	cfg, err := loadConfig(path, a.stderr)
	if err == nil {
		var m *analysis.Model
		if m, err = analysis.NewModel(cfg); err == nil {
			return m, true
		}
	}
	errs := scenario.Errors(err)
	if len(errs) == 0 {
		fmt.Fprintf(a.stderr, "%s: %v\n", path, err)
		a.record("error", map[string]any{"file": path, "error": err.Error()})
		return nil, false
	}
	for _, e := range errs {
		fmt.Fprintln(a.stderr, e.Error())
		a.record("error", map[string]any{"file": e.Pos.File, "line": e.Pos.Line, "col": e.Pos.Col, "field": e.Field, "error": e.Msg})
	}
	return nil, false
}

// record writes one JSON record with its type, when --json is set.
func (a *analyzer) record(typ string, fields map[string]any) {
	if !a.o.json {
		return
	}
	fields["type"] = typ
	writeRecord(a.stdout, fields)
}

func checkFields(c analysis.Check) map[string]any {
	return map[string]any{"packet": c.Packet.String(), "verdict": c.Verdict.String(), "why": c.Why}
}

func (a *analyzer) exposure(m *analysis.Model) int {
	from := analysis.Src(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
	if len(a.o.from) > 0 {
		from = analysis.Src(a.o.from...)
	}
	ids := m.Interfaces()
	if a.o.iface != "" {
		ids = []string{a.o.iface}
	}
	for i, id := range ids {
		x, err := m.Exposure(id, from)
		if err != nil {
			fmt.Fprintf(a.stderr, "pfsim analyze exposure: %v\n", err)
			return exitInvalid
		}
		for _, e := range x.Entries {
			a.record("exposed", map[string]any{"interface": id, "family": e.Family, "services": e.Services,
				"except": e.Except, "sources": e.Sources.String(), "check": checkFields(e.Check)})
		}
		a.record("interface", map[string]any{"interface": id, "from": x.From, "entries": len(x.Entries), "exempt": x.Exempt})
		if a.o.json {
			continue
		}
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "interface %s accepts from %s:\n", id, x.From)
		if len(x.Entries) == 0 {
			fmt.Fprintln(a.stdout, "  nothing")
		}
		for _, e := range x.Entries {
			fmt.Fprintf(a.stdout, "  %s from %s\n    e.g. %s\n", e.ServiceText(), e.Sources, e.Check)
		}
		if len(x.Exempt) > 0 {
			fmt.Fprintln(a.stdout, "  and everything from the AWS service addresses no filter sees (NOT-10)")
		}
	}
	return exitOK
}

func (a *analyzer) shadowed(m *analysis.Model) int {
	found := 0
	for _, s := range m.Shadowed() {
		found++
		a.record("shadowed", map[string]any{"acl": s.ACL, "direction": s.Direction.String(), "rule": s.Rule,
			"covered_by": s.CoveredBy, "conflict": s.Conflict, "empty": s.Empty})
		if !a.o.json {
			fmt.Fprintln(a.stdout, s)
		}
	}
	for _, r := range m.Redundant() {
		found++
		covered := make([]string, len(r.CoveredBy))
		for i, c := range r.CoveredBy {
			covered[i] = c.String()
		}
		a.record("redundant", map[string]any{"interface": r.Interface, "rule": r.Rule.String(), "covered_by": covered, "tracking": r.Tracking})
		if !a.o.json {
			fmt.Fprintln(a.stdout, r)
		}
	}
	if !a.o.json {
		fmt.Fprintf(a.stderr, "pfsim analyze shadowed: %d finding(s)\n", found)
	}
	if found > 0 {
		return exitFailed
	}
	return exitOK
}

func (a *analyzer) holes(m *analysis.Model) int {
	holes := m.Holes()
	for _, h := range holes {
		a.record("hole", map[string]any{"interface": h.Interface, "acl": h.ACL, "direction": h.Direction.String(),
			"flows": h.Flows, "clients": h.Clients, "replies": h.Replies, "request": checkFields(h.Request),
			"reply": checkFields(h.Reply), "fix": h.Fix, "fix_rule": h.FixRule.String(), "fix_direction": h.FixDirection.String(), "fixed": h.Fixed})
		if a.o.json {
			continue
		}
		fmt.Fprintln(a.stdout, h)
		fmt.Fprintf(a.stdout, "  request: %s\n  reply:   %s\n", h.Request, h.Reply)
		if h.Fixed {
			fmt.Fprintln(a.stdout, "  checked: with the rule added, every such reply gets through")
		}
	}
	if !a.o.json {
		fmt.Fprintf(a.stderr, "pfsim analyze holes: %d hole(s)\n", len(holes))
	}
	if len(holes) > 0 {
		return exitFailed
	}
	return exitOK
}

func (a *analyzer) diff(old, new *analysis.Model) int {
	d := analysis.DiffVPCs(old, new)
	for _, c := range d.Changes {
		now := "allowed"
		if c.Now != flow.Allow {
			now = "dropped"
		}
		a.record("change", map[string]any{"now": now, "region": c.Region.String(), "family": c.Region.Family,
			"src": c.Region.Src.String(), "dst": c.Region.Dst.String(), "services": c.Region.Services, "except": c.Region.Except,
			"old": checkFields(c.Old), "new": checkFields(c.New)})
	}
	a.record("diff", map[string]any{"old": a.o.args[0], "new": a.o.args[1], "relation": d.Relation.String(), "changes": len(d.Changes)})
	if !a.o.json {
		fmt.Fprintln(a.stdout, d)
	}
	if d.Relation == analysis.Equal {
		return exitOK
	}
	return exitFailed
}

func (a *analyzer) whyNot(m *analysis.Model, text string) int {
	p, err := flow.ParsePacket(text)
	if err != nil {
		fmt.Fprintf(a.stderr, "pfsim analyze why-not: %v\n", err)
		a.record("error", map[string]any{"error": err.Error()})
		return exitInvalid
	}
	w, err := m.WhyNot(p)
	if err != nil {
		fmt.Fprintf(a.stderr, "pfsim analyze why-not: %v\n", err)
		a.record("error", map[string]any{"error": err.Error()})
		return exitInvalid
	}
	a.record("before", checkFields(w.Before))
	edit := func(typ string, i int, e analysis.Edit) {
		a.record(typ, map[string]any{"step": i + 1, "kind": e.Kind.String(), "filter": e.Filter, "before": e.Before,
			"after": e.After, "text": e.Text, "also": e.Also, "flips": e.Flips, "check": checkFields(e.Check)})
	}
	for i, e := range w.Edits {
		edit("edit", i, e)
	}
	after := checkFields(w.After)
	after["flipped"], after["exempt"] = w.Flipped, w.Exempt
	a.record("after", after)
	for i, e := range w.Alternatives {
		edit("alternative", i, e)
	}
	if a.o.json {
		return exitOK
	}
	fmt.Fprintf(a.stdout, "now: %s\n", w.Before)
	if w.Exempt {
		fmt.Fprintln(a.stdout, "no filter sees this packet (NOT-10): no rule changes its fate")
		return exitOK
	}
	goal := "allow"
	if w.Before.Verdict == flow.Allow {
		goal = "drop"
	}
	fmt.Fprintf(a.stdout, "to %s it:\n", goal)
	for i, e := range w.Edits {
		fmt.Fprintf(a.stdout, "  %d. %s\n", i+1, e)
	}
	if w.Flipped {
		fmt.Fprintf(a.stdout, "then: %s\n", w.After)
	} else {
		fmt.Fprintf(a.stdout, "no edits found that flip it; with those above: %s\n", w.After)
	}
	if len(w.Alternatives) > 0 {
		fmt.Fprintf(a.stdout, "instead of edit 1:\n")
		for _, e := range w.Alternatives {
			fmt.Fprintf(a.stdout, "  - %s\n", e)
		}
	}
	return exitOK
}
