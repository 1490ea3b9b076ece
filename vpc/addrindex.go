package vpc

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// addrIndex is the index every packet's addresses are looked up in: what
// each address of the VPC is (an interface's, an AWS service's). It is an
// open-addressing hash table over the addresses' 16-byte form, built once
// per configuration and read-only after. A Go map keyed by netip.Addr
// hashes the address's 24 bytes through the runtime's generic hasher; a
// multiply of its two halves is enough here, where the keys are a few
// hundred addresses chosen by the configuration, not by the traffic.
//
// Invariants: len(slots) is a power of two at least twice the number of
// keys, so a probe always meets an empty slot; a slot with fam 0 is empty.
// The zone of an address is not part of its key.
type addrIndex struct {
	// filter has bit k set when some key's low 12 bits are k: most
	// packets' addresses are in no index, and one bit test says so
	// without hashing.
	filter  [filterBits / 64]uint64
	slots   []addrSlot
	shift   uint8 // 64 - log2(len(slots))
	entries []addrEntry
}

const filterBits = 4096

type addrSlot struct {
	hi, lo uint64
	fam    uint8 // 4 or 6; 0: empty
	entry  int32 // index into entries
}

// addrKey returns the halves and family of a; fam is 0 for an invalid
// address.
func addrKey(a netip.Addr) (hi, lo uint64, fam uint8) {
	switch {
	case a.Is4():
		b := a.As4()
		return 0, uint64(binary.BigEndian.Uint32(b[:])), 4
	case a.Is6():
		b := a.As16()
		return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), 6
	}
	return 0, 0, 0
}

// home is the first slot of a key's probe sequence.
func (x *addrIndex) home(hi, lo uint64) uint64 {
	h := (hi*0x9e3779b97f4a7c15 ^ lo) * 0xbf58476d1ce4e5b9
	return h >> x.shift
}

// newAddrIndex indexes m.
func newAddrIndex(m map[netip.Addr]addrEntry) *addrIndex {
	n := 8
	for n < 2*len(m) {
		n *= 2
	}
	x := &addrIndex{slots: make([]addrSlot, n), shift: uint8(64 - bits.TrailingZeros(uint(n)))}
	mask := uint64(n - 1)
	for a, e := range m {
		hi, lo, fam := addrKey(a)
		if fam == 0 {
			continue
		}
		i := x.home(hi, lo)
		for x.slots[i].fam != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = addrSlot{hi: hi, lo: lo, fam: fam, entry: int32(len(x.entries))}
		k := lo % filterBits
		x.filter[k/64] |= 1 << (k % 64)
		x.entries = append(x.entries, e)
	}
	return x
}

// get returns the entry of a, and whether there is one. It does not
// allocate.
func (x *addrIndex) get(a netip.Addr) (addrEntry, bool) {
	hi, lo, fam := addrKey(a)
	if k := lo % filterBits; fam == 0 || x.filter[k/64]&(1<<(k%64)) == 0 {
		return addrEntry{}, false
	}
	mask := uint64(len(x.slots) - 1)
	for i := x.home(hi, lo); ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.fam == 0 {
			return addrEntry{}, false
		}
		if s.hi == hi && s.lo == lo && s.fam == fam {
			return x.entries[s.entry], true
		}
	}
}
