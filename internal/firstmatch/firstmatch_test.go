package firstmatch

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// brute is the plain answer: the first rule with a range holding x.
func brute(rules [][]Range, x U128) int32 {
	for i, rs := range rules {
		for _, r := range rs {
			if !x.Less(r.First) && !r.Last.Less(x) {
				return int32(i)
			}
		}
	}
	return -1
}

// TestCutMatchesBrute: random rules of one to three ranges (prefixes,
// arbitrary ranges, the whole space, single addresses at both ends) in a
// small space, so that ranges overlap and nest; every address of the
// space and its neighbours gets the brute-force answer, through the IPv4
// and the IPv6 search.
func TestCutMatchesBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const top = 255
	for round := range 300 {
		n := rng.IntN(12)
		rules := make([][]Range, n)
		for i := range rules {
			for range 1 + rng.IntN(3) {
				var r Range
				switch rng.IntN(4) {
				case 0: // a prefix
					bits := rng.IntN(9)
					size := uint64(1) << (8 - bits)
					lo := uint64(rng.IntN(256)) &^ (size - 1)
					r = Range{U128{0, lo}, U128{0, lo + size - 1}}
				case 1: // any range
					a, b := uint64(rng.IntN(256)), uint64(rng.IntN(256))
					r = Range{U128{0, min(a, b)}, U128{0, max(a, b)}}
				case 2: // the whole space
					r = Range{U128{}, U128{0, top}}
				case 3: // an end address
					a := uint64(rng.IntN(2) * top)
					r = Range{U128{0, a}, U128{0, a}}
				}
				rules[i] = append(rules[i], r)
			}
		}
		cuts, first := Cut(n, U128{0, top}, func(i int) []Range { return rules[i] })
		require.Equal(t, U128{}, cuts[0])
		require.Len(t, first, len(cuts))
		c4 := Cuts4(cuts)
		for x := uint64(0); x <= top; x++ {
			want := brute(rules, U128{0, x})
			require.Equal(t, want, first[Search32(c4, uint32(x))], "round %d x %d", round, x)
			require.Equal(t, want, first[Search128(cuts, U128{0, x})], "round %d x %d", round, x)
		}
	}
}

// TestCutTop: ranges ending at the family's last address, IPv4 and IPv6,
// need no cut past it (it would not fit in 32 bits).
func TestCutTop(t *testing.T) {
	rules := [][]Range{{{U128{0, 10}, Top4}}, {{U128{}, Top4}}}
	cuts, first := Cut(2, Top4, func(i int) []Range { return rules[i] })
	c4 := Cuts4(cuts)
	require.Equal(t, []uint32{0, 10}, c4)
	require.Equal(t, []int32{1, 0}, first)
	require.Equal(t, int32(0), first[Search32(c4, 1<<32-1)])

	rules6 := [][]Range{{{U128{1, 0}, Top6}}}
	cuts, first = Cut(1, Top6, func(i int) []Range { return rules6[i] })
	require.Equal(t, []U128{{}, {1, 0}}, cuts)
	require.Equal(t, int32(0), first[Search128(cuts, Top6)])
	require.Equal(t, int32(-1), first[Search128(cuts, U128{0, ^uint64(0)})])
}

// TestSearch16: every value against a sorted cut starting at 0.
func TestSearch16(t *testing.T) {
	cuts := []uint16{0, 1, 80, 81, 1024, 65535}
	for x := range 65536 {
		want := 0
		for i, c := range cuts {
			if int(c) <= x {
				want = i
			}
		}
		require.Equal(t, want, Search16(cuts, uint16(x)), "x %d", x)
	}
	require.Equal(t, 0, Search16([]uint16{0}, 7))
}
