package analysis

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/pfsim/pfsim/flow"
)

// Space is a set of packets: any set the filters can tell apart, exactly,
// with no sampling. A packet is what the filters read of it: the address
// family, the protocol, the source and destination addresses, for tcp and
// udp the source and destination ports, for icmp and icmpv6 the type and
// code. TCP flags and ICMP identifiers play no part: the rules of network
// ACLs and security groups never read them (NACL-13, SG-12).
//
// Only valid packets ([flow.Packet.Validate]) are in a Space: icmp travels
// over IPv4 and icmpv6 over IPv6 only, and IPv4-mapped IPv6 addresses
// (::ffff:0:0/96) are never a packet's.
//
// The zero Space is empty. Spaces are immutable values, safe to share and
// to use from several goroutines; every operation returns a new Space.
// Build them with [All], [Src], [Dst], [Proto], [DstPorts] and the others,
// or read them with [ParseSpace], and combine them with [Space.Intersect],
// [Space.Union] and [Space.Minus].
type Space struct {
	n *node
}

// All returns every valid packet, IPv4 and IPv6.
func All() Space { return Space{universe()} }

// None returns the empty space.
func None() Space { return Space{} }

// IsEmpty reports whether s holds no packet.
func (s Space) IsEmpty() bool { return s.n == nil }

// Union returns the packets in s or in t.
func (s Space) Union(t Space) Space { return Space{apply(opOr, s.n, t.n)} }

// Intersect returns the packets in both s and t.
func (s Space) Intersect(t Space) Space { return Space{apply(opAnd, s.n, t.n)} }

// Minus returns the packets in s that are not in t.
func (s Space) Minus(t Space) Space { return Space{apply(opMinus, s.n, t.n)} }

// Complement returns every valid packet that is not in s.
func (s Space) Complement() Space { return All().Minus(s) }

// Equal reports whether s and t hold the same packets.
func (s Space) Equal(t Space) bool { return eq(s.n, t.n) }

// Subset reports whether every packet of s is in t.
func (s Space) Subset(t Space) bool { return apply(opMinus, s.n, t.n) == nil }

// Overlaps reports whether some packet is in both s and t.
func (s Space) Overlaps(t Space) bool { return apply(opAnd, s.n, t.n) != nil }

// Contains reports whether p is in s. An invalid packet is in no Space.
func (s Space) Contains(p flow.Packet) bool {
	pt, ok := point(&p)
	return ok && contains(s.n, &pt)
}

// Size returns about how many packets s holds, counting every source
// port, address and so on as a distinct packet. Sizes run past 2^128, so
// it is a float64: it ranks spaces, it does not enumerate them.
func (s Space) Size() float64 { return size(s.n) }

// point returns p's coordinates; ok is false for an invalid packet.
func point(p *flow.Packet) (pt [nLevels]u128, ok bool) {
	if p.Validate() != nil {
		return pt, false
	}
	fs, src, ok1 := addrKey(p.Src)
	_, dst, ok2 := addrKey(p.Dst)
	if !ok1 || !ok2 {
		return pt, false
	}
	pt[lvFam] = u64(uint64(fs))
	pt[lvSrc], pt[lvDst] = src, dst
	pt[lvProto] = u64(uint64(p.Proto))
	switch {
	case p.Proto.HasPorts():
		pt[lvA], pt[lvB] = u64(uint64(p.SrcPort)), u64(uint64(p.DstPort))
	case p.Proto.IsICMP():
		pt[lvA], pt[lvB] = u64(uint64(p.ICMPType)), u64(uint64(p.ICMPCode))
	}
	return pt, true
}

// l4Kind is what the last two axes mean for a protocol in a family.
type l4Kind uint8

const (
	l4None    l4Kind = iota // no ports: both axes are 0
	l4Ports                 // tcp, udp: source and destination port
	l4ICMP                  // icmp (IPv4), icmpv6 (IPv6): type and code
	l4Invalid               // not a valid packet of the family
)

func kindOf(fam int, proto int) l4Kind {
	switch {
	case proto == int(flow.TCP) || proto == int(flow.UDP):
		return l4Ports
	case proto == int(flow.ICMP):
		if fam == 0 {
			return l4ICMP
		}
		return l4Invalid
	case proto == int(flow.ICMPv6):
		if fam == 1 {
			return l4ICMP
		}
		return l4Invalid
	}
	return l4None
}

// l4Max is the top of the two last axes for a kind.
func l4Max(k l4Kind) uint64 {
	switch k {
	case l4Ports:
		return 65535
	case l4ICMP:
		return 255
	}
	return 0
}

// protoRuns returns the protocol numbers of a family in runs of one kind:
// 0, 1, 2-5, 6, 7-16, 17, 18-57, 58, 59-255.
func protoRuns(fam int) [][3]int {
	var runs [][3]int // lo, hi, kind
	for p := 0; p < 256; p++ {
		k := int(kindOf(fam, p))
		if n := len(runs); n > 0 && runs[n-1][2] == k && k == int(l4None) {
			runs[n-1][1] = p
			continue
		}
		runs = append(runs, [3]int{p, p, k})
	}
	return runs
}

// fullBox returns the box of every coordinate: callers narrow some axes
// and intersect with the universe.
func fullBox() box {
	var b box
	for i := range nLevels {
		b.hi[i] = max128
	}
	return b
}

var universeOnce = sync.OnceValues(func() (*node, [2]*node) {
	var bs []box
	for fam := range 2 {
		for _, r := range protoRuns(fam) {
			k := l4Kind(r[2])
			if k == l4Invalid {
				continue
			}
			b := fullBox()
			b.lo[lvFam], b.hi[lvFam] = u64(uint64(fam)), u64(uint64(fam))
			b.hi[lvSrc], b.hi[lvDst] = addrMax[fam], addrMax[fam]
			b.lo[lvProto], b.hi[lvProto] = u64(uint64(r[0])), u64(uint64(r[1]))
			b.hi[lvA], b.hi[lvB] = u64(l4Max(k)), u64(l4Max(k))
			bs = append(bs, b)
		}
	}
	u := fromBoxes(bs)
	// The service part of each family: what lies below a source and a
	// destination address.
	var svc [2]*node
	for fam := range 2 {
		svc[fam] = u.e[fam].kid.e[0].kid.e[0].kid
	}
	return u, svc
})

// universe is the set of every valid packet.
func universe() *node {
	u, _ := universeOnce()
	return u
}

// allServices returns the service part (the axes from proto down) of
// every valid packet of a family.
func allServices(fam int) *node {
	_, s := universeOnce()
	return s[fam]
}

// within returns the valid packets of the box.
func within(bs ...box) Space {
	return Space{apply(opAnd, fromBoxes(bs), universe())}
}

// IPv4 returns every valid IPv4 packet.
func IPv4() Space {
	b := fullBox()
	b.hi[lvFam] = zero128
	return within(b)
}

// IPv6 returns every valid IPv6 packet.
func IPv6() Space {
	b := fullBox()
	b.lo[lvFam], b.hi[lvFam] = u64(1), u64(1)
	return within(b)
}

// Src returns the packets whose source address lies in one of the
// prefixes (host bits are ignored). No prefix: the empty space.
func Src(prefixes ...netip.Prefix) Space { return addrSpace(lvSrc, prefixes) }

// Dst returns the packets whose destination address lies in one of the
// prefixes (host bits are ignored).
func Dst(prefixes ...netip.Prefix) Space { return addrSpace(lvDst, prefixes) }

// SrcAddrs returns the packets from one of the addresses.
func SrcAddrs(addrs ...netip.Addr) Space { return Src(hosts(addrs)...) }

// DstAddrs returns the packets to one of the addresses.
func DstAddrs(addrs ...netip.Addr) Space { return Dst(hosts(addrs)...) }

func hosts(addrs []netip.Addr) []netip.Prefix {
	ps := make([]netip.Prefix, 0, len(addrs))
	for _, a := range addrs {
		if a.IsValid() {
			ps = append(ps, netip.PrefixFrom(a.WithZone(""), a.BitLen()))
		}
	}
	return ps
}

func addrSpace(level int, prefixes []netip.Prefix) Space {
	bs := make([]box, 0, len(prefixes))
	for _, p := range prefixes {
		fam, lo, hi, ok := prefixSpan(p)
		if !ok {
			continue
		}
		b := fullBox()
		b.lo[lvFam], b.hi[lvFam] = u64(uint64(fam)), u64(uint64(fam))
		b.lo[level], b.hi[level] = lo, hi
		bs = append(bs, b)
	}
	return within(bs...)
}

// Proto returns the packets of the protocols.
func Proto(protos ...flow.Proto) Space {
	bs := make([]box, 0, len(protos))
	for _, p := range protos {
		b := fullBox()
		b.lo[lvProto], b.hi[lvProto] = u64(uint64(p)), u64(uint64(p))
		bs = append(bs, b)
	}
	return within(bs...)
}

// SrcPorts returns the tcp and udp packets whose source port is from..to.
func SrcPorts(from, to uint16) Space { return portSpace(lvA, from, to) }

// DstPorts returns the tcp and udp packets whose destination port is
// from..to: the ports rules name.
func DstPorts(from, to uint16) Space { return portSpace(lvB, from, to) }

func portSpace(level int, from, to uint16) Space {
	if from > to {
		return None()
	}
	var bs []box
	for _, p := range [2]flow.Proto{flow.TCP, flow.UDP} {
		b := fullBox()
		b.lo[lvProto], b.hi[lvProto] = u64(uint64(p)), u64(uint64(p))
		b.lo[level], b.hi[level] = u64(uint64(from)), u64(uint64(to))
		bs = append(bs, b)
	}
	return within(bs...)
}

// ICMP returns the icmp (IPv4) and icmpv6 (IPv6) packets of a type and
// code; -1 means any, as in rules. typ -1 with a code means that code of
// every type.
func ICMP(typ, code int) Space {
	var bs []box
	for _, p := range [2]flow.Proto{flow.ICMP, flow.ICMPv6} {
		b := fullBox()
		b.lo[lvProto], b.hi[lvProto] = u64(uint64(p)), u64(uint64(p))
		if typ >= 0 {
			b.lo[lvA], b.hi[lvA] = u64(uint64(typ)), u64(uint64(typ))
		}
		if code >= 0 {
			b.lo[lvB], b.hi[lvB] = u64(uint64(code)), u64(uint64(code))
		}
		bs = append(bs, b)
	}
	return within(bs...)
}

// String lists the regions of s, one per line (see [Space.Regions]), or
// "nothing" for the empty space.
func (s Space) String() string {
	rs := s.Regions()
	if len(rs) == 0 {
		return "nothing"
	}
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(r.String())
	}
	return b.String()
}
