package sg

import (
	"net/netip"

	"github.com/pfsim/pfsim/flow"
)

// Reference is the golden model of [Set.Match]: the spec's words as
// nested loops over groups and rules, resolving every reference through r
// on each call. It is slow and obviously correct; property tests hold the
// compiled [Set] to it. groups should be valid (see [Group.Validate]); a
// reference r cannot resolve, or a nil r, matches nothing.
func Reference(groups []Group, r Resolver, p *flow.Packet, dir flow.Direction) (m Match, ok bool) {
	if p == nil || dir > flow.Egress {
		return Match{}, false
	}
	// The peer is the source of an inbound packet and the destination of
	// an outbound one (SG-11). Zones do not exist on the wire.
	a := p.Src
	if dir == flow.Egress {
		a = p.Dst
	}
	a = a.WithZone("")
	for gi := range groups {
		g := &groups[gi]
		for ri, rule := range g.Rules(dir) {
			if !refProtoPorts(&rule, p) || !refPeer(&rule, r, a) {
				continue
			}
			if !ok { // SG-17: report the first in declaration order
				m = Match{Group: g.ID, Rule: ri, Text: g.ID + " " + dir.String() + " " + rule.Text(dir)}
				ok = true
			}
			// U2: a CIDR of length 0 that contains the address is 0.0.0.0/0
			// for an IPv4 packet and ::/0 for an IPv6 one.
			if rule.CIDR.IsValid() && rule.CIDR.Bits() == 0 {
				m.Open = true
			}
		}
	}
	return m, ok
}

// refProtoPorts is SG-8..SG-10 for one rule.
func refProtoPorts(r *Rule, p *flow.Packet) bool {
	if r.Protocol == flow.AnyProtocol {
		return true // every protocol and every port
	}
	if r.Protocol != flow.Protocol(p.Proto) {
		return false
	}
	switch p.Proto {
	case flow.TCP, flow.UDP:
		return r.FromPort <= int(p.DstPort) && int(p.DstPort) <= r.ToPort
	case flow.ICMP, flow.ICMPv6:
		return (r.FromPort == -1 || r.FromPort == int(p.ICMPType)) &&
			(r.ToPort == -1 || r.ToPort == int(p.ICMPCode))
	}
	return true // other protocols ignore ports
}

// refPeer is SG-11 for one rule: CIDR containment (which also keeps the
// families apart), prefix list entries, group members.
func refPeer(r *Rule, res Resolver, a netip.Addr) bool {
	switch {
	case r.CIDR.IsValid():
		return r.CIDR.Contains(a)
	case r.PrefixList != "":
		if res == nil {
			return false
		}
		entries, _ := res.PrefixList(r.PrefixList)
		for _, e := range entries {
			if e.Contains(a) {
				return true
			}
		}
	case r.Group != "":
		if res == nil {
			return false
		}
		addrs, _ := res.GroupAddrs(r.Group)
		for _, m := range addrs {
			if m.WithZone("") == a {
				return true
			}
		}
	}
	return false
}
