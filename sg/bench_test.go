package sg_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
	"github.com/pfsim/pfsim/sg"
)

// benchGroups builds n ingress rules over ceil(n/20) groups, in the shape
// of a real policy: TCP services from office and partner ranges, group
// references, a prefix list, some UDP and ICMP. Only the last rule,
// tcp 8080 from 10.0.0.0/8, admits benchPacket; the rules before it miss
// it by port or by peer.
func benchGroups(n int) ([]sg.Group, sg.Resolver) {
	members := make([]netip.Addr, 0, 64)
	for i := range 64 {
		members = append(members, netip.AddrFrom4([4]byte{10, 0, 2, byte(i * 3)}))
	}
	res := sg.StaticResolver{
		Groups:      map[string][]netip.Addr{"sg-app": members},
		PrefixLists: map[string][]netip.Prefix{"pl-office": {pfx("192.0.2.0/24"), pfx("198.51.100.0/25"), pfx("2001:db8:aa::/48")}},
	}
	var rules []sg.Rule
	for i := 0; len(rules) < n-1; i++ {
		port := 1000 + i
		switch i % 5 {
		case 0:
			rules = append(rules, ruleCIDR(pTCP, port, port, "203.0.113.0/24"))
		case 1:
			rules = append(rules, ruleGroup(pTCP, 8080, 8080, "sg-app")) // right port, wrong peer
		case 2:
			rules = append(rules, rulePL(pTCP, port, port+10, "pl-office"))
		case 3:
			rules = append(rules, ruleCIDR(pTCP, 8080, 8080, fmt.Sprintf("172.%d.0.0/16", 16+i%16))) // right port, wrong peer
		case 4:
			rules = append(rules, ruleCIDR(pUDP, port, port, "0.0.0.0/0"))
		}
	}
	rules = append(rules, ruleCIDR(pTCP, 8080, 8080, "10.0.0.0/8"))
	var groups []sg.Group
	for i := 0; i < len(rules); i += 20 {
		g := sg.Group{ID: fmt.Sprintf("sg-%02d", i/20), Ingress: rules[i:min(i+20, len(rules))]}
		g.Egress = []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}
		groups = append(groups, g)
	}
	return groups, res
}

var benchPacket = tcp("10.1.2.3", 40000, "10.0.1.10", 8080, flow.SYN)

// BenchmarkMatch measures Set.Match on a packet only the last rule admits;
// the answer is checked inside the loop. BenchmarkReference is the
// baseline: the golden model on the same input.
func BenchmarkMatch(b *testing.B) { benchMatch(b, false) }

// BenchmarkReference runs sg.Reference on BenchmarkMatch's input.
func BenchmarkReference(b *testing.B) { benchMatch(b, true) }

func benchMatch(b *testing.B, reference bool) {
	for _, n := range []int{20, 200} {
		groups, res := benchGroups(n)
		s := sg.MustCompile(groups, res)
		last := groups[len(groups)-1]
		wantGroup, wantRule := last.ID, len(last.Ingress)-1
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			p := benchPacket
			for b.Loop() {
				var m sg.Match
				var ok bool
				if reference {
					m, ok = sg.Reference(groups, res, &p, flow.Ingress)
				} else {
					m, ok = s.Match(&p, flow.Ingress)
				}
				if !ok || m.Group != wantGroup || m.Rule != wantRule {
					b.Fatalf("got %+v %v, want %s rule %d", m, ok, wantGroup, wantRule)
				}
			}
		})
	}
}

// BenchmarkUntracked measures the per-packet work the stage adds for a
// packet without a table entry: U0, then U1..U3 (TRACE-A's A1).
func BenchmarkUntracked(b *testing.B) {
	s := sg.MustCompile([]sg.Group{sgWeb()}, nil)
	p := tcp("198.51.100.7", 50000, "10.0.1.10", 443, flow.SYN)
	b.ReportAllocs()
	for b.Loop() {
		if s.AnswersUntracked(&p, flow.Ingress) || !s.Untracked(&p, flow.Ingress) {
			b.Fatal("A1 must be untracked and not an answer")
		}
	}
}

// TestNoAllocs: the hot path never allocates (ARCHITECTURE: fast path is
// allocation-free), for hits and misses, both families, CIDR, prefix-list
// and group peers.
func TestNoAllocs(t *testing.T) {
	groups, res := benchGroups(200)
	groups = append(groups, sg.Group{ID: "sg-v6", Ingress: []sg.Rule{
		ruleCIDR(pTCP, 80, 80, "::/0"),
		ruleGroup(pAll, 0, 0, "sg-six"),
		rulePL(pUDP, 53, 53, "pl-office"),
	}, Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "::/0")}})
	r := res.(sg.StaticResolver)
	r.Groups["sg-six"] = []netip.Addr{addr("2001:db8::5"), addr("2001:db8::9")}
	s := sg.MustCompile(groups, r)
	packets := []flow.Packet{
		benchPacket,
		tcp("203.0.113.9", 40000, "10.0.1.10", 1000, flow.SYN),
		tcp("10.0.2.3", 40000, "10.0.1.10", 8080, flow.SYN),
		tcp("192.0.2.200", 40000, "10.0.1.10", 1002, flow.SYN),
		tcp("198.51.100.7", 40000, "10.0.1.10", 9, flow.SYN),
		udp("198.51.100.7", 40000, "10.0.1.10", 1004),
		icmp("198.51.100.7", "10.0.1.10", 8, 0),
		tcp("2001:db8::7", 40000, "2001:db8:1::10", 80, flow.SYN),
		tcp("2001:db8::9", 40000, "2001:db8:1::10", 22, flow.SYN),
		udp("2001:db8:aa::1", 40000, "2001:db8:1::10", 53),
		icmp("2001:db8::7", "2001:db8:1::10", 128, 0),
	}
	for _, p := range packets {
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			assert.Zero(t, allocs.Count(100, func() { s.Match(&p, dir) }), "Match %v", p)
			assert.Zero(t, allocs.Count(100, func() { s.Untracked(&p, dir) }), "Untracked %v", p)
			assert.Zero(t, allocs.Count(100, func() { s.AnswersUntracked(&p, dir) }), "AnswersUntracked %v", p)
			assert.Zero(t, allocs.Count(100, func() { s.OpenReverse(&p, dir) }), "OpenReverse %v", p)
			assert.Zero(t, allocs.Count(100, func() { s.Admits(&p, dir) }), "Admits %v", p)
			assert.Zero(t, allocs.Count(100, func() { _ = s.Groups() }), "Groups")
		}
	}
}
