package analysis

import (
	"math"
	"math/bits"
	"net/netip"
)

// u128 is an unsigned 128-bit integer: a coordinate on any axis of the
// header space (an address, a protocol, a port).
type u128 struct{ hi, lo uint64 }

var (
	zero128 = u128{}
	max128  = u128{math.MaxUint64, math.MaxUint64}
)

func u64(v uint64) u128 { return u128{0, v} }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

// inc returns a+1; it wraps at the top, which callers check for.
func (a u128) inc() u128 {
	lo, c := bits.Add64(a.lo, 1, 0)
	return u128{a.hi + c, lo}
}

// dec returns a-1; it wraps at zero, which callers check for.
func (a u128) dec() u128 {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return u128{a.hi - b, lo}
}

func (a u128) add(b u128) u128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	return u128{a.hi + b.hi + c, lo}
}

func (a u128) sub(b u128) u128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	return u128{a.hi - b.hi - c, lo}
}

// float returns a as a float64, rounded.
func (a u128) float() float64 { return float64(a.hi)*(1<<64) + float64(a.lo) }

// small returns a as an int; a is known to be below 2^31.
func (a u128) small() int { return int(a.lo) }

func minU(a, b u128) u128 {
	if a.less(b) {
		return a
	}
	return b
}

func maxU(a, b u128) u128 {
	if a.less(b) {
		return b
	}
	return a
}

// Address axes. An IPv4 address is its 32-bit value. An IPv6 address is
// its 128-bit value with the block of IPv4-mapped addresses
// (::ffff:0:0/96) cut out: those are not valid packet addresses
// ([flow.Packet.Validate]), and cutting them out, rather than leaving a
// hole, keeps ::/0 one interval of the axis. Addresses above the block
// move down by its size, 2^32.
var (
	mappedLo = u128{0, 0x0000_ffff_0000_0000}
	mappedHi = u128{0, 0x0000_ffff_ffff_ffff}
	mapped   = u128{0, 1 << 32}
	// addrMax is the top of each family's axis.
	addrMax = [2]u128{u64(math.MaxUint32), max128.sub(mapped)}
)

// addrKey returns a's family (0 IPv4, 1 IPv6) and its place on that
// family's axis; ok is false for an invalid or IPv4-mapped address.
func addrKey(a netip.Addr) (fam int, k u128, ok bool) {
	switch {
	case a.Is4():
		b := a.As4()
		return 0, u64(uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])), true
	case a.Is6():
		if a.Is4In6() {
			return 1, u128{}, false
		}
		v := raw6(a)
		if mappedHi.less(v) {
			v = v.sub(mapped)
		}
		return 1, v, true
	}
	return 0, u128{}, false
}

func raw6(a netip.Addr) u128 {
	b := a.As16()
	var v u128
	for i := range 8 {
		v.hi = v.hi<<8 | uint64(b[i])
		v.lo = v.lo<<8 | uint64(b[8+i])
	}
	return v
}

func fromRaw6(v u128) netip.Addr {
	var b [16]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte(v.hi)
		b[8+i] = byte(v.lo)
		v.hi >>= 8
		v.lo >>= 8
	}
	return netip.AddrFrom16(b)
}

// keyAddr is the inverse of addrKey.
func keyAddr(fam int, k u128) netip.Addr {
	if fam == 0 {
		v := uint32(k.lo)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	if !k.less(mappedLo) {
		k = k.add(mapped)
	}
	return fromRaw6(k)
}

// prefixSpan returns the interval of p's family axis that p covers, host
// bits ignored (as AWS and the evaluators do); ok is false for an invalid
// prefix or one inside ::ffff:0:0/96, which covers no valid address.
func prefixSpan(p netip.Prefix) (fam int, lo, hi u128, ok bool) {
	if !p.IsValid() {
		return 0, u128{}, u128{}, false
	}
	p = p.Masked()
	a := p.Addr()
	if a.Is4() {
		_, lo, _ = addrKey(a)
		size := uint64(1) << (32 - p.Bits())
		return 0, lo, u64(lo.lo + size - 1), true
	}
	rlo := raw6(a)
	host := 128 - p.Bits()
	var mask u128
	switch {
	case host == 128:
		mask = max128
	case host >= 64:
		mask = u128{1<<(host-64) - 1, math.MaxUint64}
	default:
		mask = u128{0, 1<<host - 1}
	}
	rhi := u128{rlo.hi | mask.hi, rlo.lo | mask.lo}
	// Squeeze the mapped block out of [rlo, rhi].
	lo, hi = rlo, rhi
	switch {
	case rhi.less(mappedLo):
	case mappedHi.less(rlo):
		lo, hi = rlo.sub(mapped), rhi.sub(mapped)
	default: // overlaps the block
		if !rlo.less(mappedLo) {
			lo = mappedLo // the first address after the block
		}
		if !mappedHi.less(rhi) {
			if rlo.cmp(mappedLo) >= 0 {
				return 1, u128{}, u128{}, false // inside the block
			}
			hi = mappedLo.dec()
		} else {
			hi = rhi.sub(mapped)
		}
	}
	return 1, lo, hi, true
}
