package scenario

import (
	"testing"

	"github.com/pfsim/pfsim/flow"
)

// FuzzParseConnect: ParseConnect never panics; what it accepts is a
// connect a step can play (tcp with a host port, icmp for IPv4, icmpv6 for
// IPv6, one family) and reads back from its own text unchanged.
func FuzzParseConnect(f *testing.F) {
	for _, s := range []string{
		"tcp 198.51.100.7 > 10.0.1.10:80",
		"tcp 198.51.100.7:50000 > 10.0.1.10:8080",
		"tcp [2001:db8::7]:50000 > [2001:db8:1::10]:443",
		"icmp 198.51.100.7 > 10.0.1.10",
		"icmpv6 2001:db8::7 > 2001:db8:1::10",
		"udp 1.2.3.4 > 5.6.7.8:53",
		"tcp 1.2.3.4>5.6.7.8:0",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConnect(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", s)
			}
			return
		}
		ok := c.Src.IsValid() && c.Dst.IsValid() && c.Src.Is4() == c.Dst.Is4()
		switch c.Proto {
		case flow.TCP:
			ok = ok && c.DstPort != 0
		case flow.ICMP:
			ok = ok && c.Src.Is4() && c.SrcPort == 0 && c.DstPort == 0
		case flow.ICMPv6:
			ok = ok && c.Src.Is6() && c.SrcPort == 0 && c.DstPort == 0
		default:
			ok = false
		}
		if !ok {
			t.Fatalf("%q parsed to a connect that cannot be played: %+v", s, c)
		}
		back, err := ParseConnect(c.String())
		if err != nil || back != c {
			t.Fatalf("%q: %+v prints %q, which reads back as %+v, %v", s, c, c.String(), back, err)
		}
	})
}
