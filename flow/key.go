package flow

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"strconv"
)

// Key identifies a flow: protocol, addresses and ports. It is a packed,
// pointer-free, comparable value meant to be a map key: two 16-byte
// addresses and two ports in place of netip.AddrPort, which carries a
// pointer (the zone) and hashes slower. Accessors hand back netip values.
//
// What fills the port slots depends on the protocol (CT-9, CT-10, CT-12):
// TCP and UDP use their ports; an ICMP or ICMPv6 query uses its identifier
// in both slots, so that the reply's key is the request's key reversed;
// every other packet has both slots zero (address pair and protocol only).
//
// The key is 40 bytes with no padding, so that the compiler copies it in
// whole words and maps hash and compare it as plain memory. Invariant: its
// size is a multiple of 8, so a copy never ends in an overlapping store
// that the next 8-byte load cannot forward from (BENCHMARKS.md has the
// measurement that led here).
type Key struct {
	src, dst     [16]byte
	sport, dport uint16
	proto        Proto
	is4          bool
	pad          [2]byte // always zero; makes the size a multiple of 8
}

// Key returns the flow key of p.
func (p *Packet) Key() Key {
	k := Key{src: p.Src.As16(), dst: p.Dst.As16(), proto: p.Proto, is4: p.Src.Is4()}
	switch {
	case p.Proto == TCP || p.Proto == UDP:
		k.sport, k.dport = p.SrcPort, p.DstPort
	case p.Proto == ICMP || p.Proto == ICMPv6:
		if _, ok := ICMPQuery(p.Proto, p.ICMPType); ok {
			k.sport, k.dport = p.ICMPID, p.ICMPID
		}
	}
	return k
}

// MakeKey builds a key from its parts. For ICMP queries pass the
// identifier as both ports; for protocols without ports pass zeros.
func MakeKey(proto Proto, src, dst netip.Addr, sport, dport uint16) Key {
	return Key{src: src.As16(), dst: dst.As16(), sport: sport, dport: dport, proto: proto, is4: src.Is4()}
}

// Reverse returns the key of the flow's other direction: addresses and
// ports swapped. A reply's key is the reverse of its request's key.
func (k Key) Reverse() Key {
	k.src, k.dst = k.dst, k.src
	k.sport, k.dport = k.dport, k.sport
	return k
}

// Canonical returns whichever of k and k.Reverse() orders first, and
// whether that is k itself. Both directions of one flow share a canonical
// key, so a table indexed by it needs one slot per connection.
func (k Key) Canonical() (c Key, same bool) {
	if k.less(k.Reverse()) || k == k.Reverse() {
		return k, true
	}
	return k.Reverse(), false
}

// less orders keys by source address, then source port. It only needs to
// tell a key from its reverse, whose other fields are equal.
func (k *Key) less(o Key) bool {
	for i := 0; i < 16; i++ {
		if k.src[i] != o.src[i] {
			return k.src[i] < o.src[i]
		}
	}
	return k.sport < o.sport
}

// Equal reports whether *k and *o are the same key, as k == o does. The
// compiler inlines it as word compares, where == on the whole key calls
// the runtime's memory comparison (a tenth of a connection-table lookup).
func (k *Key) Equal(o *Key) bool {
	return k.src == o.src && k.dst == o.dst && k.sport == o.sport && k.dport == o.dport && k.proto == o.proto && k.is4 == o.is4
}

// Proto returns the key's protocol.
func (k Key) Proto() Proto { return k.proto }

// Src returns the source address.
func (k Key) Src() netip.Addr { return k.addr(k.src) }

// Dst returns the destination address.
func (k Key) Dst() netip.Addr { return k.addr(k.dst) }

// SrcPort returns the source port (the identifier for an ICMP query).
func (k Key) SrcPort() uint16 { return k.sport }

// DstPort returns the destination port (the identifier for an ICMP query).
func (k Key) DstPort() uint16 { return k.dport }

func (k Key) addr(b [16]byte) netip.Addr {
	a := netip.AddrFrom16(b)
	if k.is4 {
		return a.Unmap()
	}
	return a
}

// String renders the key as "tcp 10.0.1.10:80 > 198.51.100.7:50000",
// "icmp 10.0.1.10 > 203.0.113.12 id 7" or "gre 10.0.0.1 > 10.0.0.2".
func (k Key) String() string {
	s := k.proto.String() + " "
	switch {
	case k.proto == TCP || k.proto == UDP:
		s += netip.AddrPortFrom(k.Src(), k.sport).String() + " > " + netip.AddrPortFrom(k.Dst(), k.dport).String()
	default:
		s += k.Src().String() + " > " + k.Dst().String()
		if k.proto.IsICMP() && k.sport != 0 {
			s += " id " + strconv.Itoa(int(k.sport))
		}
	}
	return s
}

// Hash returns a seeded 64-bit hash of k, for spreading keys over the
// shards of a table. Hash the [Key.Canonical] key to send both directions
// of a flow to the same place. A random seed keeps crafted floods from
// aiming at one shard. It does not allocate.
func (k Key) Hash(seed uint64) uint64 {
	h := seed ^ 0x9e3779b97f4a7c15
	h = mix(h, binary.LittleEndian.Uint64(k.src[0:8]))
	h = mix(h, binary.LittleEndian.Uint64(k.src[8:16]))
	h = mix(h, binary.LittleEndian.Uint64(k.dst[0:8]))
	h = mix(h, binary.LittleEndian.Uint64(k.dst[8:16]))
	w := uint64(k.sport) | uint64(k.dport)<<16 | uint64(k.proto)<<32
	if k.is4 {
		w |= 1 << 40
	}
	return mix(h, w)
}

// CanonicalHash returns k.Canonical() and the Hash(seed) of that
// canonical key, in one pass: the two addresses are compared as two
// big-endian words each instead of building the reversed key twice, and
// the words loaded for the comparison are the ones hashed, so it does
// less work than the two calls and does not allocate. From a packet,
// [Packet.CanonicalKeyHash] is faster still.
func (k Key) CanonicalHash(seed uint64) (c Key, same bool, h uint64) {
	s0, s1 := binary.BigEndian.Uint64(k.src[0:8]), binary.BigEndian.Uint64(k.src[8:16])
	d0, d1 := binary.BigEndian.Uint64(k.dst[0:8]), binary.BigEndian.Uint64(k.dst[8:16])
	// Canonical's order: source address bytes, then source port, against
	// the reverse key's (whose source is k's destination). Equal keys
	// (src == dst, sport == dport) count as canonical.
	same = s0 < d0 || s0 == d0 && (s1 < d1 || s1 == d1 && k.sport <= k.dport)
	c = k
	a0, a1, b0, b1 := s0, s1, d0, d1
	if !same {
		c.src, c.dst = k.dst, k.src
		c.sport, c.dport = k.dport, k.sport
		a0, a1, b0, b1 = d0, d1, s0, s1
	}
	// Hash reads the address words little-endian: byte-swapping the
	// big-endian words already loaded gives the same values.
	h = seed ^ 0x9e3779b97f4a7c15
	h = mix(h, bits.ReverseBytes64(a0))
	h = mix(h, bits.ReverseBytes64(a1))
	h = mix(h, bits.ReverseBytes64(b0))
	h = mix(h, bits.ReverseBytes64(b1))
	w := uint64(c.sport) | uint64(c.dport)<<16 | uint64(c.proto)<<32
	if c.is4 {
		w |= 1 << 40
	}
	return c, same, mix(h, w)
}

// CanonicalKeyHash sets *c to p.Key().Canonical() and returns whether
// that is p's own key and c.Hash(seed): the same three results as
// p.Key().CanonicalHash(seed), computed straight from the packet. It is
// the connection table's first step for every packet, and it does not
// allocate.
//
// The key is written through c rather than returned because the copies of
// a 40-byte value the compiler makes on the way cost more than the rest:
// loads that span two earlier stores defeat store-to-load forwarding.
// BenchmarkCanonicalHash compares this form with p.Key().CanonicalHash and
// with Canonical then Hash.
func (p *Packet) CanonicalKeyHash(seed uint64, c *Key) (same bool, h uint64) {
	s0, s1 := addrWords(p.Src)
	d0, d1 := addrWords(p.Dst)
	var sport, dport uint16
	switch {
	case p.Proto == TCP || p.Proto == UDP:
		sport, dport = p.SrcPort, p.DstPort
	case p.Proto == ICMP || p.Proto == ICMPv6:
		if _, ok := ICMPQuery(p.Proto, p.ICMPType); ok {
			sport, dport = p.ICMPID, p.ICMPID
		}
	}
	same = s0 < d0 || s0 == d0 && (s1 < d1 || s1 == d1 && sport <= dport)
	if !same {
		s0, s1, d0, d1 = d0, d1, s0, s1
		sport, dport = dport, sport
	}
	binary.BigEndian.PutUint64(c.src[0:8], s0)
	binary.BigEndian.PutUint64(c.src[8:16], s1)
	binary.BigEndian.PutUint64(c.dst[0:8], d0)
	binary.BigEndian.PutUint64(c.dst[8:16], d1)
	c.sport, c.dport, c.proto, c.is4, c.pad = sport, dport, p.Proto, p.Src.Is4(), [2]byte{}
	h = seed ^ 0x9e3779b97f4a7c15
	h = mix(h, bits.ReverseBytes64(s0))
	h = mix(h, bits.ReverseBytes64(s1))
	h = mix(h, bits.ReverseBytes64(d0))
	h = mix(h, bits.ReverseBytes64(d1))
	w := uint64(sport) | uint64(dport)<<16 | uint64(p.Proto)<<32
	if c.is4 {
		w |= 1 << 40
	}
	return same, mix(h, w)
}

// addrWords returns a's 16-byte form (As16) as two big-endian words. An
// IPv4 address is read with As4, whose 4 bytes load back without the stall
// that copying As16's array causes.
func addrWords(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		b := a.As4()
		return 0, 0xffff<<32 | uint64(binary.BigEndian.Uint32(b[:]))
	}
	b := a.As16()
	return binary.BigEndian.Uint64(b[0:8]), binary.BigEndian.Uint64(b[8:16])
}

// mix folds w into h with a 128-bit multiply, as wyhash does.
func mix(h, w uint64) uint64 {
	hi, lo := bits.Mul64(h^w, 0xa0761d6478bd642f)
	return hi ^ lo
}
