package nacl

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/pfsim/pfsim/flow"
)

// Reference is the golden model of [Compiled.Evaluate]: the AWS rules
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
func Reference(a *ACL, p *flow.Packet, dir flow.Direction) flow.Decision {
	rules := slices.Clone(a.rules(dir))
	slices.SortStableFunc(rules, func(x, y Rule) int { return cmp.Compare(x.Number, y.Number) })
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	peer = peer.WithZone("")
	for i := range rules {
		if matches(&rules[i], p, peer) {
			return ruleDecision(dir, &rules[i], i)
		}
	}
	return defaultDecision(dir, peer.Is6())
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
