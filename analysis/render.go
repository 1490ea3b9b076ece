package analysis

import (
	"encoding/binary"
	"net/netip"
	"slices"
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

// AddrSet is a set of addresses of one family, as sorted, disjoint,
// non-adjacent ranges.
type AddrSet struct {
	Ranges []AddrRange
}

// Prefixes returns the prefixes that cover the set, fewest first per range.
func (s AddrSet) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, r := range s.Ranges {
		out = append(out, r.Prefixes()...)
	}
	return out
}

// String renders the set as briefly as it can: "0.0.0.0/0", a list of
// prefixes and ranges ("10.0.0.0/24, 192.0.2.7"), or a block with what
// it lacks ("0.0.0.0/0 except 10.0.1.10, 169.254.169.254").
func (s AddrSet) String() string {
	if len(s.Ranges) == 0 {
		return "nothing"
	}
	direct := s.items()
	if len(direct) == 1 {
		return direct[0]
	}
	// The smallest block holding the set, less the gaps.
	first, last := s.Ranges[0].From, s.Ranges[len(s.Ranges)-1].To
	hull := netip.PrefixFrom(first, first.BitLen())
	for !hull.Contains(last) && hull.Bits() > 0 {
		hull, _ = hull.Addr().Prefix(hull.Bits() - 1)
	}
	gaps := AddrSet{}
	lo := hull.Addr()
	for _, r := range s.Ranges {
		if lo.Less(r.From) {
			gaps.Ranges = append(gaps.Ranges, AddrRange{lo, r.From.Prev()})
		}
		lo = r.To.Next()
	}
	if end := lastOf(hull); lo.IsValid() && !end.Less(lo) {
		gaps.Ranges = append(gaps.Ranges, AddrRange{lo, end})
	}
	plain := strings.Join(direct, ", ")
	if g := hull.String() + " except " + strings.Join(gaps.items(), ", "); len(g) < len(plain) {
		return g
	}
	return plain
}

// items renders each range as a prefix or a range, mapped block aside.
func (s AddrSet) items() []string {
	var out []string
	for _, r := range s.Ranges {
		if ps := r.Prefixes(); len(ps) == 1 {
			out = append(out, prefixText(ps[0]))
		} else {
			out = append(out, r.From.String()+"-"+r.To.String())
		}
	}
	return out
}

// prefixText writes a single address without its length.
func prefixText(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

func lastOf(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	out, _ := netip.AddrFromSlice(b)
	return out
}

// MarshalText returns String's text.
func (s AddrSet) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Region is a part of a space that reads as one line: source addresses,
// destination addresses, and the services (protocols, ports, ICMP types)
// all of whose packets between any of those sources and destinations are
// in the space. Packet is one of them.
type Region struct {
	// Family is 4 or 6.
	Family int `json:"family"`
	// Src and Dst are the source and destination addresses.
	Src AddrSet `json:"src"`
	Dst AddrSet `json:"dst"`
	// Services lists the services, as "tcp 80, 443", "udp 53",
	// "icmp type 8", "gre", "protocols 2-5", or is ["all"], possibly with
	// exceptions in Except.
	Services []string `json:"services"`
	// Except lists what "all" leaves out: "all except tcp 22".
	Except []string `json:"except,omitempty"`
	// Packet is a packet of the region, picked to be easy to read.
	Packet flow.Packet `json:"packet"`

	n *node
}

// Space returns the region's packets.
func (r Region) Space() Space { return Space{r.n} }

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

// Regions splits s into regions: each a set of source addresses, a set
// of destination addresses, and the services between them. They are
// disjoint, ordered by family, source, destination, and together they are
// s. Each carries a witness packet.
func (s Space) Regions() []Region { return s.regions(nil, Space{}) }

// group is a region under construction: ranges on the two address axes
// and the service set.
type group struct {
	fam      int
	src, dst [][2]u128
	svc      *node
}

// regions splits s as Regions does. quiet holds packets whose fate is of
// no interest here (AWS services' traffic, packets of no interface): an
// address set may be written with some of them in, when every packet they
// add is quiet and the text gets shorter.
func (s Space) regions(h *hints, quiet Space) []Region {
	if s.n == nil {
		return nil
	}
	// The boxes of the two address axes, then merged: first the sources
	// of equal destinations and services, then the destinations of equal
	// sources and services.
	var boxes []group
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
				if svc := dstN.e[di].kid; svc != nil {
					boxes = append(boxes, group{fam, [][2]u128{{famN.e[si].lo, famN.edgeHi(si)}},
						[][2]u128{{dstN.e[di].lo, dstN.edgeHi(di)}}, svc})
				}
			}
		}
	}
	merged := mergeGroups(boxes, func(g *group) [][2]u128 { return g.dst }, func(g *group) *[][2]u128 { return &g.src })
	merged = mergeGroups(merged, func(g *group) [][2]u128 { return g.src }, func(g *group) *[][2]u128 { return &g.dst })
	out := make([]Region, 0, len(merged))
	for _, g := range merged {
		r := Region{Family: 4 + 2*g.fam, Src: addrSet(g.fam, g.src), Dst: addrSet(g.fam, g.dst), n: g.node()}
		if quiet.n != nil {
			r.Src = addrSetOr(g.fam, g.src, quietOn(g, lvSrc, quiet), lvSrc)
			r.Dst = addrSetOr(g.fam, g.dst, quietOn(g, lvDst, quiet), lvDst)
		}
		r.Services, r.Except = describeServices(g.fam, g.svc)
		r.Packet, _ = Space{r.n}.witness(h)
		out = append(out, r)
	}
	return out
}

// quietOn returns the addresses a of axis level (lvSrc or lvDst) such
// that every packet from (or to) a, to (or from) the group's other
// addresses, of its services, is quiet.
func quietOn(g group, level int, quiet Space) Space {
	wide := g
	if level == lvSrc {
		wide.src = [][2]u128{{zero128, max128}}
	} else {
		wide.dst = [][2]u128{{zero128, max128}}
	}
	bad := Space{wide.node()}.Minus(quiet)
	var rs [][2]u128
	walk(bad.n, func(b *box) bool {
		rs = appendRanges(rs, [][2]u128{{b.lo[level], b.hi[level]}})
		return true
	})
	var badSp Space
	for _, r := range rs {
		b := fullBox()
		b.lo[level], b.hi[level] = r[0], r[1]
		badSp = badSp.Union(Space{boxNode(&b, 0)})
	}
	return familySpace(g.fam).Minus(badSp)
}

// mergeGroups joins the groups that agree on family, services and the
// axis key returns, adding up the ranges of the axis grow points to.
func mergeGroups(gs []group, key func(*group) [][2]u128, grow func(*group) *[][2]u128) []group {
	var out []group
	index := map[string][]int{}
	for _, g := range gs {
		k := rangesKey(g.fam, key(&g))
		found := false
		for _, i := range index[k] {
			if eq(out[i].svc, g.svc) {
				r := grow(&out[i])
				*r = appendRanges(*r, *grow(&g))
				found = true
				break
			}
		}
		if !found {
			index[k] = append(index[k], len(out))
			out = append(out, g)
		}
	}
	return out
}

func rangesKey(fam int, rs [][2]u128) string {
	b := []byte{byte(fam)}
	for _, r := range rs {
		b = binary.BigEndian.AppendUint64(b, r[0].hi)
		b = binary.BigEndian.AppendUint64(b, r[0].lo)
		b = binary.BigEndian.AppendUint64(b, r[1].hi)
		b = binary.BigEndian.AppendUint64(b, r[1].lo)
	}
	return string(b)
}

// appendRanges adds sorted, disjoint ranges to a sorted list, joining
// touching ones.
func appendRanges(list, add [][2]u128) [][2]u128 {
	all := append(slices.Clone(list), add...)
	slices.SortFunc(all, func(x, y [2]u128) int { return x[0].cmp(y[0]) })
	out := all[:0]
	for _, r := range all {
		if n := len(out); n > 0 && out[n-1][1] != max128 && !out[n-1][1].inc().less(r[0]) {
			out[n-1][1] = maxU(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// addrSetOr returns the set of rs, or of rs with the addresses of
// dontCare added when that reads shorter: addresses whose answer does
// not matter, such as AWS services, which accept everything anyway.
func addrSetOr(fam int, rs [][2]u128, dontCare Space, level int) AddrSet {
	plain := addrSet(fam, rs)
	var extra [][2]u128
	walk(dontCare.Intersect(familySpace(fam)).n, func(b *box) bool {
		extra = append(extra, [2]u128{b.lo[level], b.hi[level]})
		return true
	})
	if len(extra) == 0 {
		return plain
	}
	wide := addrSet(fam, appendRanges(rs, extra))
	if len(wide.String()) < len(plain.String()) {
		return wide
	}
	return plain
}

// orAddrs is addrSetOr for a set already made.
func orAddrs(s AddrSet, dontCare Space, level int) AddrSet {
	if len(s.Ranges) == 0 {
		return s
	}
	fam, _, _ := addrKey(s.Ranges[0].From)
	rs := make([][2]u128, len(s.Ranges))
	for i, r := range s.Ranges {
		_, rs[i][0], _ = addrKey(r.From)
		_, rs[i][1], _ = addrKey(r.To)
	}
	return addrSetOr(fam, rs, dontCare, level)
}

func addrSet(fam int, rs [][2]u128) AddrSet {
	s := AddrSet{Ranges: make([]AddrRange, len(rs))}
	for i, r := range rs {
		s.Ranges[i] = AddrRange{keyAddr(fam, r[0]), keyAddr(fam, r[1])}
	}
	return s
}

// node builds the group's set.
func (g *group) node() *node {
	var d edges
	d.add(zero128, nil)
	for _, r := range g.dst {
		rangeEdges(&d, r, g.svc)
	}
	var s edges
	s.add(zero128, nil)
	for _, r := range g.src {
		rangeEdges(&s, r, d.node())
	}
	var f edges
	f.add(zero128, nil)
	f.add(u64(uint64(g.fam)), s.node())
	f.add(u64(uint64(g.fam)+1), nil)
	return f.node()
}

// rangeEdges appends the edges of range r pointing to kid, then nothing.
func rangeEdges(e *edges, r [2]u128, kid *node) {
	e.add(r[0], kid)
	if r[1] != max128 {
		e.add(r[1].inc(), nil)
	}
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
			word := " (source port "
			if s[0] != s[1] {
				word = " (source ports "
			}
			item += word + rangeText(s[0], s[1]) + ")"
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
	// The types with every code, in one item.
	var whole []string
	multi := false
	for i, t := range types {
		if codes, _ := intervals(kids[i], 255); len(codes) == 1 && codes[0] == [2]uint64{0, 255} {
			whole = append(whole, rangeText(t[0], t[1]))
			multi = multi || t[0] != t[1]
		}
	}
	switch {
	case len(whole) == 1 && !multi:
		items = append(items, name+" type "+whole[0])
	case len(whole) > 0:
		items = append(items, name+" types "+strings.Join(whole, ", "))
	}
	for i, t := range types {
		what := name + " type " + rangeText(t[0], t[1])
		if t[0] != t[1] {
			what = name + " types " + rangeText(t[0], t[1])
		}
		codes, _ := intervals(kids[i], 255)
		if len(codes) == 1 && codes[0] == [2]uint64{0, 255} {
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
