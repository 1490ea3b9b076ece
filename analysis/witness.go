package analysis

import (
	"net/netip"

	"github.com/pfsim/pfsim/flow"
)

// Witnesses are concrete packets picked from a space. Any packet of the
// space would prove the point; pfsim picks one a person reads easily: a
// documentation address (198.51.100.7, 2001:db8::7) or the interface's own
// where the space has it, a round address otherwise (10.0.1.10 rather than
// 10.0.1.0), tcp before udp before icmp, a client port of 50000, a
// well-known destination port, an echo request.

// hints are the values a witness prefers, per axis, best first.
type hints struct {
	src, dst [2][]u128 // per family
	// sports and dports, when set, replace the preferred tcp and udp
	// source and destination ports: a reply's come from a service's port
	// and go to a client's.
	sports, dports []u128
}

var docAddrs = []netip.Addr{
	netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("192.0.2.10"),
	netip.MustParseAddr("2001:db8::7"), netip.MustParseAddr("2001:db8:1::7"),
}

// prefer adds addresses to the preferred ones of an axis (lvSrc or lvDst),
// ahead of those already there when first is set.
func (h *hints) prefer(level int, first bool, addrs ...netip.Addr) {
	for _, a := range addrs {
		fam, k, ok := addrKey(a)
		if !ok {
			continue
		}
		list := &h.src[fam]
		if level == lvDst {
			list = &h.dst[fam]
		}
		if first {
			*list = append([]u128{k}, *list...)
		} else {
			*list = append(*list, k)
		}
	}
}

func defaultHints() *hints {
	h := &hints{}
	h.prefer(lvSrc, false, docAddrs...)
	// A destination other than the source, where the space allows.
	h.prefer(lvDst, false, docAddrs[1], docAddrs[0], docAddrs[2], docAddrs[4], docAddrs[3])
	return h
}

var (
	protoPrefs = []uint64{6, 17, 1, 58, 47, 50}
	// clientPorts are the preferred ports of a client: inside the Linux
	// and the Windows ranges both, then inside one of them.
	clientPorts = []uint64{50000, 55000, 40000, 60000, 33000, 49152, 32768, 30000, 1024}
	sportPrefs  = []uint64{50000, 40000, 60000, 33000, 1024, 65535}
	dportPrefs  = []uint64{443, 80, 22, 53, 8080, 3389, 1024, 50000, 33000}
	typePrefs   = [2][]uint64{{8, 0, 3, 11}, {128, 129, 1, 2, 3}}
)

// pickPoint descends n choosing, on each axis, the first preferred value
// the set has there, or a round value of its first interval. Every
// interval a canonical set points from leads to a packet, so the descent
// never fails on a non-empty set.
func pickPoint(n *node, h *hints) (pt [nLevels]u128, ok bool) {
	if n == nil {
		return pt, false
	}
	if h == nil {
		h = defaultHints()
	}
	fam, kind := 0, l4None
	for depth := 0; depth < nLevels; depth++ {
		var prefs []u128
		switch depth {
		case lvFam:
			prefs = []u128{zero128, u64(1)}
		case lvSrc:
			prefs = h.src[fam]
		case lvDst:
			prefs = h.dst[fam]
		case lvProto:
			prefs = u64s(protoPrefs)
		case lvA:
			switch kind {
			case l4Ports:
				prefs = u64s(sportPrefs)
				if h.sports != nil {
					prefs = h.sports
				}
			case l4ICMP:
				prefs = u64s(typePrefs[fam])
			}
		case lvB:
			if kind == l4Ports {
				prefs = u64s(dportPrefs)
				if h.dports != nil {
					prefs = h.dports
				}
			}
		}
		v, kid := choose(n, prefs, depth)
		pt[depth] = v
		switch depth {
		case lvFam:
			fam = v.small()
		case lvProto:
			kind = kindOf(fam, v.small())
		}
		n = kid
	}
	return pt, true
}

func u64s(vs []uint64) []u128 {
	out := make([]u128, len(vs))
	for i, v := range vs {
		out[i] = u64(v)
	}
	return out
}

// choose picks a value of n's axis that the set has, and the set below it.
func choose(n *node, prefs []u128, depth int) (u128, *node) {
	for _, v := range prefs {
		if kid := find(n, v); kid != nil {
			return v, kid
		}
	}
	for i := range n.e {
		if n.e[i].kid != nil {
			lo, hi := n.e[i].lo, n.edgeHi(i)
			return round(lo, hi, depth), n.e[i].kid
		}
	}
	return zero128, nil // not reached: n is not empty
}

// find returns the set below value v of n's axis.
func find(n *node, v u128) *node {
	lo, hi := 0, len(n.e)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if v.less(n.e[mid].lo) {
			hi = mid - 1
		} else {
			lo = mid
		}
	}
	return n.e[lo].kid
}

// round picks a readable value of lo..hi: for an address whose interval
// starts at a round number (a subnet's base), the tenth after it; the
// first value otherwise.
func round(lo, hi u128, depth int) u128 {
	if (depth == lvSrc || depth == lvDst) && lo.lo&0xff == 0 {
		if v := lo.add(u64(10)); !hi.less(v) {
			return v
		}
		if v := lo.inc(); !hi.less(v) {
			return v
		}
	}
	return lo
}

// packetAt turns a point of the header space into a packet: a tcp packet
// is a SYN, the start of a new flow.
func packetAt(pt *[nLevels]u128) flow.Packet {
	fam := pt[lvFam].small()
	p := flow.Packet{
		Proto: flow.Proto(pt[lvProto].lo),
		Src:   keyAddr(fam, pt[lvSrc]),
		Dst:   keyAddr(fam, pt[lvDst]),
	}
	switch kindOf(fam, int(p.Proto)) {
	case l4Ports:
		p.SrcPort, p.DstPort = uint16(pt[lvA].lo), uint16(pt[lvB].lo)
		if p.Proto == flow.TCP {
			p.Flags = flow.SYN
		}
	case l4ICMP:
		p.ICMPType, p.ICMPCode = uint8(pt[lvA].lo), uint8(pt[lvB].lo)
	}
	return p
}

// Witness returns a packet of s, picked to be easy to read, and false when
// s is empty: the proof that no packet exists.
func (s Space) Witness() (flow.Packet, bool) { return s.witness(nil) }

func (s Space) witness(h *hints) (flow.Packet, bool) {
	pt, ok := pickPoint(s.n, h)
	if !ok {
		return flow.Packet{}, false
	}
	return packetAt(&pt), true
}
