package analysis

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
)

// TestSpaceAlgebra: union, intersection and difference agree with
// membership, packet by packet; equal sets have equal diagrams, however
// they were built (the canonical form); subset, overlap and emptiness
// agree with the operations.
func TestSpaceAlgebra(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genSpace(t, "a"), genSpace(t, "b")
		p := genPacket(t, "p")
		inA, inB := a.Contains(p), b.Contains(p)
		assert.Equal(t, inA || inB, a.Union(b).Contains(p), "union")
		assert.Equal(t, inA && inB, a.Intersect(b).Contains(p), "intersect")
		assert.Equal(t, inA && !inB, a.Minus(b).Contains(p), "minus")
		assert.Equal(t, !inA, a.Complement().Contains(p), "complement")

		// Canonical: the same set built two ways is Equal.
		assert.True(t, a.Union(b).Equal(b.Union(a)))
		assert.True(t, a.Minus(b).Union(a.Intersect(b)).Equal(a), "(a-b) ∪ (a∩b) = a")
		assert.True(t, a.Complement().Complement().Equal(a))
		assert.True(t, a.Union(b).Complement().Equal(a.Complement().Intersect(b.Complement())), "De Morgan")
		assert.Equal(t, a.Minus(b).IsEmpty(), a.Subset(b))
		assert.Equal(t, !a.Intersect(b).IsEmpty(), a.Overlaps(b))
		assert.True(t, a.Subset(All()))
		assert.True(t, a.Intersect(b).Subset(a))
	})
}

// TestWitness: a witness lies in its space and is a valid packet; an
// empty space has none. Regions partition the space: disjoint, their
// union the space, each witness inside its region.
func TestWitness(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSpace(t, "a").Minus(genSpace(t, "b"))
		p, ok := s.Witness()
		require.Equal(t, !s.IsEmpty(), ok)
		if ok {
			assert.NoError(t, p.Validate())
			assert.True(t, s.Contains(p), "witness %s in %s", p, s)
		}
		var union Space
		for _, r := range s.Regions() {
			rs := r.Space()
			require.False(t, rs.IsEmpty())
			assert.False(t, union.Overlaps(rs), "regions overlap")
			union = union.Union(rs)
			assert.True(t, rs.Contains(r.Packet), "region %s holds its packet %s", r, r.Packet)
			assert.NotEmpty(t, r.Services)
		}
		assert.True(t, union.Equal(s), "regions make up the space")
	})
}

// TestAddrAxis: the IPv6 axis leaves out the IPv4-mapped block and
// nothing else; prefixes map onto it in order.
func TestAddrAxis(t *testing.T) {
	for _, s := range []string{"::", "::1", "::fffe:ffff:ffff", "::1:0:0:0", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0", "255.255.255.255", "10.0.1.10"} {
		a := netip.MustParseAddr(s)
		fam, k, ok := addrKey(a)
		require.True(t, ok, s)
		assert.Equal(t, a, keyAddr(fam, k), s)
	}
	_, _, ok := addrKey(netip.MustParseAddr("::ffff:10.0.0.1"))
	assert.False(t, ok, "mapped addresses are not on the axis")
	_, below, _ := addrKey(netip.MustParseAddr("::fffe:ffff:ffff"))
	_, above, _ := addrKey(netip.MustParseAddr("::1:0:0:0"))
	assert.Equal(t, below.inc(), above, "the block is cut out, not left as a hole")

	_, lo, hi, ok := prefixSpan(netip.MustParsePrefix("::/0"))
	require.True(t, ok)
	assert.Equal(t, zero128, lo)
	assert.Equal(t, addrMax[1], hi)
	_, _, _, ok = prefixSpan(netip.MustParsePrefix("::ffff:0:0/96"))
	assert.False(t, ok, "a prefix of mapped addresses holds no valid address")
	_, lo, hi, ok = prefixSpan(netip.MustParsePrefix("::/80"))
	require.True(t, ok)
	assert.Equal(t, zero128, lo)
	assert.Equal(t, below, hi, "::/80 minus the block ends below it")

	tests := []struct{ from, to, want string }{
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"10.0.0.0", "10.0.0.7", "10.0.0.0/29"},
		{"10.0.0.1", "10.0.0.6", "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32"},
		{"10.0.0.1", "10.0.0.14", "10.0.0.1-10.0.0.14"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0"},
		{"::", "::fffe:ffff:ffff", "::/80"},
		{"2001:db8::", "2001:db8::3", "2001:db8::/126"},
	}
	for _, tc := range tests {
		r := AddrRange{netip.MustParseAddr(tc.from), netip.MustParseAddr(tc.to)}
		assert.Equal(t, tc.want, r.String())
	}
}

// TestSpaceText: spaces read as their services and addresses.
func TestSpaceText(t *testing.T) {
	web := Src(netip.MustParsePrefix("0.0.0.0/0")).Intersect(Proto(flow.TCP)).Intersect(DstPorts(443, 443))
	tests := []struct {
		name string
		s    Space
		want string
	}{
		{"empty", None(), "nothing"},
		{"https", web, "tcp 443 from 0.0.0.0/0 to 0.0.0.0/0"},
		{"all but https", IPv4().Minus(web), "all traffic except tcp 443 from 0.0.0.0/0 to 0.0.0.0/0"},
		{"ports", IPv4().Intersect(DstPorts(80, 80).Union(DstPorts(1024, 65535))).Intersect(Proto(flow.TCP)),
			"tcp 80, 1024-65535 from 0.0.0.0/0 to 0.0.0.0/0"},
		{"echo", IPv4().Intersect(ICMP(8, 0)), "icmp type 8 code 0 from 0.0.0.0/0 to 0.0.0.0/0"},
		{"gre", IPv6().Intersect(Proto(47)), "gre from ::/0 to ::/0"},
		{"client ports", IPv4().Intersect(Proto(flow.UDP)).Intersect(SrcPorts(32768, 60999)),
			"udp all ports (source ports 32768-60999) from 0.0.0.0/0 to 0.0.0.0/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.s.String())
		})
	}
}
