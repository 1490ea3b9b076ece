package nacl

import (
	"encoding/binary"

	"github.com/pfsim/pfsim/flow"
)

// The text of the `*` rules, as the decision reports them (NACL-15).
const (
	DefaultRuleTextV4 = "* deny all 0.0.0.0/0"
	DefaultRuleTextV6 = "* deny all ::/0"
)

// Evaluate decides on packet p crossing the ACL in direction dir and
// writes the decision into *d: the rules of that direction, of the
// packet's address family, in ascending number; the first that matches
// decides, allow or deny (NACL-14, NACL-17); when none matches, the `*`
// rule drops the packet (NACL-15, NACL-16). The peer address is the
// source for Ingress and the destination for Egress (NACL-9); its family
// picks the rules (NACL-8) and the `*` rule's number (DefaultRuleV4 or
// DefaultRuleV6). A packet whose peer address is not valid matches no
// rule and is dropped by the IPv4 `*` rule. [Compiled.Describe] turns the
// decision into names and rule text.
//
// The ACL is stateless: TCP flags, connection state, earlier packets and
// the time are not inputs (NACL-13, NACL-19). Evaluate runs once per
// packet per ACL crossed, so it must not allocate: it is a plain loop over
// integer compares for a short ACL, a few binary searches in the index
// Compile built for a long one, and one copy of a decision Compile built.
// A test enforces zero allocations.
func (c *Compiled) Evaluate(p *flow.Packet, dir flow.Direction, d *flow.Decision) {
	t := &c.tables[dirIndex(dir)]
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	key := packetKey(p)
	switch {
	case peer.Is4():
		a := peer.As4()
		addr := binary.BigEndian.Uint32(a[:])
		var i int
		if t.x4 != nil {
			i = lookup4(t.x4, t.v4, addr, uint8(p.Proto), key)
		} else {
			i = match4(t.v4, addr, uint16(p.Proto), key)
		}
		if i >= 0 {
			*d = t.v4d[i]
		} else {
			*d = t.def4
		}
	case peer.Is6():
		a := peer.As16()
		hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
		var i int
		if t.x6 != nil {
			i = lookup6(t.x6, t.v6, hi, lo, uint8(p.Proto), key)
		} else {
			i = match6(t.v6, hi, lo, uint16(p.Proto), key)
		}
		if i >= 0 {
			*d = t.v6d[i]
		} else {
			*d = t.def6
		}
	default:
		*d = t.def4
	}
	if dir > flow.Egress {
		// The Ingress table served a value that is not a direction; the
		// decision reports dir as given. (Only then: a byte written over
		// the copy just made would stall the caller's read of the whole.)
		d.Direction = dir
	}
}

// Describe fills in what the words of d need from the ACL: its id and,
// when a rule decided, the rule's text ("100 allow tcp 80 0.0.0.0/0"), or
// the `*` rule's. d must be a decision of this ACL.
func (c *Compiled) Describe(d *flow.Decision, x *flow.Detail) {
	x.ACL = c.id
	rules := c.rules[dirIndex(d.Direction)]
	switch {
	case d.Reason == flow.ReasonRule && d.Rule >= 0 && int(d.Rule) < len(rules):
		x.RuleText = rules[d.Rule].String()
	case d.RuleNumber == flow.DefaultRuleV6:
		x.RuleText = DefaultRuleTextV6
	case d.RuleNumber == flow.DefaultRuleV4:
		x.RuleText = DefaultRuleTextV4
	}
}

// Explain renders d, a decision of this ACL about p, as a sentence (see
// [flow.Decision.Explain]).
func (c *Compiled) Explain(d *flow.Decision, p *flow.Packet) string {
	x := flow.Detail{Packet: *p}
	c.Describe(d, &x)
	return d.Explain(&x)
}

// packetKey is the value a rule's lo..hi interval is tested against: the
// destination port for TCP and UDP (NACL-6), type<<8|code for ICMP and
// ICMPv6 (NACL-7), and 0 for other protocols, whose rules accept every
// key.
func packetKey(p *flow.Packet) uint16 {
	switch p.Proto {
	case flow.TCP, flow.UDP:
		return p.DstPort
	case flow.ICMP, flow.ICMPv6:
		return uint16(p.ICMPType)<<8 | uint16(p.ICMPCode)
	}
	return 0
}

// match4 returns the index of the first rule matching, or -1.
func match4(rs []rule4, addr uint32, proto, key uint16) int {
	for i := range rs {
		r := &rs[i]
		if addr&r.mask == r.addr && (r.proto == anyProto || r.proto == proto) && key >= r.lo && key <= r.hi {
			return i
		}
	}
	return -1
}

// match6 returns the index of the first rule matching, or -1.
func match6(rs []rule6, hi, lo uint64, proto, key uint16) int {
	for i := range rs {
		r := &rs[i]
		if hi&r.maskHi == r.addrHi && lo&r.maskLo == r.addrLo &&
			(r.proto == anyProto || r.proto == proto) && key >= r.lo && key <= r.hi {
			return i
		}
	}
	return -1
}

// ruleDecision is the decision of rule r, the i-th of direction dir in
// evaluation order.
func ruleDecision(dir flow.Direction, r *Rule, i int) flow.Decision {
	return flow.Decision{
		Verdict:    verdictOf(r.Action),
		Stage:      flow.StageNACL,
		Direction:  dir,
		Reason:     flow.ReasonRule,
		RuleNumber: uint16(r.Number),
		Rule:       int32(i),
	}
}

// defaultDecision is the `*` rule's drop for a packet of the given family.
func defaultDecision(dir flow.Direction, v6 bool) flow.Decision {
	d := flow.Decision{
		Verdict:    flow.Drop,
		Stage:      flow.StageNACL,
		Direction:  dir,
		Reason:     flow.ReasonDefaultDeny,
		RuleNumber: flow.DefaultRuleV4,
	}
	if v6 {
		d.RuleNumber = flow.DefaultRuleV6
	}
	return d
}
