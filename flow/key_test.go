package flow

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestPropertyCanonicalHash: CanonicalHash is exactly Canonical followed
// by Hash of the canonical key, for keys of every shape: random packets,
// keys whose addresses share a prefix or are equal, equal ports.
func TestPropertyCanonicalHash(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPacket().Draw(t, "p")
		if rapid.Bool().Draw(t, "same-addr") {
			p.Dst = p.Src
		}
		if rapid.Bool().Draw(t, "same-port") {
			p.DstPort = p.SrcPort
		}
		seed := rapid.Uint64().Draw(t, "seed")
		for _, q := range []Packet{p, p.Reverse()} {
			k := q.Key()
			wantC, wantSame := k.Canonical()
			c, same, h := k.CanonicalHash(seed)
			require.Equal(t, wantC, c, "canonical key of %s", k)
			require.Equal(t, wantSame, same, "same of %s", k)
			require.Equal(t, wantC.Hash(seed), h, "hash of %s", k)

			var pc Key
			same, h = q.CanonicalKeyHash(seed, &pc)
			require.Equal(t, wantC, pc, "packet's canonical key of %s", k)
			require.Equal(t, wantSame, same, "packet's same of %s", k)
			require.Equal(t, wantC.Hash(seed), h, "packet's hash of %s", k)
		}
	})
}

// TestCanonicalKeyHashOddPackets: packets no decoder makes still get
// exactly p.Key().CanonicalHash's answer: the zero packet, mixed address
// families, IPv4-mapped IPv6 addresses, zones, ICMP non-queries.
func TestCanonicalKeyHashOddPackets(t *testing.T) {
	v4, v6 := netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("2001:db8::1")
	mapped := netip.MustParseAddr("::ffff:10.0.1.10")
	pkts := []Packet{
		{},
		{Proto: TCP, Src: v4, Dst: v6, SrcPort: 1, DstPort: 2},
		{Proto: TCP, Src: v6, Dst: v4, SrcPort: 1, DstPort: 2},
		{Proto: UDP, Src: mapped, Dst: v4, SrcPort: 9, DstPort: 9},
		{Proto: UDP, Src: v4, Dst: mapped, SrcPort: 9, DstPort: 9},
		{Proto: UDP, Src: v6.WithZone("eth0"), Dst: v6, SrcPort: 5, DstPort: 4},
		{Proto: ICMP, Src: v4, Dst: v4, ICMPType: ICMPDestUnreachable, ICMPID: 7},
		{Proto: ICMPv6, Src: v6, Dst: v6, ICMPType: ICMPv6EchoRequest, ICMPID: 7},
		{Proto: 47, Src: v4, Dst: netip.Addr{}},
	}
	for _, p := range pkts {
		wantC, wantSame, wantH := p.Key().CanonicalHash(3)
		var c Key
		same, h := p.CanonicalKeyHash(3, &c)
		assert.Equal(t, wantC, c, "%+v", p)
		assert.Equal(t, wantSame, same, "%+v", p)
		assert.Equal(t, wantH, h, "%+v", p)
	}
}

// TestCanonicalHashEdges: addresses that differ only in their last byte,
// only in their first, and not at all; IPv4 and IPv6.
func TestCanonicalHashEdges(t *testing.T) {
	addrs := []string{"10.0.1.10", "10.0.1.11", "11.0.1.10", "::", "::1", "8000::", "2001:db8::1", "2001:db8::1:0"}
	for _, a := range addrs {
		for _, b := range addrs {
			src, dst := netip.MustParseAddr(a), netip.MustParseAddr(b)
			if src.Is4() != dst.Is4() {
				continue
			}
			for _, ports := range [][2]uint16{{1, 2}, {2, 1}, {7, 7}} {
				k := MakeKey(TCP, src, dst, ports[0], ports[1])
				wantC, wantSame := k.Canonical()
				c, same, h := k.CanonicalHash(42)
				require.Equal(t, wantC, c, "%s", k)
				require.Equal(t, wantSame, same, "%s", k)
				require.Equal(t, wantC.Hash(42), h, "%s", k)
			}
		}
	}
}

// BenchmarkCanonicalHash compares the ways from a packet to its
// canonical key and hash: the packet method the connection table uses,
// the key method, and Canonical followed by Hash, the table's former
// per-packet step.
func BenchmarkCanonicalHash(b *testing.B) {
	p := Packet{Proto: TCP, Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("198.51.100.7"), SrcPort: 80, DstPort: 50000}
	want, _ := p.Key().Canonical()
	b.Run("packet", func(b *testing.B) {
		var c Key
		for b.Loop() {
			if _, h := p.CanonicalKeyHash(1, &c); c != want || h == 0 {
				b.Fatal("wrong key")
			}
		}
	})
	b.Run("key", func(b *testing.B) {
		for b.Loop() {
			if c, _, h := p.Key().CanonicalHash(1); c != want || h == 0 {
				b.Fatal("wrong key")
			}
		}
	})
	b.Run("canonical+hash", func(b *testing.B) {
		for b.Loop() {
			if c, _ := p.Key().Canonical(); c != want || c.Hash(1) == 0 {
				b.Fatal("wrong key")
			}
		}
	})
}
