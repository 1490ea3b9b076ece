package conntrack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// t0 is the simulated epoch of every test: no test reads the wall clock.
var t0 = time.Unix(1_700_000_000, 0)

// at returns t0 + d, a point on the manual clock.
func at(d time.Duration) time.Time { return t0.Add(d) }

// sec is a shorthand for whole seconds of simulated time.
func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// tcp builds a TCP packet "src > dst [flags]" from "addr:port" strings.
func tcp(src, dst string, f flow.TCPFlags) flow.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return flow.Packet{Proto: flow.TCP, Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port(), Flags: f}
}

// udp builds a UDP packet from "addr:port" strings.
func udp(src, dst string) flow.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return flow.Packet{Proto: flow.UDP, Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port()}
}

// icmp builds an ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses) message
// of type typ; id is set for every type, as a decoder would leave it.
func icmp(src, dst string, typ uint8, id uint16) flow.Packet {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	proto := flow.ICMP
	if s.Is6() {
		proto = flow.ICMPv6
	}
	return flow.Packet{Proto: proto, Src: s, Dst: d, ICMPType: typ, ICMPID: id}
}

// mustAddr parses an address.
func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// other builds a packet of a protocol without ports (gre, esp, ...).
func other(proto flow.Proto, src, dst string) flow.Packet {
	return flow.Packet{Proto: proto, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst)}
}

// The TCP flag combinations the tests use, in tcpdump's notation.
const (
	fS  = flow.SYN
	fSA = flow.SYN | flow.ACK
	fA  = flow.ACK
	fPA = flow.PSH | flow.ACK
	fF  = flow.FIN
	fFA = flow.FIN | flow.ACK
	fR  = flow.RST
	fRA = flow.RST | flow.ACK
)

// newTable returns a table with cfg, failing the test on an invalid cfg.
func newTable(tb testing.TB, cfg Config) *Table {
	tb.Helper()
	tab, err := New(cfg)
	require.NoError(tb, err)
	return tab
}

// step is one packet of a scripted exchange: the packet, the time it
// goes, and whether it creates the entry (Create) or must find it (Lookup).
type step struct {
	p      flow.Packet
	at     time.Duration
	create bool
}

// play runs steps on tab, requiring each Create to create and each Lookup
// to find the entry; it returns the last result.
func play(tb testing.TB, tab *Table, steps []step) Result {
	tb.Helper()
	var r Result
	for i, s := range steps {
		if s.create {
			var st Status
			r, st = tab.Create(&s.p, at(s.at))
			require.Equalf(tb, Created, st, "step %d (%s): Create", i, s.p.Key())
			continue
		}
		var ok bool
		r, ok = tab.Lookup(&s.p, at(s.at))
		require.Truef(tb, ok, "step %d (%s): Lookup found nothing", i, s.p.Key())
	}
	return r
}
