package pfsimtest

import (
	"net/netip"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// NACLRule draws a valid network ACL rule: any number 1..32766 (leaning to
// 1, 100, 101 and 32766), allow or deny, a protocol (-1, tcp, udp, icmp,
// icmpv6 or another number), a prefix as [Prefix] draws them (/0, /32,
// /128, host bits set, ...), a port range leaning to single edge ports,
// all ports, the ephemeral ranges (1024-65535, 32768-65535, 32768-60999,
// 49152-65535) and 0-1023, and ICMP types and codes with -1 (any) among
// them. Fields the protocol ignores are zero (NACL-11), so that the rule
// reads back from its text. Heeds [In], [Protocols], [OnlyIPv4] and
// [OnlyIPv6].
func NACLRule(opts ...Option) *rapid.Generator[nacl.Rule] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) nacl.Rule {
		r := drawNACLRule(t, p, o, "rule")
		r.Number = drawRuleNumber(t, "rule.number")
		return r
	})
}

// SGRule draws a valid security group rule: a protocol (-1, tcp, udp,
// icmp, icmpv6 or another number), ports or ICMP type and code as
// [NACLRule] draws them, and a peer: a prefix as [Prefix] draws them, or,
// with [In], now and then one of the configuration's prefix lists or
// security groups. An icmp rule with an IPv6 peer (or icmpv6 with IPv4),
// which AWS accepts and which never matches, comes up now and then. Heeds
// [In], [Protocols], [OnlyIPv4] and [OnlyIPv6].
func SGRule(opts ...Option) *rapid.Generator[sg.Rule] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) sg.Rule { return drawSGRule(t, p, o, nil, "rule") })
}

// ACL draws a valid network ACL with up to six rules in each direction,
// leaning to the orders where first-match goes wrong: numbers that follow
// each other (100, 101, 102) or sit at the ends (1, 32766), rules listed
// out of number order, the same numbers in both directions, a rule
// followed by one that matches the same traffic with the opposite action
// (only the lower number counts, NACL-14, NACL-17), and port ranges or
// prefixes that touch the previous rule's (1024-65535 after 0-1023,
// 10.0.0.128/25 after 10.0.0.0/25). Its id is "acl-" and four hex digits.
// Heeds [In], [Protocols], [OnlyIPv4] and [OnlyIPv6].
func ACL(opts ...Option) *rapid.Generator[nacl.ACL] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) nacl.ACL {
		id := rapid.StringMatching(`acl-[0-9a-f]{4}`).Draw(t, "id")
		return drawACL(t, p, o, id)
	})
}

// Group draws a valid security group with up to five rules in each
// direction, leaning to the shapes that matter: AWS's default egress rule
// (-1 to 0.0.0.0/0), which with an open inbound rule leaves flows
// untracked (CT-3); several rules that admit the same packet (the
// explanation names the first, SG-17); rules whose port ranges or
// prefixes touch. Its id is "sg-" and four hex digits. Its rules may name
// the group itself (a self reference, SG-21: compile it with a resolver
// that knows the group) and, with [In], the configuration's groups and
// prefix lists. Heeds [In], [Protocols], [OnlyIPv4] and [OnlyIPv6].
func Group(opts ...Option) *rapid.Generator[sg.Group] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) sg.Group {
		id := rapid.StringMatching(`sg-[0-9a-f]{4}`).Draw(t, "id")
		return drawGroup(t, p, o, id, nil)
	})
}

// PrefixList draws a managed prefix list of one to four entries of one
// family, as [Prefix] draws them. Its id is "pl-" and four hex digits.
// Heeds [In], [OnlyIPv4] and [OnlyIPv6].
func PrefixList(opts ...Option) *rapid.Generator[vpc.PrefixList] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) vpc.PrefixList {
		id := rapid.StringMatching(`pl-[0-9a-f]{4}`).Draw(t, "id")
		return drawPrefixList(t, p, o, id)
	})
}

func drawPrefixList(t *rapid.T, p *pool, o *options, id string) vpc.PrefixList {
	fam := drawFamily(t, o)
	pl := vpc.PrefixList{ID: id}
	for i := range rapid.IntRange(1, 4).Draw(t, "entries") {
		pl.Entries = append(pl.Entries, drawPrefix(t, p, fam, "entry"+strconv.Itoa(i)))
	}
	return pl
}

// ruleProtos are the protocols rules name besides tcp, udp and ICMP: GRE,
// ESP, SCTP, and the ends of the number space.
var ruleProtos = []flow.Proto{47, 50, 132, 0, 255}

// drawProtocol draws a rule's protocol for a peer of family fam.
func drawProtocol(t *rapid.T, o *options, fam int, label string) flow.Protocol {
	if len(o.protos) > 0 {
		if pick(t, label+".any", 8, 2) == 1 {
			return flow.AnyProtocol
		}
		return flow.ProtocolOf(rapid.SampledFrom(o.protos).Draw(t, label))
	}
	switch pick(t, label, 35, 20, 15, 15, 15) {
	case 0:
		return flow.ProtocolOf(flow.TCP)
	case 1:
		return flow.AnyProtocol
	case 2:
		return flow.ProtocolOf(flow.UDP)
	case 3:
		// Mostly the ICMP of the peer's family; now and then the other,
		// which can never match (a rule AWS accepts all the same).
		same := pick(t, label+".icmpfam", 9, 1) == 0
		if (fam == 6) == same {
			return flow.ProtocolOf(flow.ICMPv6)
		}
		return flow.ProtocolOf(flow.ICMP)
	}
	return flow.ProtocolOf(rapid.SampledFrom(ruleProtos).Draw(t, label+".other"))
}

// drawPortRange draws an inclusive port range.
func drawPortRange(t *rapid.T, p *pool, label string) (from, to int) {
	switch pick(t, label+".kind", 30, 15, 20, 20, 15) {
	case 0:
		x := int(rapid.SampledFrom(p.ports).Draw(t, label+".single"))
		return x, x
	case 1:
		return 0, 65535
	case 2:
		r := rapid.SampledFrom([][2]int{{1024, 65535}, {32768, 65535}, {32768, 60999}, {49152, 65535}, {0, 1023}}).Draw(t, label+".classic")
		return r[0], r[1]
	case 3:
		a := int(rapid.SampledFrom(p.ports).Draw(t, label+".a"))
		b := int(rapid.SampledFrom(p.ports).Draw(t, label+".b"))
		return min(a, b), max(a, b)
	}
	a := rapid.IntRange(0, 65535).Draw(t, label+".lo")
	return a, rapid.IntRange(a, 65535).Draw(t, label+".hi")
}

// icmpTypes are the types ICMP rules lean to: echo reply and request,
// destination unreachable, redirect, time exceeded, timestamp; ICMPv6
// destination unreachable, packet too big, echo request and reply,
// neighbour solicitation and advertisement.
var icmpTypes = []int{8, 0, 3, 5, 11, 13, 14, 128, 129, 1, 2, 135, 136}

// drawICMP draws an ICMP type and code as a rule holds them; -1 is any.
func drawICMP(t *rapid.T, label string) (typ, code int) {
	if pick(t, label+".all", 3, 7) == 0 {
		return -1, -1
	}
	if pick(t, label+".tkind", 8, 2) == 0 {
		typ = rapid.SampledFrom(icmpTypes).Draw(t, label+".type")
	} else {
		typ = rapid.IntRange(0, 255).Draw(t, label+".rtype")
	}
	switch pick(t, label+".ckind", 5, 4, 1) {
	case 0:
		code = -1
	case 1:
		code = rapid.SampledFrom([]int{0, 1, 3, 4}).Draw(t, label+".code")
	default:
		code = rapid.IntRange(0, 255).Draw(t, label+".rcode")
	}
	return typ, code
}

// drawRuleNumber draws a network ACL rule number, leaning to the ends.
func drawRuleNumber(t *rapid.T, label string) int {
	if pick(t, label+".kind", 6, 4) == 0 {
		return rapid.SampledFrom([]int{100, 1, 101, 32766, 32765, 200}).Draw(t, label+".edge")
	}
	return rapid.IntRange(1, 32766).Draw(t, label+".random")
}

// drawNACLRule draws a rule without its number.
func drawNACLRule(t *rapid.T, p *pool, o *options, label string) nacl.Rule {
	fam := drawFamily(t, o)
	r := nacl.Rule{CIDR: drawPrefix(t, p, fam, label+".cidr"), Action: nacl.Allow}
	if pick(t, label+".action", 6, 4) == 1 {
		r.Action = nacl.Deny
	}
	r.Protocol = drawProtocol(t, o, fam, label+".proto")
	switch {
	case r.HasPorts():
		r.FromPort, r.ToPort = drawPortRange(t, p, label+".ports")
	case r.HasICMP():
		r.ICMPType, r.ICMPCode = drawICMP(t, label+".icmp")
	}
	return r
}

// drawACL draws an ACL with the given id.
func drawACL(t *rapid.T, p *pool, o *options, id string) nacl.ACL {
	a := nacl.ACL{ID: id}
	var shared []int // numbers the ingress list used, for egress to reuse
	a.Ingress, shared = drawNACLRules(t, p, o, nil, "ingress")
	a.Egress, _ = drawNACLRules(t, p, o, shared, "egress")
	return a
}

// drawNACLRules draws one direction's rules, numbered and listed as
// [ACL] says. reuse holds numbers the other direction used, which this
// one may take again.
func drawNACLRules(t *rapid.T, p *pool, o *options, reuse []int, label string) ([]nacl.Rule, []int) {
	n := rapid.IntRange(0, 6).Draw(t, label+".n")
	if n == 0 {
		return nil, nil
	}
	nums := drawNumbers(t, n, reuse, label+".numbers")
	rules := make([]nacl.Rule, n)
	for i := range rules {
		l := label + "." + strconv.Itoa(i)
		if i > 0 && pick(t, l+".related", 6, 4) == 1 {
			rules[i] = relatedNACLRule(t, p, o, rules[i-1], l)
		} else {
			rules[i] = drawNACLRule(t, p, o, l)
		}
		rules[i].Number = nums[i]
	}
	if rapid.Bool().Draw(t, label+".shuffle") {
		rules = rapid.Permutation(rules).Draw(t, label+".order")
	}
	return rules, nums
}

// drawNumbers draws n distinct rule numbers in ascending order.
func drawNumbers(t *rapid.T, n int, reuse []int, label string) []int {
	nums := make([]int, 0, n)
	switch pick(t, label+".style", 3, 3, 2, 1, 1) {
	case 0: // consecutive: 100, 101, 102, or at an end of the range
		base := rapid.SampledFrom([]int{100, 1, 32766 - n + 1}).Draw(t, label+".base")
		for i := range n {
			nums = append(nums, base+i)
		}
	case 1: // AWS's habit: steps of 10 or 100
		step := rapid.SampledFrom([]int{10, 100}).Draw(t, label+".step")
		for i := range n {
			nums = append(nums, step*(i+1))
		}
	case 2: // the other direction's numbers, as far as they go
		nums = append(nums, reuse[:min(n, len(reuse))]...)
	case 3: // 1 and 32766 with numbers between
		nums = append(nums, 1)
		if n > 1 {
			nums = append(nums, 32766)
		}
	}
	seen := map[int]bool{}
	for _, x := range nums {
		seen[x] = true
	}
	for try := 0; len(nums) < n; try++ {
		x := drawRuleNumber(t, label+".more")
		if try > 16 {
			x = firstFree(seen)
		}
		if !seen[x] {
			seen[x] = true
			nums = append(nums, x)
		}
	}
	slices.Sort(nums)
	return nums
}

// relatedNACLRule draws a rule that meets prev's traffic at an edge: the
// same match with the other action, a port range or prefix that touches
// prev's, or prev's prefix widened by one bit.
func relatedNACLRule(t *rapid.T, p *pool, o *options, prev nacl.Rule, label string) nacl.Rule {
	r := prev
	switch pick(t, label+".how", 4, 3, 3) {
	case 0:
		r.Action = nacl.Allow + nacl.Deny - prev.Action
	case 1:
		if !r.HasPorts() {
			return drawNACLRule(t, p, o, label)
		}
		r.FromPort, r.ToPort = touchingPorts(t, prev.FromPort, prev.ToPort, label)
	default:
		r.CIDR = touchingPrefix(t, prev.CIDR, label)
	}
	if rapid.Bool().Draw(t, label+".flip") {
		r.Action = nacl.Allow + nacl.Deny - r.Action
	}
	return r
}

// touchingPorts returns a range that starts just after from..to, or ends
// just before it; the whole range when there is no room.
func touchingPorts(t *rapid.T, from, to int, label string) (int, int) {
	after := to < 65535 && (from == 0 || rapid.Bool().Draw(t, label+".after"))
	switch {
	case after:
		return to + 1, rapid.SampledFrom([]int{65535, to + 1, min(65535, to+1024)}).Draw(t, label+".end")
	case from > 0:
		return rapid.SampledFrom([]int{0, from - 1, max(0, from-1024)}).Draw(t, label+".start"), from - 1
	}
	return 0, 65535
}

// touchingPrefix returns q's sibling (the other half of its parent) or
// its parent; /0 has neither and is returned as it is.
func touchingPrefix(t *rapid.T, q netip.Prefix, label string) netip.Prefix {
	q = q.Masked()
	if q.Bits() == 0 {
		return q
	}
	parent := netip.PrefixFrom(q.Addr(), q.Bits()-1).Masked()
	if rapid.Bool().Draw(t, label+".parent") {
		return parent
	}
	if parent.Addr() == q.Addr() {
		return netip.PrefixFrom(lastAddr(q).Next(), q.Bits())
	}
	return netip.PrefixFrom(parent.Addr(), q.Bits())
}

// defaultEgress are AWS's default outbound rules of a new group (SG-18b).
var defaultEgress = []sg.Rule{
	{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
	{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("::/0")},
}

// drawSGRule draws a security group rule. self, when set, is the id of the
// group it belongs to, which it may name.
func drawSGRule(t *rapid.T, p *pool, o *options, self []string, label string) sg.Rule {
	var r sg.Rule
	fam := drawFamily(t, o)
	groups := append(slices.Clone(p.groups), self...)
	switch k := pick(t, label+".peer", 75, 15, 10); {
	case k == 1 && len(groups) > 0:
		r.Group = rapid.SampledFrom(groups).Draw(t, label+".group")
	case k == 2 && len(p.lists) > 0:
		r.PrefixList = rapid.SampledFrom(p.lists).Draw(t, label+".list")
	default:
		r.CIDR = drawPrefix(t, p, fam, label+".cidr")
	}
	r.Protocol = drawProtocol(t, o, fam, label+".proto")
	switch r.Protocol {
	case flow.ProtocolOf(flow.TCP), flow.ProtocolOf(flow.UDP):
		r.FromPort, r.ToPort = drawPortRange(t, p, label+".ports")
	case flow.ProtocolOf(flow.ICMP), flow.ProtocolOf(flow.ICMPv6):
		r.FromPort, r.ToPort = drawICMP(t, label+".icmp")
	}
	return r
}

// drawGroup draws a group with the given id; its rules may name the
// pool's groups, the group itself and the ids in more.
func drawGroup(t *rapid.T, p *pool, o *options, id string, more []string) sg.Group {
	g := sg.Group{ID: id}
	self := append([]string{id}, more...)
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		var rules []sg.Rule
		if dir == flow.Egress && pick(t, "egress.default", 7, 3) == 1 {
			for _, r := range defaultEgress {
				if o.wants(familyOf(r.CIDR.Addr())) {
					rules = append(rules, r)
				}
			}
		}
		n := rapid.IntRange(0, 5).Draw(t, dir.String()+".n")
		for i := range n {
			l := dir.String() + "." + strconv.Itoa(i)
			if i > 0 && pick(t, l+".related", 7, 3) == 1 {
				rules = append(rules, relatedSGRule(t, p, o, self, rules[len(rules)-1], l))
				continue
			}
			rules = append(rules, drawSGRule(t, p, o, self, l))
		}
		if dir == flow.Egress {
			g.Egress = rules
		} else {
			g.Ingress = rules
		}
	}
	return g
}

// relatedSGRule draws a rule that meets prev's traffic: a copy with another
// peer (two rules admit the same packet), a touching port range, or a
// touching prefix.
func relatedSGRule(t *rapid.T, p *pool, o *options, self []string, prev sg.Rule, label string) sg.Rule {
	r := prev
	ported := prev.Protocol == flow.ProtocolOf(flow.TCP) || prev.Protocol == flow.ProtocolOf(flow.UDP)
	switch k := pick(t, label+".how", 4, 3, 3); {
	case k == 1 && ported:
		r.FromPort, r.ToPort = touchingPorts(t, prev.FromPort, prev.ToPort, label)
	case k == 2 && prev.CIDR.IsValid():
		r.CIDR = touchingPrefix(t, prev.CIDR, label)
	default:
		peer := drawSGRule(t, p, o, self, label)
		r.CIDR, r.PrefixList, r.Group = peer.CIDR, peer.PrefixList, peer.Group
	}
	return r
}
