package analysis

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
)

// AddrRange is an inclusive range of addresses of one family.
type AddrRange struct {
	From, To netip.Addr
}

// Prefixes returns the fewest prefixes that cover exactly the valid
// addresses of r (IPv4-mapped IPv6 addresses are never a packet's, so a
// range that reaches ::ffff:0:0/96 may cover it too when that takes fewer
// prefixes).
func (r AddrRange) Prefixes() []netip.Prefix {
	if !r.From.IsValid() || !r.To.IsValid() || r.From.Is4() != r.To.Is4() || r.To.Less(r.From) {
		return nil
	}
	if r.From.Is4() {
		_, lo, _ := addrKey(r.From)
		_, hi, _ := addrKey(r.To)
		return rangePrefixes(lo, hi, 32, func(v u128) netip.Addr { return keyAddr(0, v) })
	}
	lo, hi := raw6(r.From), raw6(r.To)
	// Take the mapped block in when the range touches it.
	if lo == mappedHi.inc() {
		lo = mappedLo
	}
	if hi == mappedLo.dec() {
		hi = mappedHi
	}
	var out []netip.Prefix
	for _, p := range rangePrefixes(lo, hi, 128, fromRaw6) {
		if p.Bits() >= 96 && p.Addr().Is4In6() {
			continue // inside the block: no valid address
		}
		out = append(out, p)
	}
	return out
}

// rangePrefixes splits lo..hi into aligned blocks, largest first.
func rangePrefixes(lo, hi u128, width int, addr func(u128) netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for !hi.less(lo) {
		// The largest k such that lo is a multiple of 2^k and lo+2^k-1 <= hi.
		k := 0
		for k < width {
			next := k + 1
			if !aligned(lo, next) {
				break
			}
			end := lo.add(pow2m1(next))
			if hi.less(end) || end.less(lo) {
				break
			}
			k = next
		}
		out = append(out, netip.PrefixFrom(addr(lo), width-k))
		end := lo.add(pow2m1(k))
		if end == max128 || (width == 32 && end.lo == 0xffffffff) {
			break
		}
		lo = end.inc()
	}
	return out
}

func aligned(v u128, k int) bool {
	m := pow2m1(k)
	return v.hi&m.hi == 0 && v.lo&m.lo == 0
}

// pow2m1 returns 2^k - 1.
func pow2m1(k int) u128 {
	switch {
	case k >= 128:
		return max128
	case k >= 64:
		return u128{1<<(k-64) - 1, ^uint64(0)}
	}
	return u128{0, 1<<k - 1}
}

// String returns the range as a prefix when it is one ("10.0.0.0/16"), as
// up to four prefixes joined by commas, or as "FROM-TO".
func (r AddrRange) String() string {
	ps := r.Prefixes()
	switch {
	case len(ps) == 0:
		return r.From.String() + "-" + r.To.String()
	case len(ps) <= 4:
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.String()
		}
		return strings.Join(s, ",")
	}
	return r.From.String() + "-" + r.To.String()
}

// MarshalText returns String's text.
func (r AddrRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Region is a part of a space that reads as one line: a block of source
// and of destination addresses, and the services (protocols, ports, ICMP
// types) all of whose packets between those addresses are in the space.
// Packet is one of them.
type Region struct {
	// Family is 4 or 6.
	Family int `json:"family"`
	// Src and Dst are the source and destination addresses.
	Src AddrRange `json:"src"`
	Dst AddrRange `json:"dst"`
	// Services lists the services, as "tcp 80, 443", "udp 53",
	// "icmp type 8", "gre", "protocols 2-5", or is ["all"], possibly with
	// exceptions in Except.
	Services []string `json:"services"`
	// Except lists what "all" leaves out: "all except tcp 22".
	Except []string `json:"except,omitempty"`
	// Packet is a packet of the region, picked to be easy to read.
	Packet flow.Packet `json:"packet"`

	src, dst [2]u128
	svc      *node
}

// Space returns the region's packets.
func (r Region) Space() Space {
	if r.svc == nil {
		return None()
	}
	fam := 0
	if r.Family == 6 {
		fam = 1
	}
	srcN := span(r.src[0], r.src[1], span(r.dst[0], r.dst[1], r.svc))
	var e edges
	if fam == 1 {
		e.add(zero128, nil)
	}
	e.add(u64(uint64(fam)), srcN)
	e.add(u64(uint64(fam)+1), nil)
	return Space{e.node()}
}

// span returns the node whose axis holds lo..hi, each pointing to kid.
func span(lo, hi u128, kid *node) *node {
	var e edges
	if lo != zero128 {
		e.add(zero128, nil)
	}
	e.add(lo, kid)
	if hi != max128 {
		e.add(hi.inc(), nil)
	}
	return e.node()
}

// ServiceText returns the services as one phrase: "tcp 80, 443; udp 53",
// "all traffic", "all traffic except tcp 22".
func (r Region) ServiceText() string {
	return serviceText(r.Services, r.Except)
}

func serviceText(items, except []string) string {
	if len(items) == 1 && items[0] == "all" {
		if len(except) > 0 {
			return "all traffic except " + strings.Join(except, "; ")
		}
		return "all traffic"
	}
	return strings.Join(items, "; ")
}

// String reads "tcp 443 from 0.0.0.0/0 to 10.0.1.10".
func (r Region) String() string {
	return r.ServiceText() + " from " + r.Src.String() + " to " + r.Dst.String()
}

// Regions splits s into regions: each a block of source addresses, a block
// of destination addresses, and the services between them. They are
// disjoint, ordered by family, source, destination, and together they are
// s. Each carries a witness packet.
func (s Space) Regions() []Region { return s.regions(nil) }

func (s Space) regions(h *hints) []Region {
	var out []Region
	if s.n == nil {
		return nil
	}
	for fi := range s.n.e {
		famN := s.n.e[fi].kid
		if famN == nil {
			continue
		}
		fam := s.n.e[fi].lo.small()
		for si := range famN.e {
			dstN := famN.e[si].kid
			if dstN == nil {
				continue
			}
			for di := range dstN.e {
				svc := dstN.e[di].kid
				if svc == nil {
					continue
				}
				r := Region{
					Family: 4 + 2*fam,
					src:    [2]u128{famN.e[si].lo, famN.edgeHi(si)},
					dst:    [2]u128{dstN.e[di].lo, dstN.edgeHi(di)},
					svc:    svc,
				}
				r.Src = AddrRange{keyAddr(fam, r.src[0]), keyAddr(fam, r.src[1])}
				r.Dst = AddrRange{keyAddr(fam, r.dst[0]), keyAddr(fam, r.dst[1])}
				r.Services, r.Except = describeServices(fam, svc)
				r.Packet, _ = r.Space().witness(h)
				out = append(out, r)
			}
		}
	}
	return out
}

// describeServices words a service set (a node of the proto axis) of a
// family: the list of its services, or "all" and the list of those it
// lacks, whichever is shorter.
func describeServices(fam int, svc *node) (items, except []string) {
	all := allServices(fam)
	if eq(svc, all) {
		return []string{"all"}, nil
	}
	items = serviceItems(fam, svc)
	missing := applyAt(opMinus, all, svc, lvProto)
	if rest := serviceItems(fam, missing); len(rest) < len(items) {
		return []string{"all"}, rest
	}
	return items, nil
}

// applyAt is apply on sets of the axes from depth down.
func applyAt(o op, x, y *node, depth int) *node {
	a := applier{op: o, memo: map[[2]*node]*node{}}
	return a.run(x, y, depth)
}

// serviceItems words each protocol of a service set.
func serviceItems(fam int, svc *node) []string {
	if svc == nil {
		return nil
	}
	var items []string
	full := allServices(fam)
	for i := range svc.e {
		k := svc.e[i].kid
		if k == nil {
			continue
		}
		lo, hi := svc.e[i].lo.small(), min(svc.edgeHi(i).small(), 255)
		if svc.edgeHi(i).lo > 255 || svc.edgeHi(i).hi != 0 {
			hi = 255
		}
		kind := kindOf(fam, lo)
		if kind == l4None || kind == l4Invalid {
			items = append(items, protoRangeName(lo, hi))
			continue
		}
		name := flow.Proto(lo).String()
		if eq(k, find(full, u64(uint64(lo)))) {
			items = append(items, name)
			continue
		}
		if kind == l4Ports {
			items = append(items, portItems(name, k)...)
		} else {
			items = append(items, icmpItems(name, k)...)
		}
	}
	return items
}

func protoRangeName(lo, hi int) string {
	if lo == hi {
		return flow.Proto(lo).String()
	}
	return "protocols " + strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
}

// rangeText renders lo..hi as "80" or "1024-65535".
func rangeText(lo, hi uint64) string {
	if lo == hi {
		return strconv.FormatUint(lo, 10)
	}
	return strconv.FormatUint(lo, 10) + "-" + strconv.FormatUint(hi, 10)
}

// intervals lists the intervals of n's axis that point to a set, with
// the sets, clipped to top.
func intervals(n *node, top uint64) (out [][2]uint64, kids []*node) {
	for i := range n.e {
		if n.e[i].kid == nil || n.e[i].lo.hi != 0 || n.e[i].lo.lo > top {
			continue
		}
		hi := n.edgeHi(i)
		h := top
		if hi.hi == 0 && hi.lo < top {
			h = hi.lo
		}
		out = append(out, [2]uint64{n.e[i].lo.lo, h})
		kids = append(kids, n.e[i].kid)
	}
	return out, kids
}

// portItems words a tcp or udp set (a node of the source-port axis):
// "tcp 80, 443" when every source port is in, else one item per block of
// source ports.
func portItems(name string, n *node) []string {
	srcs, kids := intervals(n, 65535)
	var items []string
	for i, s := range srcs {
		dsts, _ := intervals(kids[i], 65535)
		parts := make([]string, len(dsts))
		for j, d := range dsts {
			parts[j] = rangeText(d[0], d[1])
		}
		item := name + " " + strings.Join(parts, ", ")
		if len(dsts) == 1 && dsts[0] == [2]uint64{0, 65535} {
			item = name + " all ports"
		}
		if s != [2]uint64{0, 65535} {
			item += " from source ports " + rangeText(s[0], s[1])
		}
		items = append(items, item)
	}
	return items
}

// icmpItems words an icmp or icmpv6 set (a node of the type axis):
// "icmp type 8", "icmp types 0-8", "icmp type 3 code 4".
func icmpItems(name string, n *node) []string {
	types, kids := intervals(n, 255)
	var items []string
	for i, t := range types {
		what := name + " type " + rangeText(t[0], t[1])
		if t[0] != t[1] {
			what = name + " types " + rangeText(t[0], t[1])
		}
		codes, _ := intervals(kids[i], 255)
		if len(codes) == 1 && codes[0] == [2]uint64{0, 255} {
			items = append(items, what)
			continue
		}
		parts := make([]string, len(codes))
		for j, c := range codes {
			parts[j] = rangeText(c[0], c[1])
		}
		word := " code "
		if len(codes) > 1 || codes[0][0] != codes[0][1] {
			word = " codes "
		}
		items = append(items, what+word+strings.Join(parts, ", "))
	}
	return items
}

// famName returns "IPv4" or "IPv6".
func famName(fam int) string {
	if fam == 1 {
		return "IPv6"
	}
	return "IPv4"
}
