package pfsimtest

import (
	"encoding/binary"
	"net/netip"

	"pgregory.net/rapid"
)

// Addr draws IP addresses, leaning to the edges: the ends of each family,
// the AWS service addresses ([AWSServiceAddrs]), documentation and private
// hosts, their neighbours (one above, one below), and, with [In], the
// configuration's blocks, reserved addresses, interface addresses and the
// edges of its rules' prefixes. About a third of draws are uniform over the
// family. Heeds [In], [OnlyIPv4] and [OnlyIPv6]; IPv6 is about three draws
// in ten when both families are allowed.
func Addr(opts ...Option) *rapid.Generator[netip.Addr] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) netip.Addr {
		return drawAddr(t, p, drawFamily(t, o), "addr")
	})
}

// Prefix draws CIDR prefixes, leaning to the edges: /0 (the whole family),
// /32 and /128 (one host), prefixes around the addresses [Addr] leans to at
// the lengths where ranges split (/8, /16, /24, /25, /31; /32, /48, /56,
// /64, /127), and now and then a prefix with host bits set (10.0.1.5/24),
// which AWS accepts as its network. Heeds [In], [OnlyIPv4] and [OnlyIPv6].
func Prefix(opts ...Option) *rapid.Generator[netip.Prefix] {
	o := newOptions(opts)
	p := newPool(o)
	return rapid.Custom(func(t *rapid.T) netip.Prefix {
		return drawPrefix(t, p, drawFamily(t, o), "prefix")
	})
}

// Port draws ports, leaning to [EdgePorts] and, with [In], to the ends of
// the configuration's rules' port ranges, the ports just outside them and
// the ports its hosts listen on. Heeds [In].
func Port(opts ...Option) *rapid.Generator[uint16] {
	p := newPool(newOptions(opts))
	return rapid.Custom(func(t *rapid.T) uint16 { return drawPort(t, p, "port") })
}

// pick draws an index in 0..len(weights)-1, each with its weight's share.
// Shrinking leads to index 0, so the simplest choice goes first.
func pick(t *rapid.T, label string, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := rapid.IntRange(0, total-1).Draw(t, label)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// drawFamily draws 4 or 6 as the options allow; IPv4 is the likelier.
func drawFamily(t *rapid.T, o *options) int {
	if o.family != 0 {
		return o.family
	}
	if pick(t, "family", 7, 3) == 1 {
		return 6
	}
	return 4
}

// drawAddr draws an address of family fam.
func drawAddr(t *rapid.T, p *pool, fam int, label string) netip.Addr {
	switch pick(t, label+".kind", 45, 15, 40) {
	case 0:
		return rapid.SampledFrom(p.family(fam)).Draw(t, label+".edge")
	case 1:
		a := rapid.SampledFrom(p.family(fam)).Draw(t, label+".near")
		if rapid.Bool().Draw(t, label+".up") {
			if n := a.Next(); n.IsValid() {
				return n
			}
		} else if n := a.Prev(); n.IsValid() {
			return n
		}
		return a
	}
	return randomIn(t, wholeFamily(fam), label+".random")
}

// drawAddrIn draws an address of family fam inside one of within (nil: the
// whole family), leaning to the pool's addresses there, that ok accepts
// (nil accepts all). The caller makes sure some address of within is
// acceptable and not rare: draws that ok refuses are drawn again.
func drawAddrIn(t *rapid.T, p *pool, fam int, within []netip.Prefix, ok func(netip.Addr) bool, label string) netip.Addr {
	within = ofFamily(within, fam)
	if len(within) == 0 {
		within = []netip.Prefix{wholeFamily(fam)}
	}
	var near []netip.Addr
	for _, a := range p.family(fam) {
		if containedIn(within, a) && (ok == nil || ok(a)) {
			near = append(near, a)
		}
	}
	for try := 0; ; try++ {
		var a netip.Addr
		if len(near) > 0 && (try > 8 || pick(t, label+".kind", 6, 4) == 0) {
			a = rapid.SampledFrom(near).Draw(t, label+".edge")
		} else {
			q := rapid.SampledFrom(within).Draw(t, label+".prefix")
			a = randomIn(t, q, label+".random")
		}
		if ok == nil || ok(a) || try > 16 && len(near) == 0 {
			return a
		}
	}
}

// drawPrefix draws a prefix of family fam.
func drawPrefix(t *rapid.T, p *pool, fam int, label string) netip.Prefix {
	bitsLen := 32
	splits := []int{1, 8, 16, 24, 25, 28, 31}
	if fam == 6 {
		bitsLen = 128
		splits = []int{1, 16, 32, 48, 56, 64, 127}
	}
	switch pick(t, label+".kind", 10, 20, 45, 20, 5) {
	case 0:
		return wholeFamily(fam)
	case 1:
		a := rapid.SampledFrom(p.family(fam)).Draw(t, label+".host")
		return netip.PrefixFrom(a, bitsLen)
	case 2:
		a := rapid.SampledFrom(p.family(fam)).Draw(t, label+".around")
		bits := rapid.SampledFrom(splits).Draw(t, label+".bits")
		return netip.PrefixFrom(a, bits).Masked()
	case 3:
		a := randomIn(t, wholeFamily(fam), label+".random")
		bits := rapid.IntRange(0, bitsLen).Draw(t, label+".rbits")
		return netip.PrefixFrom(a, bits).Masked()
	}
	// Host bits set: AWS stores the network (NACL-5, IN-15).
	a := rapid.SampledFrom(p.family(fam)).Draw(t, label+".unmasked")
	bits := rapid.SampledFrom(splits).Draw(t, label+".ubits")
	return netip.PrefixFrom(a, bits)
}

// drawPort draws a port, leaning to the pool's.
func drawPort(t *rapid.T, p *pool, label string) uint16 {
	if pick(t, label+".kind", 6, 4) == 0 {
		return rapid.SampledFrom(p.ports).Draw(t, label+".edge")
	}
	return rapid.Uint16().Draw(t, label+".random")
}

// randomIn draws an address of q, its host bits uniform.
func randomIn(t *rapid.T, q netip.Prefix, label string) netip.Addr {
	q = q.Masked()
	if q.Addr().Is4() {
		if q.Bits() == 32 {
			return q.Addr()
		}
		b := q.Addr().As4()
		base := binary.BigEndian.Uint32(b[:])
		host := rapid.Uint32().Draw(t, label) & (1<<(32-q.Bits()) - 1)
		binary.BigEndian.PutUint32(b[:], base|host)
		return netip.AddrFrom4(b)
	}
	if q.Bits() == 128 {
		return q.Addr()
	}
	b := q.Addr().As16()
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	rhi := rapid.Uint64().Draw(t, label+".hi")
	rlo := rapid.Uint64().Draw(t, label+".lo")
	switch bits := q.Bits(); {
	case bits >= 64:
		lo |= rlo & (1<<(128-bits) - 1)
	default:
		hi |= rhi & (1<<(64-bits) - 1)
		lo = rlo
	}
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

// wholeFamily returns 0.0.0.0/0 or ::/0.
func wholeFamily(fam int) netip.Prefix {
	if fam == 6 {
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
}

// familyOf returns 4 or 6.
func familyOf(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

func ofFamily(ps []netip.Prefix, fam int) []netip.Prefix {
	var out []netip.Prefix
	for _, q := range ps {
		if familyOf(q.Addr()) == fam {
			out = append(out, q)
		}
	}
	return out
}

func containedIn(ps []netip.Prefix, a netip.Addr) bool {
	for _, q := range ps {
		if q.Contains(a) {
			return true
		}
	}
	return false
}
