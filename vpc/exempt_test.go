package vpc

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestExemptions: every block Exemptions lists is one whose traffic Send
// and Cross let through without a filter, with the same words, even
// behind a deny-all ACL and groups without rules; and the addresses next
// to the single ones are filtered as usual.
func TestExemptions(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets[0].ACL = "acl-deny-all"
	cfg.Subnets[0].IPv6CIDR = netip.MustParsePrefix("2001:db8:0:1::/64")
	cfg.Interfaces[0].IPv6Addrs = addrs("2001:db8:0:1::10")
	cfg.Interfaces[0].Groups = []string{"sg-db"} // no rule admits anything from outside
	v, err := New(cfg)
	require.NoError(t, err)
	eni, err := v.ENI("eni-web")
	require.NoError(t, err)

	ex := cfg.Exemptions()
	require.NotEmpty(t, ex)
	var what []string
	for _, e := range ex {
		what = append(what, e.Prefix.String())
	}
	// Each subnet's base + 1..3 in both families, the VPC's base + 2, the
	// seven service addresses and fe80::/10.
	assert.Contains(t, what, "10.0.1.1/32")
	assert.Contains(t, what, "10.0.3.3/32")
	assert.Contains(t, what, "10.0.0.2/32")
	assert.Contains(t, what, "2001:db8:0:1::2/128")
	assert.Contains(t, what, "169.254.169.254/32")
	assert.Contains(t, what, "fd00:ec2::123/128")
	assert.Contains(t, what, "fe80::/10")
	assert.NotContains(t, what, "10.0.1.0/32", "the network address is reserved, not exempt")
	assert.True(t, sortedPrefixes(ex), "sorted by address")

	for _, e := range ex {
		local := "10.0.1.10"
		if e.Prefix.Addr().Is6() {
			local = "2001:db8:0:1::10"
		}
		peer := e.Prefix.Addr()
		if e.Prefix.Bits() < peer.BitLen() {
			peer = peer.Next() // fe80::1
		}
		in := flow.Packet{Proto: flow.UDP, Src: peer, Dst: netip.MustParseAddr(local), SrcPort: 53, DstPort: 40000}
		var path Path
		require.NoError(t, eni.Cross(&in, flow.Ingress, t0, &path), e.Prefix)
		assert.True(t, path.Allowed(), e.Prefix)
		assert.Equal(t, e.What, path.Exempt, e.Prefix)
		out := in.Reverse()
		sent, err := v.Send(&out, t0)
		require.NoError(t, err)
		assert.True(t, sent.Allowed(), e.Prefix)
		assert.Equal(t, e.What, sent.Exempt, e.Prefix)

		if e.Prefix.IsSingleIP() && !exempted(ex, peer.Next()) {
			in.Src = peer.Next()
			require.NoError(t, eni.Cross(&in, flow.Ingress, t0, &path))
			assert.False(t, path.Allowed(), "%s is filtered", in.Src)
			assert.Empty(t, path.Exempt)
		}
	}
}

func sortedPrefixes(ex []Exemption) bool {
	for i := 1; i < len(ex); i++ {
		if ex[i-1].Prefix.Addr().Compare(ex[i].Prefix.Addr()) > 0 {
			return false
		}
	}
	return true
}

func exempted(ex []Exemption, a netip.Addr) bool {
	for _, e := range ex {
		if e.Prefix.Contains(a) {
			return true
		}
	}
	return false
}
