package sg_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// Generators for random rule sets and packets. Addresses are drawn near
// the prefixes the rules name, so that matches and near misses at prefix
// edges are common.

var (
	v4Bases = []netip.Addr{addr("0.0.0.0"), addr("10.0.0.0"), addr("10.0.1.0"), addr("10.0.1.10"),
		addr("192.0.2.0"), addr("198.51.100.128"), addr("255.255.255.255")}
	v6Bases = []netip.Addr{addr("::"), addr("2001:db8::"), addr("2001:db8:0:1::"), addr("2001:db8::10"),
		addr("2001:db8:0:1:8000::"), addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}
	ruleProtos = []flow.Protocol{pAll, pTCP, pUDP, pICMP, pICMPv6, pGRE, 200}
	pktProtos  = []flow.Proto{flow.TCP, flow.UDP, flow.ICMP, flow.ICMPv6, 47, 50, 200}
	groupIDs   = []string{"sg-0", "sg-1", "sg-2", "sg-3", "sg-4"} // sg-4 is known but never attached
	listIDs    = []string{"pl-0", "pl-1"}
)

func genPrefix(t *rapid.T, label string) netip.Prefix {
	if rapid.Bool().Draw(t, label+"-v6") {
		base := rapid.SampledFrom(v6Bases).Draw(t, label+"-base")
		bits := rapid.OneOf(rapid.SampledFrom([]int{0, 0, 32, 48, 64, 65, 96, 127, 128}), rapid.IntRange(0, 128)).Draw(t, label+"-bits")
		return netip.PrefixFrom(base, bits) // host bits may be set: they must be ignored
	}
	base := rapid.SampledFrom(v4Bases).Draw(t, label+"-base")
	bits := rapid.OneOf(rapid.SampledFrom([]int{0, 0, 8, 16, 24, 31, 32}), rapid.IntRange(0, 32)).Draw(t, label+"-bits")
	return netip.PrefixFrom(base, bits)
}

// inside returns an address of p: p's network with random host bits, or
// one of its two edges.
func inside(t *rapid.T, p netip.Prefix, label string) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	host := len(b)*8 - p.Bits()
	switch rapid.IntRange(0, 2).Draw(t, label+"-where") {
	case 0: // the first address
	case 1: // the last address
		for i := len(b)*8 - host; i < len(b)*8; i++ {
			b[i/8] |= 0x80 >> (i % 8)
		}
	default:
		for i := len(b)*8 - host; i < len(b)*8; i++ {
			if rapid.Bool().Draw(t, label+"-bit") {
				b[i/8] |= 0x80 >> (i % 8)
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func genPort(t *rapid.T, label string) int {
	return rapid.OneOf(rapid.SampledFrom([]int{0, 1, 22, 80, 443, 1023, 1024, 65534, 65535}), rapid.IntRange(0, 65535)).Draw(t, label)
}

func genRule(t *rapid.T) sg.Rule {
	r := sg.Rule{Protocol: rapid.SampledFrom(ruleProtos).Draw(t, "protocol")}
	switch r.Protocol {
	case pTCP, pUDP:
		a, b := genPort(t, "from"), genPort(t, "to")
		r.FromPort, r.ToPort = min(a, b), max(a, b)
	case pICMP, pICMPv6:
		r.FromPort = rapid.OneOf(rapid.SampledFrom([]int{-1, -1, 0, 3, 8, 128, 129}), rapid.IntRange(0, 255)).Draw(t, "type")
		r.ToPort = rapid.SampledFrom([]int{-1, -1, 0, 1, 4}).Draw(t, "code")
		if r.FromPort == -1 {
			r.ToPort = -1
		}
	default: // ignored, whatever they are
		r.FromPort = rapid.IntRange(-1, 70000).Draw(t, "from-ignored")
		r.ToPort = rapid.IntRange(-1, 70000).Draw(t, "to-ignored")
	}
	switch rapid.SampledFrom([]int{0, 0, 0, 0, 1, 2}).Draw(t, "peer-kind") {
	case 0:
		r.CIDR = genPrefix(t, "cidr")
	case 1:
		r.PrefixList = rapid.SampledFrom(listIDs).Draw(t, "list")
	default:
		r.Group = rapid.SampledFrom(groupIDs).Draw(t, "ref")
	}
	return r
}

// world is a random interface: its groups and what the resolver knows.
type world struct {
	groups []sg.Group
	res    sg.StaticResolver
	pool   []netip.Prefix // prefixes to draw packet addresses from
}

func genWorld(t *rapid.T) world {
	var w world
	w.res = sg.StaticResolver{Groups: map[string][]netip.Addr{}, PrefixLists: map[string][]netip.Prefix{}}
	for _, id := range listIDs {
		es := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) netip.Prefix { return genPrefix(t, "entry") }), 0, 3).Draw(t, id)
		w.res.PrefixLists[id] = es
		w.pool = append(w.pool, es...)
	}
	for _, id := range groupIDs {
		as := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) netip.Addr {
			return inside(t, genPrefix(t, "member-net"), "member")
		}), 0, 4).Draw(t, id)
		w.res.Groups[id] = as
		for _, a := range as {
			w.pool = append(w.pool, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	n := rapid.IntRange(1, 4).Draw(t, "groups")
	for i := range n {
		g := sg.Group{ID: groupIDs[i]}
		g.Ingress = rapid.SliceOfN(rapid.Custom(genRule), 0, 6).Draw(t, "ingress")
		g.Egress = rapid.SliceOfN(rapid.Custom(genRule), 0, 6).Draw(t, "egress")
		for _, r := range append(g.Ingress, g.Egress...) {
			if r.CIDR.IsValid() {
				w.pool = append(w.pool, r.CIDR)
			}
		}
		w.groups = append(w.groups, g)
	}
	w.pool = append(w.pool, pfx("0.0.0.0/0"), pfx("::/0"))
	return w
}

func genPacket(t *rapid.T, w *world) flow.Packet {
	peerNet := rapid.SampledFrom(w.pool).Draw(t, "peer-net")
	a := inside(t, peerNet, "a")
	other := pfx("0.0.0.0/0")
	if a.Is6() {
		other = pfx("::/0")
	}
	b := inside(t, other, "b")
	if rapid.Bool().Draw(t, "swap") {
		a, b = b, a
	}
	p := flow.Packet{Proto: rapid.SampledFrom(pktProtos).Draw(t, "proto"), Src: a, Dst: b}
	switch {
	case p.Proto.HasPorts():
		p.SrcPort = uint16(genPort(t, "sport"))
		p.DstPort = uint16(genPort(t, "dport"))
		p.Flags = flow.SYN
	case p.Proto.IsICMP():
		p.ICMPType = uint8(rapid.OneOf(rapid.SampledFrom([]int{0, 3, 8, 11, 128, 129}), rapid.IntRange(0, 255)).Draw(t, "icmp-type"))
		p.ICMPCode = uint8(rapid.OneOf(rapid.SampledFrom([]int{0, 1, 4}), rapid.IntRange(0, 255)).Draw(t, "icmp-code"))
	}
	return p
}

func genDir(t *rapid.T) flow.Direction {
	return rapid.SampledFrom([]flow.Direction{flow.Ingress, flow.Egress}).Draw(t, "dir")
}

// refUntracked is U1..U3 by the spec's words, on top of sg.Reference.
func refUntracked(groups []sg.Group, r sg.Resolver, p flow.Packet, dir flow.Direction) bool {
	if p.Proto != flow.TCP && p.Proto != flow.UDP {
		return false // U1
	}
	m, ok := sg.Reference(groups, r, &p, dir)
	if !ok || !m.Open {
		return false // U2
	}
	a := p.Src
	if dir == flow.Egress {
		a = p.Dst
	}
	for _, g := range groups { // U3
		for _, rule := range g.Rules(dir.Reverse()) {
			openPeer := rule.CIDR.IsValid() && rule.CIDR.Bits() == 0 && rule.CIDR.Addr().Is4() == a.Is4()
			allPorts := rule.Protocol == flow.AnyProtocol ||
				rule.Protocol == flow.Protocol(p.Proto) && rule.FromPort == 0 && rule.ToPort == 65535
			if openPeer && allPorts {
				return true
			}
		}
	}
	return false
}

// TestPropertyMatchesReference: the compiled Set answers exactly as the
// golden model, report included (SG-8..SG-11, SG-14, SG-17), and the
// untracked predicates agree with their definitions (U0..U3).
func TestPropertyMatchesReference(t *testing.T) {
	t.Run("port-index", func(t *testing.T) { rapid.Check(t, matchesReference) })
	t.Run("plain-scan", func(t *testing.T) {
		defer sg.SetPortIndexBudget(-1 << 30)()
		rapid.Check(t, matchesReference)
	})
}

func matchesReference(t *rapid.T) {
	{
		w := genWorld(t)
		s, err := sg.Compile(w.groups, w.res)
		require.NoError(t, err)
		for range 8 {
			p := genPacket(t, &w)
			dir := genDir(t)
			m, ok := s.Match(&p, dir)
			rm, rok := sg.Reference(w.groups, w.res, &p, dir)
			require.Equal(t, rok, ok, "ok for %s %v", dir, p)
			require.Equal(t, rm, m, "match for %s %v", dir, p)
			require.Equal(t, refUntracked(w.groups, w.res, p, dir), s.Untracked(&p, dir), "Untracked %s %v", dir, p)
			require.Equal(t, refUntracked(w.groups, w.res, p.Reverse(), dir.Reverse()), s.AnswersUntracked(&p, dir), "AnswersUntracked %s %v", dir, p)
		}
	}
}

// TestPropertyOrderDoesNotMatter is SG-13: permuting the groups and the
// rules inside them never changes whether a packet is admitted, nor Open,
// nor the untracked predicates. Only the reported rule may change.
func TestPropertyOrderDoesNotMatter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		perm := rapid.Permutation(w.groups).Draw(t, "group-order")
		for i := range perm {
			g := perm[i]
			g.Ingress = rapid.Permutation(g.Ingress).Draw(t, fmt.Sprintf("ingress-order-%d", i))
			g.Egress = rapid.Permutation(g.Egress).Draw(t, fmt.Sprintf("egress-order-%d", i))
			perm[i] = g
		}
		a, err := sg.Compile(w.groups, w.res)
		require.NoError(t, err)
		b, err := sg.Compile(perm, w.res)
		require.NoError(t, err)
		for range 8 {
			p := genPacket(t, &w)
			dir := genDir(t)
			ma, oka := a.Match(&p, dir)
			mb, okb := b.Match(&p, dir)
			require.Equal(t, oka, okb, "ok for %s %v", dir, p)
			require.Equal(t, ma.Open, mb.Open, "Open for %s %v", dir, p)
			require.Equal(t, a.Untracked(&p, dir), b.Untracked(&p, dir))
			require.Equal(t, a.AnswersUntracked(&p, dir), b.AnswersUntracked(&p, dir))
			require.Equal(t, a.OpenReverse(&p, dir), b.OpenReverse(&p, dir))
		}
	})
}
