package nacl

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// The text of the `*` rules, as the decision reports them (NACL-15).
const (
	DefaultRuleTextV4 = "* deny all 0.0.0.0/0"
	DefaultRuleTextV6 = "* deny all ::/0"
)

// Evaluate decides on packet p crossing the ACL in direction dir: the
// rules of that direction, of the packet's address family, in ascending
// number; the first that matches decides, allow or deny (NACL-14,
// NACL-17); when none matches, the `*` rule drops the packet (NACL-15,
// NACL-16). The peer address is the source for Ingress and the
// destination for Egress (NACL-9); its family picks the rules (NACL-8)
// and the `*` rule's number (DefaultRuleV4 or DefaultRuleV6). A packet
// whose peer address is not valid matches no rule and is dropped by the
// IPv4 `*` rule.
//
// The ACL is stateless: TCP flags, connection state and earlier packets
// are not inputs (NACL-13, NACL-19), and now is not used. Evaluate must
// not allocate, because it runs once per packet per stage: it is a plain
// loop over integer compares for a short ACL, a few binary searches in the
// index Compile built for a long one (its cost hardly grows with the
// rules), and the decisions, rule texts included, were built by
// [Compile]. A test enforces zero allocations.
func (c *Compiled) Evaluate(p *flow.Packet, dir flow.Direction, _ time.Time) flow.Decision {
	t := &c.tables[dirIndex(dir)]
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	key := packetKey(p)
	var m *meta
	v6 := false
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
			m = &t.v4m[i]
		}
	case peer.Is6():
		v6 = true
		a := peer.As16()
		hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
		var i int
		if t.x6 != nil {
			i = lookup6(t.x6, t.v6, hi, lo, uint8(p.Proto), key)
		} else {
			i = match6(t.v6, hi, lo, uint16(p.Proto), key)
		}
		if i >= 0 {
			m = &t.v6m[i]
		}
	}
	if dir > flow.Egress {
		// Not a direction: the decision reports dir as given, so it is
		// built here rather than copied from the Ingress table's.
		if m != nil {
			return c.ruleDecision(dir, m)
		}
		return defaultDecision(c.id, dir, v6)
	}
	switch {
	case m != nil:
		return m.dec
	case v6:
		return t.def6
	}
	return t.def4
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

func (c *Compiled) ruleDecision(dir flow.Direction, m *meta) flow.Decision {
	return flow.Decision{
		Verdict:    m.verdict,
		Stage:      flow.StageNACL,
		Direction:  dir,
		Reason:     flow.ReasonRule,
		ACL:        c.id,
		RuleNumber: m.number,
		RuleText:   m.text,
		GroupRule:  -1,
	}
}

// defaultDecision is the `*` rule's drop for a packet of the given family.
func defaultDecision(id string, dir flow.Direction, v6 bool) flow.Decision {
	d := flow.Decision{
		Verdict:    flow.Drop,
		Stage:      flow.StageNACL,
		Direction:  dir,
		Reason:     flow.ReasonDefaultDeny,
		ACL:        id,
		RuleNumber: flow.DefaultRuleV4,
		RuleText:   DefaultRuleTextV4,
		GroupRule:  -1,
	}
	if v6 {
		d.RuleNumber, d.RuleText = flow.DefaultRuleV6, DefaultRuleTextV6
	}
	return d
}

// Evaluate is the golden model of [Compiled.Evaluate]: the AWS rules
// written out as plainly as possible, with no lowering and no index. It
// sorts a copy of dir's rules by number and returns the decision of the
// first that matches (NACL-14), or of the `*` rule. It is slow and
// allocates; property tests hold the compiled form to it, and it also
// serves to evaluate an ACL once without compiling it.
//
// It does not validate a. For a valid ACL it decides as Compile(*a) would;
// for an invalid one it still returns (rules with an invalid CIDR match
// nothing) and never panics. The zone of an IPv6 peer address, if any, is
// ignored: packets on the wire carry none.
func Evaluate(a *ACL, p *flow.Packet, dir flow.Direction) flow.Decision {
	rules := slices.Clone(a.rules(dir))
	slices.SortStableFunc(rules, func(x, y Rule) int { return cmp.Compare(x.Number, y.Number) })
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	peer = peer.WithZone("")
	for _, r := range rules {
		if matches(&r, p, peer) {
			r.CIDR = r.CIDR.Masked() // AWS stores the canonical CIDR (NACL-5)
			d := defaultDecision(a.ID, dir, false)
			d.Verdict, d.Reason = verdictOf(r.Action), flow.ReasonRule
			d.RuleNumber, d.RuleText = r.Number, r.String()
			return d
		}
	}
	return defaultDecision(a.ID, dir, peer.Is6())
}

// matches is NACL-8..12 for one rule, literally.
func matches(r *Rule, p *flow.Packet, peer netip.Addr) bool {
	// NACL-8, NACL-9: the peer lies in the CIDR. Contains is false when
	// the families differ.
	if !r.CIDR.Contains(peer) {
		return false
	}
	// NACL-10: -1 matches every protocol.
	if r.Protocol != flow.AnyProtocol && r.Protocol != flow.Protocol(p.Proto) {
		return false
	}
	// NACL-11, NACL-12: ports and ICMP fields only where they count.
	switch {
	case r.HasPorts():
		return r.FromPort <= int(p.DstPort) && int(p.DstPort) <= r.ToPort
	case r.HasICMP():
		return (r.ICMPType == -1 || r.ICMPType == int(p.ICMPType)) &&
			(r.ICMPCode == -1 || r.ICMPCode == int(p.ICMPCode))
	}
	return true
}
