package pfsimtest

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// EditOp is what an [Edit] does to a rule.
type EditOp uint8

// The edits.
const (
	// AddRule adds a rule.
	AddRule EditOp = iota + 1
	// RemoveRule removes a rule.
	RemoveRule
	// ChangeRule changes one field of a rule (for a network ACL rule, its
	// number is a field too).
	ChangeRule
)

// String returns "add", "remove" or "change".
func (op EditOp) String() string {
	switch op {
	case AddRule:
		return "add"
	case RemoveRule:
		return "remove"
	case ChangeRule:
		return "change"
	}
	return "edit"
}

// Edit is one rule added to, removed from or changed in one network ACL or
// security group of a configuration, as [Edits] draws them: the edited
// copy of the configuration, what changed, and the change as
// [vpc.VPC.Apply] takes it, to make the same edit on a running VPC.
type Edit struct {
	// Op says what was done.
	Op EditOp
	// Kind is vpc.KindNetworkACL or vpc.KindSecurityGroup; ID is the
	// edited ACL's or group's id, and Direction the rule's direction.
	Kind      vpc.Kind
	ID        string
	Direction flow.Direction
	// Before is the rule removed or changed, and After the rule added or
	// the changed rule, as their packages print them ("100 allow tcp 443
	// 0.0.0.0/0", "tcp 443 from 0.0.0.0/0"); "" where there is none.
	Before, After string
	// Config is a copy of the configuration with the edit made; the
	// configuration given to Edits is left as it was.
	Config vpc.Config
	// Change holds the edited ACL or group alone: v.Apply(e.Change) makes
	// the edit on a running VPC v of the original configuration.
	Change vpc.Change
}

// String describes the edit: `network ACL acl-web ingress: add "90 deny
// tcp 443 0.0.0.0/0"`, `security group sg-web egress: change "tcp 443 to
// 0.0.0.0/0" into "tcp 443-444 to 0.0.0.0/0"`.
func (e Edit) String() string {
	s := e.Kind.String() + " " + e.ID + " " + e.Direction.String() + ": " + e.Op.String() + " "
	switch e.Op {
	case AddRule:
		return s + strconv.Quote(e.After)
	case RemoveRule:
		return s + strconv.Quote(e.Before)
	}
	return s + strconv.Quote(e.Before) + " into " + strconv.Quote(e.After)
}

// Edits draws single-rule edits of cfg, each valid ([vpc.New] accepts the
// edited configuration): a rule added to, removed from or changed in one
// of cfg's network ACLs (the default ACL too, when a subnet uses it) or
// security groups. The edits lean to where a change bites: an added ACL
// rule numbered just before or just after an existing one (its order
// decides), a changed action, a port range widened by one port, narrowed
// to one end or moved to touch the old one, a prefix widened to its
// parent or moved to its sibling, a rule renumbered past its neighbour,
// new rules drawn as [NACLRule] and [SGRule] draw them with [In](cfg).
// Heeds [Protocols], [OnlyIPv4] and [OnlyIPv6] for the rules it draws.
//
// If cfg has no rule set to edit (no security group, no network ACL, and
// no subnet using the default ACL), every draw fails the test, saying why.
func Edits(cfg vpc.Config, opts ...Option) *rapid.Generator[Edit] {
	o := newOptions(opts)
	o.cfg = &cfg
	p := newPool(o)
	type target struct {
		kind     vpc.Kind
		index    int // in cfg's list; -1 for the undeclared default ACL
		implicit bool
	}
	var targets []target
	for i := range cfg.NetworkACLs {
		targets = append(targets, target{kind: vpc.KindNetworkACL, index: i})
	}
	if usesUndeclaredDefault(&cfg) {
		targets = append(targets, target{kind: vpc.KindNetworkACL, index: -1, implicit: true})
	}
	for i := range cfg.SecurityGroups {
		targets = append(targets, target{kind: vpc.KindSecurityGroup, index: i})
	}
	if len(targets) == 0 {
		return refused[Edit](errors.New("pfsimtest.Edits: the configuration has no network ACL, no security group and no subnet on the default ACL: nothing to edit"))
	}
	return rapid.Custom(func(t *rapid.T) Edit {
		tg := rapid.SampledFrom(targets).Draw(t, "edit.target")
		out := cloneConfig(cfg)
		if tg.kind == vpc.KindSecurityGroup {
			g := cloneGroup(cfg.SecurityGroups[tg.index])
			e := editGroup(t, p, o, &g)
			out.SecurityGroups[tg.index] = g
			e.Config, e.Change = out, vpc.Change{SecurityGroups: []sg.Group{g}}
			return e
		}
		var a nacl.ACL
		if tg.implicit {
			a = nacl.Default(vpc.DefaultACL)
		} else {
			a = cloneACL(cfg.NetworkACLs[tg.index])
		}
		e := editACL(t, p, o, &a)
		if tg.implicit {
			out.NetworkACLs = append(out.NetworkACLs, a)
		} else {
			out.NetworkACLs[tg.index] = a
		}
		e.Config, e.Change = out, vpc.Change{NetworkACLs: []nacl.ACL{a}}
		return e
	})
}

// usesUndeclaredDefault reports whether a subnet of c uses the default ACL
// and c does not declare it.
func usesUndeclaredDefault(c *vpc.Config) bool {
	if slices.ContainsFunc(c.NetworkACLs, func(a nacl.ACL) bool { return a.ID == vpc.DefaultACL }) {
		return false
	}
	return slices.ContainsFunc(c.Subnets, func(s vpc.Subnet) bool { return s.ACL == "" || s.ACL == vpc.DefaultACL })
}

// drawEditOp draws an edit and the direction it applies to; remove and
// change need a rule there, so with none they become an add.
func drawEditOp(t *rapid.T, n [2]int) (EditOp, flow.Direction) {
	dir := flow.Ingress
	if rapid.Bool().Draw(t, "edit.egress") {
		dir = flow.Egress
	}
	op := []EditOp{AddRule, RemoveRule, ChangeRule}[pick(t, "edit.op", 4, 3, 3)]
	if op != AddRule && n[dir] == 0 {
		dir = dir.Reverse()
		if n[dir] == 0 {
			return AddRule, dir.Reverse()
		}
	}
	return op, dir
}

// editACL edits one rule of a in place.
func editACL(t *rapid.T, p *pool, o *options, a *nacl.ACL) Edit {
	op, dir := drawEditOp(t, [2]int{len(a.Ingress), len(a.Egress)})
	rules := &a.Ingress
	if dir == flow.Egress {
		rules = &a.Egress
	}
	e := Edit{Op: op, Kind: vpc.KindNetworkACL, ID: a.ID, Direction: dir}
	switch op {
	case AddRule:
		r := drawNACLRule(t, p, o, "edit.rule")
		r.Number = freeNumber(t, *rules, 0)
		*rules = append(*rules, r)
		e.After = r.String()
	case RemoveRule:
		i := rapid.IntRange(0, len(*rules)-1).Draw(t, "edit.index")
		e.Before = (*rules)[i].String()
		*rules = slices.Delete(*rules, i, i+1)
	case ChangeRule:
		i := rapid.IntRange(0, len(*rules)-1).Draw(t, "edit.index")
		before := (*rules)[i]
		after := changeNACLRule(t, p, o, *rules, i)
		(*rules)[i] = after
		e.Before, e.After = before.String(), after.String()
	}
	return e
}

// freeNumber draws a rule number rules do not use (but skip may, as the
// rule being renumbered does), leaning to the numbers just before and
// just after those in use, then to the ends.
func freeNumber(t *rapid.T, rules []nacl.Rule, skip int) int {
	used := map[int]bool{}
	var near []int
	for _, r := range rules {
		used[r.Number] = true
	}
	for _, r := range rules {
		for _, x := range []int{r.Number - 1, r.Number + 1} {
			if x >= 1 && x <= 32766 && !used[x] {
				near = append(near, x)
			}
		}
	}
	slices.Sort(near)
	near = slices.Compact(near)
	for range 16 {
		var x int
		if len(near) > 0 && pick(t, "edit.number.kind", 6, 4) == 0 {
			x = rapid.SampledFrom(near).Draw(t, "edit.number.near")
		} else {
			x = drawRuleNumber(t, "edit.number")
		}
		if !used[x] || x == skip {
			return x
		}
	}
	return firstFree(used)
}

// firstFree returns the lowest rule number used does not hold.
func firstFree(used map[int]bool) int {
	x := 1
	for used[x] {
		x++
	}
	return x
}

// changeNACLRule returns rules[i] with one field changed.
func changeNACLRule(t *rapid.T, p *pool, o *options, rules []nacl.Rule, i int) nacl.Rule {
	r := rules[i]
	switch pick(t, "edit.field", 3, 2, 2, 2, 1) {
	case 1:
		if r.HasPorts() {
			r.FromPort, r.ToPort = changePorts(t, r.FromPort, r.ToPort)
			return r
		}
	case 2:
		r.CIDR = changePrefix(t, p, r.CIDR)
		return r
	case 3:
		others := slices.Delete(slices.Clone(rules), i, i+1)
		r.Number = freeNumber(t, others, r.Number)
		if r.Number != rules[i].Number {
			return r
		}
	case 4:
		fresh := drawNACLRule(t, p, o, "edit.fresh")
		fresh.Number, fresh.Action = r.Number, r.Action
		if fresh != r {
			return fresh
		}
	}
	r.Action = nacl.Allow + nacl.Deny - r.Action
	return r
}

// changePorts widens, narrows or moves a port range by an edge.
func changePorts(t *rapid.T, from, to int) (int, int) {
	switch pick(t, "edit.ports", 3, 3, 2, 2) {
	case 0: // widen by one port
		if to < 65535 {
			return from, to + 1
		}
		if from > 0 {
			return from - 1, to
		}
	case 1: // narrow to one end
		if from != to {
			if rapid.Bool().Draw(t, "edit.ports.low") {
				return from, from
			}
			return to, to
		}
	case 2: // move to touch the old range
		if f, tt := touchingPorts(t, from, to, "edit.ports"); f != from || tt != to {
			return f, tt
		}
	}
	if from == 0 && to == 65535 {
		return 0, 65534
	}
	return 0, 65535
}

// changePrefix widens a prefix to its parent, moves it to its sibling, or
// draws another.
func changePrefix(t *rapid.T, p *pool, q netip.Prefix) netip.Prefix {
	if q.Masked().Bits() > 0 && pick(t, "edit.prefix", 7, 3) == 0 {
		if n := touchingPrefix(t, q, "edit.prefix"); n != q {
			return n
		}
	}
	for range 16 {
		n := drawPrefix(t, p, familyOf(q.Addr()), "edit.prefix.new")
		if n != q {
			return n
		}
	}
	if q.Bits() == 0 {
		return netip.PrefixFrom(q.Addr(), 1)
	}
	return netip.PrefixFrom(q.Addr(), q.Bits()-1).Masked()
}

// editGroup edits one rule of g in place.
func editGroup(t *rapid.T, p *pool, o *options, g *sg.Group) Edit {
	op, dir := drawEditOp(t, [2]int{len(g.Ingress), len(g.Egress)})
	rules := &g.Ingress
	if dir == flow.Egress {
		rules = &g.Egress
	}
	e := Edit{Op: op, Kind: vpc.KindSecurityGroup, ID: g.ID, Direction: dir}
	switch op {
	case AddRule:
		r := drawSGRule(t, p, o, []string{g.ID}, "edit.rule")
		*rules = append(*rules, r)
		e.After = r.Text(dir)
	case RemoveRule:
		i := rapid.IntRange(0, len(*rules)-1).Draw(t, "edit.index")
		e.Before = (*rules)[i].Text(dir)
		*rules = slices.Delete(*rules, i, i+1)
	case ChangeRule:
		i := rapid.IntRange(0, len(*rules)-1).Draw(t, "edit.index")
		before := (*rules)[i]
		after := changeSGRule(t, p, o, g.ID, before)
		(*rules)[i] = after
		e.Before, e.After = before.Text(dir), after.Text(dir)
	}
	return e
}

// changeSGRule returns r with its ports, its peer or its protocol changed.
func changeSGRule(t *rapid.T, p *pool, o *options, self string, r sg.Rule) sg.Rule {
	ported := r.Protocol == flow.ProtocolOf(flow.TCP) || r.Protocol == flow.ProtocolOf(flow.UDP)
	if ported && pick(t, "edit.field", 5, 5) == 0 {
		r.FromPort, r.ToPort = changePorts(t, r.FromPort, r.ToPort)
		return r
	}
	if r.CIDR.IsValid() && pick(t, "edit.peer", 5, 5) == 0 {
		r.CIDR = changePrefix(t, p, r.CIDR)
		return r
	}
	for range 16 {
		fresh := drawSGRule(t, p, o, []string{self}, "edit.fresh")
		if fresh != r {
			return fresh
		}
	}
	if r.Protocol != flow.AnyProtocol {
		r.Protocol, r.FromPort, r.ToPort = flow.AnyProtocol, 0, 0
	} else {
		r.Protocol, r.FromPort, r.ToPort = flow.ProtocolOf(flow.TCP), 0, 65535
	}
	return r
}

func cloneConfig(c vpc.Config) vpc.Config {
	c.PrefixLists = slices.Clone(c.PrefixLists)
	c.SecurityGroups = slices.Clone(c.SecurityGroups)
	c.NetworkACLs = slices.Clone(c.NetworkACLs)
	c.Subnets = slices.Clone(c.Subnets)
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

func cloneACL(a nacl.ACL) nacl.ACL {
	a.Ingress, a.Egress = slices.Clone(a.Ingress), slices.Clone(a.Egress)
	return a
}

func cloneGroup(g sg.Group) sg.Group {
	g.Ingress, g.Egress = slices.Clone(g.Ingress), slices.Clone(g.Egress)
	return g
}
