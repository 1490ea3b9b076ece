package analysis

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

func TestParseSpace(t *testing.T) {
	any4, any6 := netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")
	tests := []struct {
		text string
		want Space
	}{
		{"", All()},
		{"all", All()},
		{"tcp port 443 from 0.0.0.0/0", Proto(flow.TCP).Intersect(DstPorts(443, 443)).Intersect(Src(any4))},
		{"from 0.0.0.0/0,::/0", Src(any4, any6)},
		{"UDP PORT 53,5353 to 10.0.0.0/16", Proto(flow.UDP).Intersect(DstPorts(53, 53).Union(DstPorts(5353, 5353))).Intersect(Dst(netip.MustParsePrefix("10.0.0.0/16")))},
		{"icmp type 8", Proto(flow.ICMP).Intersect(ICMP(8, -1))},
		{"icmp,icmpv6 type 3 code 4", ICMP(3, 4)},
		{"tcp,udp sport 32768-60999", SrcPorts(32768, 60999)},
		{"ipv6 gre to 2001:db8::1", IPv6().Intersect(Proto(47)).Intersect(DstAddrs(netip.MustParseAddr("2001:db8::1")))},
		{"from 10.0.0.5-10.0.0.6", SrcAddrs(netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.6"))},
		{"port 80", DstPorts(80, 80)},
		{"from ::ffff:0:0/96", None()},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			s, err := ParseSpace(tc.text)
			require.NoError(t, err)
			assert.True(t, s.Equal(tc.want), "got %s\nwant %s", s, tc.want)
		})
	}
	bad := []struct{ text, msg string }{
		{"tcp udp", "protocol given twice"},
		{"from", "needs a value"},
		{"from 10.0.0.0/33", "not an address, a prefix or a range"},
		{"from 10.0.0.9-10.0.0.5", "not a range of addresses"},
		{"from 10.0.0.1-::1", "not a range of addresses"},
		{"port 70000", "not a port"},
		{"port 90-80", "not a port"},
		{"gre port 80", "port and sport are for tcp and udp"},
		{"tcp type 3", "type and code are for icmp"},
		{"type 256", "0..255"},
		{"bogus", "not a protocol or a clause"},
		{"tcp,", "not a protocol"},
		{"from fe80::1%eth0", "not an address"},
	}
	for _, tc := range bad {
		_, err := ParseSpace(tc.text)
		assert.ErrorContains(t, err, tc.msg, tc.text)
	}
}

// FuzzParseSpace: any text gives a space or an error, never a panic; a
// space's witness is in it.
func FuzzParseSpace(f *testing.F) {
	for _, s := range []string{"tcp port 443 from 0.0.0.0/0", "from ::/0", "icmp type 8 code 0", "udp sport 1-2 to 10.0.0.1-10.0.0.9", "ipv6 47", "-1", "tcp,udp port 1,2-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpace(s)
		if err != nil {
			assert.True(t, sp.IsEmpty())
			return
		}
		if p, ok := sp.Witness(); ok {
			assert.True(t, sp.Contains(p))
		}
		_ = sp.String()
	})
}
