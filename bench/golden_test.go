package bench

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// TestFixturesMatchGolden: on the benchmarks' own rule sets (20 and 1000
// rules), the compiled ACL and security groups decide random packets
// exactly as their golden models do. The 1000-rule sets run through the
// indexes the benchmarks measure, so a fast wrong answer fails here even
// where the benchmarks check a single packet.
func TestFixturesMatchGolden(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	// Peers from every range the fixtures name, and from nowhere.
	peer := func() netip.Addr {
		bases := []uint32{0xc612_0000, 0xc000_0200, 0x0a00_0000, 0xac10_0000, 0x0a02_0000, 0xcb00_7100, 0xc0a8_0000, 0x0a80_0000, 0x0a00_0200, 0xc633_6400}
		return addr4(bases[rng.IntN(len(bases))] + uint32(rng.IntN(1<<12)))
	}
	ports := []uint16{0, 53, 123, 443, 1000, 1024, 2010, 8080, 8081, 9000, 9009, 40000, 65535}
	for _, n := range []int{20, 1000} {
		acl := nacl.ACL{ID: "acl-bench", Ingress: aclRules(n, flow.Ingress), Egress: aclRules(n, flow.Egress)}
		compiled := newACL(t, n)
		groups, res := sgGroups(n)
		set := newSet(t, n)
		for range 3000 {
			p := flow.Packet{
				Proto:   []flow.Proto{flow.TCP, flow.UDP, flow.ICMP, 47}[rng.IntN(4)],
				Src:     peer(),
				Dst:     peer(),
				SrcPort: ports[rng.IntN(len(ports))] + uint16(rng.IntN(3)),
				DstPort: ports[rng.IntN(len(ports))] + uint16(rng.IntN(3)),
				Flags:   flow.SYN,
			}
			dir := flow.Direction(rng.IntN(2))
			var d flow.Decision
			compiled.Evaluate(&p, dir, &d)
			require.Equal(t, nacl.Reference(&acl, &p, dir), d, "rules=%d acl %s %v", n, dir, p)
			m, ok := set.Match(&p, dir)
			rm, rok := sg.Reference(groups, res, &p, dir)
			require.Equal(t, rok, ok, "rules=%d sg %s %v", n, dir, p)
			require.Equal(t, rm, m, "rules=%d sg %s %v", n, dir, p)
		}
	}
}
