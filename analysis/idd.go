package analysis

import (
	"encoding/binary"
)

// The header space is a product of six axes, in this order:
//
//	family   0 (IPv4) or 1 (IPv6)
//	src      the source address, on the family's axis (see addrKey)
//	dst      the destination address
//	proto    the IP protocol, 0..255
//	a        tcp, udp: the source port; icmp, icmpv6: the type; others: 0
//	b        tcp, udp: the destination port; icmp, icmpv6: the code; others: 0
//
// A set of packets is an interval decision diagram over these axes: a node
// of level L cuts its axis into intervals, each pointing to a node of level
// L+1 (the set of the remaining coordinates), or to nothing. Every axis is
// the whole u128 range; what is not a valid packet (an IPv4 address above
// 2^32, protocol 58 over IPv4, a port on gre, ...) simply never occurs in a
// set, because every set is built inside the universe of valid packets.
//
// Sets are kept canonical: no two adjacent intervals of a node point to
// equal sets, and no node points only to nothing (that node is nil). Two
// sets are equal exactly when their diagrams are equal, which eq decides
// structurally. Nodes are immutable once built, and shared freely.
const (
	lvFam = iota
	lvSrc
	lvDst
	lvProto
	lvA
	lvB
	nLevels
)

// edge is one interval of a node's axis: from lo up to the next edge's lo
// minus one (the last edge runs to the top of the axis).
type edge struct {
	lo  u128
	kid *node
}

// node is a set over the axes from its level down. nil is the empty set;
// leaf, below the last axis, is the set holding the empty tuple.
type node struct {
	e []edge
}

var leaf = &node{}

// edgeHi returns the last coordinate of edge i of n.
func (n *node) edgeHi(i int) u128 {
	if i+1 < len(n.e) {
		return n.e[i+1].lo.dec()
	}
	return max128
}

// eq reports whether x and y are the same set.
func eq(x, y *node) bool {
	if x == y {
		return true
	}
	if x == nil || y == nil || len(x.e) != len(y.e) {
		return false
	}
	for i := range x.e {
		if x.e[i].lo != y.e[i].lo {
			return false
		}
	}
	for i := range x.e {
		if !eq(x.e[i].kid, y.e[i].kid) {
			return false
		}
	}
	return true
}

// edges builds a node's edge list in order, merging an interval into the
// previous one when they point to the same set.
type edges struct{ e []edge }

func (b *edges) add(lo u128, kid *node) {
	if n := len(b.e); n > 0 && b.e[n-1].lo == lo {
		b.e = b.e[:n-1] // the interval is replaced
	}
	if n := len(b.e); n > 0 && eq(b.e[n-1].kid, kid) {
		return
	}
	b.e = append(b.e, edge{lo, kid})
}

// node returns the built node, or nil when every interval is empty.
func (b *edges) node() *node {
	if len(b.e) == 1 && b.e[0].kid == nil {
		return nil
	}
	return &node{e: b.e}
}

// op is a set operation.
type op uint8

const (
	opAnd op = iota
	opOr
	opMinus
	opXor
)

// apply computes x op y for two sets of the same level. Results of pairs
// of nodes are remembered, so shared parts are computed once.
type applier struct {
	op   op
	memo map[[2]*node]*node
}

func apply(o op, x, y *node) *node {
	a := applier{op: o, memo: map[[2]*node]*node{}}
	return a.run(x, y, 0)
}

func (a *applier) run(x, y *node, depth int) *node {
	switch a.op {
	case opAnd:
		if x == nil || y == nil {
			return nil
		}
		if x == y {
			return x
		}
	case opOr:
		if x == nil {
			return y
		}
		if y == nil || x == y {
			return x
		}
	case opMinus:
		if x == nil || x == y {
			return nil
		}
		if y == nil {
			return x
		}
	case opXor:
		if x == y {
			return nil
		}
		if x == nil {
			return y
		}
		if y == nil {
			return x
		}
	}
	if depth == nLevels {
		// Both are leaf: x == y was handled above, so this is unreachable
		// for a canonical diagram; answer as the boolean operation would.
		switch a.op {
		case opAnd, opOr:
			return leaf
		}
		return nil
	}
	key := [2]*node{x, y}
	if r, ok := a.memo[key]; ok {
		return r
	}
	var b edges
	b.e = make([]edge, 0, len(x.e)+len(y.e))
	i, j := 0, 0
	lo := zero128
	for {
		kid := a.run(x.e[i].kid, y.e[j].kid, depth+1)
		b.add(lo, kid)
		// The next cut is the nearer of the two next edges.
		ni, nj := i+1 < len(x.e), j+1 < len(y.e)
		switch {
		case !ni && !nj:
			r := b.node()
			a.memo[key] = r
			return r
		case ni && (!nj || x.e[i+1].lo.cmp(y.e[j+1].lo) <= 0):
			lo = x.e[i+1].lo
			if nj && y.e[j+1].lo == lo {
				j++
			}
			i++
		default:
			lo = y.e[j+1].lo
			j++
		}
	}
}

// box is one interval per axis: lo[L]..hi[L].
type box struct {
	lo, hi [nLevels]u128
}

// boxNode builds the set holding exactly the box, from level depth down.
func boxNode(b *box, depth int) *node {
	if depth == nLevels {
		return leaf
	}
	kid := boxNode(b, depth+1)
	var e edges
	if !b.lo[depth].less(zero128.inc()) { // lo > 0
		e.add(zero128, nil)
	}
	e.add(b.lo[depth], kid)
	if b.hi[depth] != max128 {
		e.add(b.hi[depth].inc(), nil)
	}
	return e.node()
}

// fromBoxes returns the union of boxes, combining them pairwise in a
// balanced way so that the cost grows with the size of the result, not
// with the number of boxes times it.
func fromBoxes(bs []box) *node {
	switch len(bs) {
	case 0:
		return nil
	case 1:
		return boxNode(&bs[0], 0)
	}
	m := len(bs) / 2
	return apply(opOr, fromBoxes(bs[:m]), fromBoxes(bs[m:]))
}

// walk calls f with every box of n, a partition of the set, in order of
// the axes; it stops when f returns false.
func walk(n *node, f func(*box) bool) {
	if n == nil {
		return
	}
	var b box
	walkFrom(n, 0, &b, f)
}

func walkFrom(n *node, depth int, b *box, f func(*box) bool) bool {
	if depth == nLevels {
		return f(b)
	}
	for i := range n.e {
		if n.e[i].kid == nil {
			continue
		}
		b.lo[depth], b.hi[depth] = n.e[i].lo, n.edgeHi(i)
		if !walkFrom(n.e[i].kid, depth+1, b, f) {
			return false
		}
	}
	return true
}

// contains reports whether the point is in n.
func contains(n *node, pt *[nLevels]u128) bool {
	for depth := 0; n != nil && depth < nLevels; depth++ {
		// Binary search for the last edge whose lo <= pt[depth].
		lo, hi := 0, len(n.e)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if pt[depth].less(n.e[mid].lo) {
				hi = mid - 1
			} else {
				lo = mid
			}
		}
		n = n.e[lo].kid
	}
	return n != nil
}

// size returns the number of points in n, as a float64 (an IPv6 space
// holds more than 2^64 packets; the count ranks spaces, nothing more).
func size(n *node) float64 {
	memo := map[*node]float64{}
	var rec func(n *node, depth int) float64
	rec = func(n *node, depth int) float64 {
		if n == nil {
			return 0
		}
		if depth == nLevels {
			return 1
		}
		if s, ok := memo[n]; ok {
			return s
		}
		s := 0.0
		for i := range n.e {
			if n.e[i].kid == nil {
				continue
			}
			w := n.edgeHi(i).sub(n.e[i].lo).float() + 1
			s += w * rec(n.e[i].kid, depth+1)
		}
		memo[n] = s
		return s
	}
	return rec(n, 0)
}

// interner makes nodes unique by content within one construction, so that
// equal sets built there are the same pointer and eq answers at once.
type interner struct {
	ids   map[*node]uint32
	nodes map[string]*node
	key   []byte
}

func newInterner() *interner {
	return &interner{ids: map[*node]uint32{nil: 0, leaf: 1}, nodes: map[string]*node{}}
}

// make returns the node of the edges, each of whose kids the interner
// made (or nil or leaf), merging adjacent equal kids.
func (in *interner) make(es []edge) *node {
	k := in.key[:0]
	var last *node
	n := 0
	for i, e := range es {
		if i > 0 && e.kid == last {
			continue
		}
		last = e.kid
		k = binary.BigEndian.AppendUint64(k, e.lo.hi)
		k = binary.BigEndian.AppendUint64(k, e.lo.lo)
		k = binary.BigEndian.AppendUint32(k, in.id(e.kid))
		n++
	}
	in.key = k
	if n == 1 && es[0].kid == nil {
		return nil
	}
	if x, ok := in.nodes[string(k)]; ok {
		return x
	}
	out := &node{e: make([]edge, 0, n)}
	last = nil
	for i, e := range es {
		if i > 0 && e.kid == last {
			continue
		}
		last = e.kid
		out.e = append(out.e, e)
	}
	in.nodes[string(k)] = out
	in.ids[out] = uint32(len(in.ids))
	return out
}

func (in *interner) id(n *node) uint32 {
	if id, ok := in.ids[n]; ok {
		return id
	}
	// A node the interner did not make: give it an id of its own.
	id := uint32(len(in.ids))
	in.ids[n] = id
	return id
}
