package nacl

import (
	"encoding/binary"
	"slices"

	"github.com/pfsim/pfsim/internal/firstmatch"
)

// The index of one direction and address family of a compiled ACL. It
// answers the question a first-match scan answers — the lowest-numbered
// rule that matches a packet's protocol, key (port or ICMP type and code,
// see packetKey) and peer address — in time that hardly grows with the
// number of rules:
//
//  1. The protocol picks a bucket: one per protocol some rule names,
//     holding that protocol's rules and the protocol -1 rules; bucket 0
//     holds the -1 rules alone, for every other protocol.
//  2. The bucket's rules that admit every key (protocol -1, all ports,
//     any ICMP type) form one list. For the others the key picks an
//     interval: the key space 0..65535 is cut at each such rule's lo and
//     hi+1, so within an interval each of them admits every key or none,
//     and the interval lists those that admit its keys, in number order.
//     Equal lists are stored once. Keeping the all-keys rules apart keeps
//     a blocklist of -1 rules from being copied into every interval.
//  3. The peer address picks the answer in each of the two lists, and the
//     lower rule index of the two wins. A short list is scanned. A long
//     one has its own cut of the address space: at every rule's first
//     address and one past its last, and each address interval records the
//     first rule of the list whose CIDR holds it, or none.
//
// A lookup is thus a table read and at most three binary searches over
// sorted slices (no pointers to chase, nothing to allocate); the scan
// stays the answer for short lists, where it is cheaper than a search.
// The address cut is package firstmatch's.
//
// The structures are plain sorted slices rather than a prefix trie such as
// github.com/gaissmai/bart, because the question is not the longest
// matching prefix but the first matching rule in number order, among rules
// that also test ports: a trie would need a pass over every matching
// prefix, or precomputed per-prefix minimums under each port interval,
// which is what the address cut already is, without a dependency and with
// no pointers for the garbage collector to follow.
type index[A uint32 | u128] struct {
	bucketOf [256]uint16 // protocol -> bucket
	buckets  []keyCut
	lists    []ruleList[A]
}

// keyCut is a bucket: all is the list of its rules that admit every key
// (-1 when there are none), and interval k of its cut of the key space
// holds the keys cuts[k]..cuts[k+1]-1 (the last up to 65535), whose other
// rules are lists[list[k]] (-1: none). cuts[0] is 0.
type keyCut struct {
	all  int32
	cuts []uint16
	list []int32
}

// ruleList is the rules of one key interval, as indexes into the
// family's rules in number order. When first is set, cuts cut the address
// space (cuts[0] is 0) and first[k] is the first rule whose CIDR holds the
// addresses cuts[k]..cuts[k+1]-1, or -1.
type ruleList[A uint32 | u128] struct {
	rules []int32
	cuts  []A
	first []int32
}

// u128 is an IPv6 address (or a lowered IPv4 one) as an integer.
type u128 = firstmatch.U128

// Tuning. A scan passes a rule in a fraction of the time a branch-free
// binary search takes per halving, so short lists are scanned and long
// ones searched; the thresholds are where BenchmarkEvaluate's two forms
// cross, and they keep an ACL within AWS's default quota (20 rules per
// direction and family, NACL-32) on the plain scan. They are variables so
// that tests can force every code path.
var (
	// indexMin: a family with fewer rules than this is scanned.
	indexMin = 24
	// addrCutMin: a key interval's list with more rules than this gets
	// an address cut; shorter lists are scanned.
	addrCutMin = 16
	// indexBudget bounds the rule references the key intervals' lists
	// may hold, per rule of the family (plus a constant). Nested port
	// ranges can make the lists grow with the square of the rules; past
	// the budget a bucket keeps one interval, scanned with full checks.
	indexBudget = 64
)

// spec is what the index builder needs of a rule: its protocol (anyProto
// for -1), key interval and address range, IPv4 in the low 32 bits.
type spec struct {
	proto  uint16
	lo, hi uint16
	addrs  firstmatch.Range
}

func specs4(rs []rule4) []spec {
	out := make([]spec, len(rs))
	for i, r := range rs {
		out[i] = spec{proto: r.proto, lo: r.lo, hi: r.hi,
			addrs: firstmatch.Range{First: u128{Lo: uint64(r.addr)}, Last: u128{Lo: uint64(r.addr | ^r.mask)}}}
	}
	return out
}

func specs6(rs []rule6) []spec {
	out := make([]spec, len(rs))
	for i, r := range rs {
		out[i] = spec{proto: r.proto, lo: r.lo, hi: r.hi,
			addrs: firstmatch.Range{First: u128{Hi: r.addrHi, Lo: r.addrLo}, Last: u128{Hi: r.addrHi | ^r.maskHi, Lo: r.addrLo | ^r.maskLo}}}
	}
	return out
}

// buildIndex builds the index of one family's rules (in number order), or
// returns nil when there are too few for an index to pay. top is the
// family's last address, conv turns address cuts into the family's type.
func buildIndex[A uint32 | u128](rules []spec, top u128, conv func([]u128) []A) *index[A] {
	if len(rules) < indexMin {
		return nil
	}
	x := &index[A]{}
	seen := map[string]int32{} // list contents -> index into x.lists
	budget := indexBudget*len(rules) + 1024

	var protos []uint16
	for _, r := range rules {
		if r.proto != anyProto && !slices.Contains(protos, r.proto) {
			protos = append(protos, r.proto)
		}
	}
	slices.Sort(protos)
	x.buckets = make([]keyCut, 0, 1+len(protos))
	x.buckets = append(x.buckets, x.cutKeys(rules, anyProto, seen, &budget, top, conv))
	for _, p := range protos {
		x.bucketOf[p] = uint16(len(x.buckets))
		x.buckets = append(x.buckets, x.cutKeys(rules, p, seen, &budget, top, conv))
	}
	return x
}

// cutKeys builds the bucket of protocol proto (anyProto: the bucket of
// the -1 rules alone).
func (x *index[A]) cutKeys(rules []spec, proto uint16, seen map[string]int32, budget *int, top u128, conv func([]u128) []A) keyCut {
	var all, partial []int32
	cuts := []uint16{0}
	for i, r := range rules {
		switch {
		case r.proto != anyProto && r.proto != proto:
		case r.lo == 0 && r.hi == 0xffff:
			all = append(all, int32(i))
		default:
			partial = append(partial, int32(i))
			cuts = append(cuts, r.lo)
			if r.hi < 0xffff {
				cuts = append(cuts, r.hi+1)
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	lists := make([][]int32, len(cuts))
	total := 0
	exact := true // every rule of an interval's list admits all its keys
	for k, c := range cuts {
		for _, i := range partial {
			if r := &rules[i]; r.lo <= c && c <= r.hi {
				lists[k] = append(lists[k], i)
			}
		}
		total += len(lists[k])
		if total > *budget {
			// Too many references (nested port ranges): one interval
			// with every partial rule, scanned with full checks.
			cuts, lists, exact = cuts[:1], [][]int32{partial}, false
			total = len(partial)
			break
		}
	}
	*budget -= total

	kc := keyCut{all: x.intern(all, true, rules, seen, top, conv)}
	for k := range cuts {
		id := x.intern(lists[k], exact, rules, seen, top, conv)
		if n := len(kc.list); n > 0 && kc.list[n-1] == id {
			continue // same rules as the interval before: merge
		}
		kc.cuts = append(kc.cuts, cuts[k])
		kc.list = append(kc.list, id)
	}
	return kc
}

// intern returns the index of the list holding rules, adding it when it
// is new. An exact list (each of its rules admits every key of the
// interval) that is long gets an address cut; a list that is not exact
// is only ever scanned.
func (x *index[A]) intern(list []int32, exact bool, rules []spec, seen map[string]int32, top u128, conv func([]u128) []A) int32 {
	if len(list) == 0 {
		return -1
	}
	b := make([]byte, 1+4*len(list))
	if exact {
		b[0] = 1
	}
	for i, r := range list {
		binary.LittleEndian.PutUint32(b[1+4*i:], uint32(r))
	}
	if id, ok := seen[string(b)]; ok {
		return id
	}
	l := ruleList[A]{rules: list}
	if exact && len(list) > addrCutMin {
		cuts, first := firstmatch.Cut(len(list), top, func(i int) []firstmatch.Range {
			return []firstmatch.Range{rules[list[i]].addrs}
		})
		for k, f := range first {
			if f >= 0 {
				first[k] = list[f] // position in the list -> rule index
			}
		}
		l.cuts, l.first = conv(cuts), first
	}
	id := int32(len(x.lists))
	x.lists = append(x.lists, l)
	seen[string(b)] = id
	return id
}

// lookup4 returns the index of the first rule of rs matching an IPv4 peer
// addr, protocol proto and key, or -1; x is rs's index.
func lookup4(x *index[uint32], rs []rule4, addr uint32, proto uint8, key uint16) int {
	b := &x.buckets[x.bucketOf[proto]]
	first := -1
	if b.all >= 0 {
		first = find4(&x.lists[b.all], rs, addr, proto, key)
	}
	if l := b.list[firstmatch.Search16(b.cuts, key)]; l >= 0 {
		if i := find4(&x.lists[l], rs, addr, proto, key); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// find4 returns the first rule of list l matching, or -1.
func find4(l *ruleList[uint32], rs []rule4, addr uint32, proto uint8, key uint16) int {
	if l.first != nil {
		return int(l.first[firstmatch.Search32(l.cuts, addr)])
	}
	p := uint16(proto)
	for _, i := range l.rules {
		r := &rs[i]
		if addr&r.mask == r.addr && (r.proto == anyProto || r.proto == p) && key >= r.lo && key <= r.hi {
			return int(i)
		}
	}
	return -1
}

// lookup6 is lookup4 for an IPv6 peer hi:lo.
func lookup6(x *index[u128], rs []rule6, hi, lo uint64, proto uint8, key uint16) int {
	b := &x.buckets[x.bucketOf[proto]]
	first := -1
	if b.all >= 0 {
		first = find6(&x.lists[b.all], rs, hi, lo, proto, key)
	}
	if l := b.list[firstmatch.Search16(b.cuts, key)]; l >= 0 {
		if i := find6(&x.lists[l], rs, hi, lo, proto, key); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// find6 is find4 for an IPv6 peer hi:lo.
func find6(l *ruleList[u128], rs []rule6, hi, lo uint64, proto uint8, key uint16) int {
	if l.first != nil {
		return int(l.first[firstmatch.Search128(l.cuts, u128{Hi: hi, Lo: lo})])
	}
	p := uint16(proto)
	for _, i := range l.rules {
		r := &rs[i]
		if hi&r.maskHi == r.addrHi && lo&r.maskLo == r.addrLo &&
			(r.proto == anyProto || r.proto == p) && key >= r.lo && key <= r.hi {
			return int(i)
		}
	}
	return -1
}
