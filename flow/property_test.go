package flow

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// genAddr draws an address of the family asked for: sometimes one of a
// few well-known ones (so that keys collide and order ties happen),
// otherwise random bytes. Never IPv4-mapped, never with a zone.
func genAddr(t *rapid.T, v6 bool, label string) netip.Addr {
	if v6 {
		if rapid.Bool().Draw(t, label+" known") {
			return rapid.SampledFrom([]netip.Addr{
				netip.MustParseAddr("::"), netip.MustParseAddr("::1"),
				netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:1::10"),
				netip.MustParseAddr("fd00:ec2::254"),
			}).Draw(t, label)
		}
		var b [16]byte
		copy(b[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label))
		a := netip.AddrFrom16(b)
		if a.Is4In6() {
			b[0] = 0x20 // not mapped any more
			a = netip.AddrFrom16(b)
		}
		return a
	}
	if rapid.Bool().Draw(t, label+" known") {
		return rapid.SampledFrom([]netip.Addr{
			netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("10.0.1.10"),
			netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("255.255.255.255"),
		}).Draw(t, label)
	}
	var b [4]byte
	copy(b[:], rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, label))
	return netip.AddrFrom4(b)
}

// genPacket generates valid packets (Packet.Validate holds) of every
// protocol: tcp, udp, the family's icmp, and any other protocol number.
func genPacket() *rapid.Generator[Packet] {
	return rapid.Custom(func(t *rapid.T) Packet {
		v6 := rapid.Bool().Draw(t, "v6")
		var p Packet
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			p.Proto = TCP
		case 1:
			p.Proto = UDP
		case 2:
			p.Proto = ICMP
			if v6 {
				p.Proto = ICMPv6
			}
		default:
			p.Proto = Proto(rapid.Uint8().Filter(func(n uint8) bool {
				pr := Proto(n)
				return !pr.HasPorts() && !pr.IsICMP()
			}).Draw(t, "proto"))
		}
		p.Src = genAddr(t, v6, "src")
		p.Dst = genAddr(t, v6, "dst")
		if p.Proto.HasPorts() {
			p.SrcPort = rapid.Uint16().Draw(t, "sport")
			p.DstPort = rapid.Uint16().Draw(t, "dport")
		}
		if p.Proto == TCP {
			p.Flags = TCPFlags(rapid.Uint8().Draw(t, "flags"))
		}
		if p.Proto.IsICMP() {
			// Echo types often, so that names and queries are exercised.
			p.ICMPType = rapid.OneOf(rapid.SampledFrom([]uint8{0, 8, 128, 129, 3, 13, 14, 139}), rapid.Uint8()).Draw(t, "type")
			p.ICMPCode = rapid.OneOf(rapid.Just(uint8(0)), rapid.Uint8()).Draw(t, "code")
			p.ICMPID = rapid.OneOf(rapid.Just(uint16(0)), rapid.Uint16()).Draw(t, "id")
		}
		p.Length = rapid.OneOf(rapid.Just(uint16(0)), rapid.Uint16()).Draw(t, "len")
		return p
	})
}

// TestPropertyTextRoundTrip: for every valid packet p,
// ParsePacket(p.String()) == p, and the text is canonical (printing the
// parsed packet gives the same text). Likewise through MarshalText.
func TestPropertyTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPacket().Draw(t, "p")
		require.NoError(t, p.Validate())
		s := p.String()
		q, err := ParsePacket(s)
		require.NoError(t, err, s)
		require.Equal(t, p, q, s)
		require.Equal(t, s, q.String())

		b, err := p.MarshalText()
		require.NoError(t, err)
		var r Packet
		require.NoError(t, r.UnmarshalText(b))
		require.Equal(t, p, r)
	})
}

// TestPropertyKeyReverse: a reply's key is the reverse of its request's
// key (CT-7, CT-9, CT-10, CT-12), reversing twice is the identity, and
// both directions of a flow share one canonical key.
func TestPropertyKeyReverse(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPacket().Draw(t, "p")
		r := p.Reverse()
		k, rk := p.Key(), r.Key()

		require.Equal(t, k.Reverse(), rk, "p.Reverse().Key() == p.Key().Reverse()")
		require.Equal(t, k, k.Reverse().Reverse())
		require.Equal(t, p, r.Reverse(), "Reverse is an involution on valid packets")

		c1, same1 := k.Canonical()
		c2, same2 := rk.Canonical()
		require.Equal(t, c1, c2, "both directions share a canonical key")
		if k != rk {
			require.NotEqual(t, same1, same2, "exactly one direction is the canonical one")
		} else {
			require.True(t, same1)
			require.True(t, same2)
		}

		// The accessors give back the packet's values.
		require.Equal(t, p.Proto, k.Proto())
		require.Equal(t, p.Src, k.Src())
		require.Equal(t, p.Dst, k.Dst())
		switch {
		case p.Proto.HasPorts():
			require.Equal(t, p.SrcPort, k.SrcPort())
			require.Equal(t, p.DstPort, k.DstPort())
		case p.Proto.IsICMP():
			if _, ok := ICMPQuery(p.Proto, p.ICMPType); ok {
				require.Equal(t, p.ICMPID, k.SrcPort())
				require.Equal(t, p.ICMPID, k.DstPort())
			} else {
				require.Zero(t, k.SrcPort())
			}
		default:
			require.Zero(t, k.SrcPort())
			require.Zero(t, k.DstPort())
		}
		require.Equal(t, k, MakeKey(p.Proto, p.Src, p.Dst, k.SrcPort(), k.DstPort()))
	})
}

// TestKeyQueriesAndReplies: the trace packets of the spec, request and
// reply written out, have reversed keys (TRACE-A, TRACE-F, CT-10, CT-12).
func TestKeyQueriesAndReplies(t *testing.T) {
	pairs := []struct{ request, reply string }{
		{"tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]"},
		{"udp [2001:db8::7]:5353 > [2001:db8:1::10]:53", "udp [2001:db8:1::10]:53 > [2001:db8::7]:5353"},
		{"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1", "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1"},
		{"icmpv6 2001:db8::1 > 2001:db8::2 echo-request id 9", "icmpv6 2001:db8::2 > 2001:db8::1 echo-reply id 9"},
		{"icmp 10.0.1.10 > 192.0.2.1 type 13 code 0 id 5", "icmp 192.0.2.1 > 10.0.1.10 type 14 code 0 id 5"},
		{"gre 10.0.0.1 > 10.0.0.2", "gre 10.0.0.2 > 10.0.0.1"},
	}
	for _, tt := range pairs {
		req, rep := MustParsePacket(tt.request), MustParsePacket(tt.reply)
		assert.Equal(t, req.Key().Reverse(), rep.Key(), tt.request)
		want := rep
		want.Flags = req.Flags // Reverse keeps the flags
		assert.Equal(t, want, req.Reverse(), tt.request)
	}

	// A different echo identifier is a different flow.
	a := MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1")
	b := MustParsePacket("icmp 172.31.16.139 > 203.0.113.12 echo-reply id 2")
	assert.NotEqual(t, a.Key().Reverse(), b.Key())
}

// TestKeyString: the key's text form for each kind of key.
func TestKeyString(t *testing.T) {
	for in, want := range map[string]string{
		"tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]":           "tcp 10.0.1.10:80 > 198.51.100.7:50000",
		"udp [2001:db8::1]:53 > [2001:db8::2]:5353":            "udp [2001:db8::1]:53 > [2001:db8::2]:5353",
		"icmp 10.0.1.10 > 203.0.113.12 echo-reply id 7":        "icmp 10.0.1.10 > 203.0.113.12 id 7",
		"icmp 10.0.1.10 > 203.0.113.12 type 3 code 1 id 7":     "icmp 10.0.1.10 > 203.0.113.12",
		"gre 10.0.0.1 > 10.0.0.2":                              "gre 10.0.0.1 > 10.0.0.2",
		"icmpv6 2001:db8::1 > 2001:db8::2 echo-request id 300": "icmpv6 2001:db8::1 > 2001:db8::2 id 300",
	} {
		p := MustParsePacket(in)
		assert.Equal(t, want, p.Key().String(), in)
	}
}
