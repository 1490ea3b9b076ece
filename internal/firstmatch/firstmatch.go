// Package firstmatch answers "which is the first rule, in rule order,
// whose address ranges hold this address?" with one binary search, for the
// compiled rule sets of packages nacl and sg.
//
// [Cut] cuts the address space at the first address of every range and
// one past its last; within one interval of that cut every rule holds all
// addresses or none, so each interval can record the first rule that
// holds it. Ranges of prefixes are nested or disjoint, but Cut needs
// neither: it paints the intervals in rule order, each at most once,
// skipping painted ones through a "next unpainted interval" forest, so
// that building costs O(r log r) for r ranges, and the result has at most
// 2r+1 intervals.
//
// The cut is a sorted slice, not a trie: no pointers for the garbage
// collector, and the first match in rule order (what an ordered ACL or
// a declaration-ordered security-group report asks) is precomputed per
// interval rather than found among all matching prefixes at lookup time.
package firstmatch

import (
	"cmp"
	"slices"
)

// U128 is an address as an unsigned integer: IPv6 in full, IPv4 in Lo.
type U128 struct{ Hi, Lo uint64 }

// Less reports whether a < b.
func (a U128) Less(b U128) bool { return a.Hi < b.Hi || a.Hi == b.Hi && a.Lo < b.Lo }

// Compare returns -1, 0 or +1 as a is below, equal to or above b.
func (a U128) Compare(b U128) int {
	if c := cmp.Compare(a.Hi, b.Hi); c != 0 {
		return c
	}
	return cmp.Compare(a.Lo, b.Lo)
}

func (a U128) next() U128 {
	if a.Lo++; a.Lo == 0 {
		a.Hi++
	}
	return a
}

// Range is the addresses First..Last, inclusive.
type Range struct{ First, Last U128 }

// Top4 and Top6 are the last addresses of IPv4 and IPv6, the top
// argument of [Cut].
var (
	Top4 = U128{0, 1<<32 - 1}
	Top6 = U128{^uint64(0), ^uint64(0)}
)

// Cut returns the cut of the address space 0..top for rules 0..n-1, whose
// ranges ranges(i) returns: the interval starts (cuts[0] is 0, the rest
// ascending) and, for each interval, the first rule holding it or -1.
// Adjacent intervals with the same answer are merged.
func Cut(n int, top U128, ranges func(i int) []Range) (cuts []U128, first []int32) {
	all := []U128{{}}
	for i := range n {
		for _, r := range ranges(i) {
			all = append(all, r.First)
			if r.Last != top {
				all = append(all, r.Last.next())
			}
		}
	}
	slices.SortFunc(all, U128.Compare)
	all = slices.Compact(all)

	owner := make([]int32, len(all))
	for k := range owner {
		owner[k] = -1
	}
	// next[k] leads, through path-halved links, to the first unpainted
	// interval at or after k; len(all) stands for none.
	next := make([]int32, len(all)+1)
	for k := range next {
		next[k] = int32(k)
	}
	find := func(k int32) int32 {
		for next[k] != k {
			next[k] = next[next[k]]
			k = next[k]
		}
		return k
	}
	for i := range n {
		for _, r := range ranges(i) {
			a, _ := slices.BinarySearchFunc(all, r.First, U128.Compare)
			b := len(all) - 1 // the last interval r covers
			if r.Last != top {
				j, _ := slices.BinarySearchFunc(all, r.Last.next(), U128.Compare)
				b = j - 1
			}
			for k := find(int32(a)); int(k) <= b; k = find(k) {
				owner[k] = int32(i)
				next[k] = k + 1
			}
		}
	}
	for k, c := range all {
		if m := len(first); m > 0 && first[m-1] == owner[k] {
			continue
		}
		cuts = append(cuts, c)
		first = append(first, owner[k])
	}
	return cuts, first
}

// Cuts4 converts cuts of the IPv4 space to 32-bit values.
func Cuts4(cuts []U128) []uint32 {
	out := make([]uint32, len(cuts))
	for i, c := range cuts {
		out[i] = uint32(c.Lo)
	}
	return out
}

// The searches return the index of the last element of cuts at or below
// x; cuts is sorted, non-empty, and cuts[0] is the smallest value. They
// halve the range with arithmetic instead of a branch: the compiler makes
// an if into a branch, which real traffic mispredicts half the time.

// Search16 searches 16-bit cuts (ports, ICMP type and code).
func Search16(cuts []uint16, x uint16) int {
	base, n := 0, len(cuts)
	for n > 1 {
		half := n / 2
		d := int64(x) - int64(cuts[base+half]) // < 0 iff x is below the cut
		base += half &^ int(d>>63)
		n -= half
	}
	return base
}

// Search32 searches IPv4 cuts.
func Search32(cuts []uint32, x uint32) int {
	base, n := 0, len(cuts)
	for n > 1 {
		half := n / 2
		d := int64(x) - int64(cuts[base+half])
		base += half &^ int(d>>63)
		n -= half
	}
	return base
}

// Search128 searches IPv6 cuts.
func Search128(cuts []U128, x U128) int {
	base, n := 0, len(cuts)
	for n > 1 {
		half := n / 2
		if !x.Less(cuts[base+half]) {
			base += half
		}
		n -= half
	}
	return base
}
