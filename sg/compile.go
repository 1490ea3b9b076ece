package sg

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/firstmatch"
)

// Set is the compiled union of the security groups attached to one
// network interface (SG-14): what [Compile] builds and the stateful stage
// consults. It is immutable and safe for concurrent use; build a new one
// when a rule, a membership or a prefix list changes.
//
// Layout. Per direction and address family, rules are grouped in buckets
// by protocol: one bucket per protocol some rule names, holding that
// protocol's rules and every protocol -1 rule, in declaration order; one
// more bucket with only the -1 rules serves every other protocol. A packet
// scans one bucket, so rules of other protocols or families cost nothing.
// A TCP or UDP bucket is further cut into destination-port intervals, each
// listing the rules that admit its ports, so a packet meets only the rules
// of its port. Each rule is a flat value: the port or ICMP condition as two
// int32s, and the peer lowered to integer ranges (IPv4 as uint32, IPv6 as
// two uint64s) — a CIDR is one inline range, a prefix list or a group's
// member addresses a sorted, merged slice of ranges, searched by bisection
// once the address lies within their hull. A port interval with many
// rules (a thousand partner CIDRs on port 443) also gets an address cut
// (package firstmatch): the addresses are cut at every range's edges and
// each piece records the first rule whose peer holds it, so the interval
// costs one binary search instead of a scan. Matching therefore costs
// integer compares: no allocation, no map lookup, no interface call.
type Set struct {
	ids    []string
	groups string
	dir    [2]dirIndex
}

// dirIndex is the compiled form of one direction.
type dirIndex struct {
	// rules lists every rule of the direction in declaration order
	// (groups, then rules); bucket entries refer to it by index.
	rules []ruleInfo
	v4    famIndex[span4]
	v6    famIndex[span6]
}

// ruleInfo is what a match reports about its rule.
type ruleInfo struct {
	group int32 // index into Set.ids
	index int32 // position among the group's rules of the direction
	text  string
}

// famIndex is one direction's rules for one address family.
type famIndex[S span4 | span6] struct {
	// bucketOf maps a packet's protocol to its bucket; 0 is the bucket of
	// -1 rules alone.
	bucketOf [256]uint16
	buckets  []bucket[S]
	// openAll[0] (TCP) and openAll[1] (UDP): some rule of this direction
	// has peer 0.0.0.0/0 (or ::/0), protocol -1 or TCP (UDP), and all
	// ports. That is U3's question, asked of the opposite direction.
	openAll [2]bool
}

// bucket holds the rules one protocol can match, in declaration order.
type bucket[S span4 | span6] struct {
	entries []entry[S]
	// open holds the conditions of the entries whose peer is the whole
	// family (0.0.0.0/0 or ::/0): such a rule admits a packet as soon as
	// its ports do (U2).
	open []cond

	// The port index of a TCP or UDP bucket (nil when there is none):
	// interval i holds the destination ports cuts[i]..cuts[i+1]-1 (the
	// last one up to 65535); idx[offs[i]:offs[i+1]] are the entries that
	// admit those ports, in order, and openAt[i] says whether one of them
	// is open (U2).
	cuts   []uint16
	offs   []int32
	idx    []int32
	openAt []bool
	// acut[i] >= 0: interval i's entries are answered by addrs[acut[i]]
	// instead of a scan. Nil when no interval has a cut.
	acut  []int32
	addrs []addrCut
}

// addrCut answers "which is the first entry of this port interval whose
// peer holds the address?": cuts4 (an IPv4 bucket) or cuts6 (IPv6) cut the
// address space, and first[k] is the entry (an index into the bucket's
// entries) for the addresses from cuts[k] up to the next cut, or -1.
type addrCut struct {
	cuts4 []uint32
	cuts6 []firstmatch.U128
	first []int32
}

// entry is one rule in a bucket.
type entry[S span4 | span6] struct {
	cond
	// span is the peer when it is one range (a CIDR, or a prefix list or
	// group that merged into one range); spans is nil then. Otherwise
	// spans holds two or more sorted, disjoint, non-adjacent ranges and
	// span is their hull, which rejects most misses without a search.
	span  S
	spans []S
}

// cond is the protocol-specific part of a rule, for a packet whose
// protocol is already known to match.
type cond struct {
	kind     uint8 // condAll, condPorts or condICMP
	open     bool  // the peer is 0.0.0.0/0 or ::/0
	from, to int32 // ports, or ICMP type and code (-1 = any)
	rule     int32 // index into dirIndex.rules
}

const (
	condAll   uint8 = iota // protocol -1, or a protocol without ports
	condPorts              // TCP/UDP: from <= destination port <= to
	condICMP               // ICMP/ICMPv6: type and code, -1 = any
)

// u128 is an IPv6 address as an integer.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

// span4 and span6 are inclusive address ranges.
type (
	span4 struct{ lo, hi uint32 }
	span6 struct{ lo, hi u128 }
)

func key4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func key6(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func spanOf4(p netip.Prefix) span4 {
	lo := key4(p.Masked().Addr())
	return span4{lo, lo | ^uint32(0)>>p.Bits()} // a shift by 32 yields 0
}

func spanOf6(p netip.Prefix) span6 {
	lo := key6(p.Masked().Addr())
	b := p.Bits()
	hi := lo
	if b <= 64 {
		hi.hi |= ^uint64(0) >> b
		hi.lo = ^uint64(0)
	} else {
		hi.lo |= ^uint64(0) >> (b - 64)
	}
	return span6{lo, hi}
}

// merge4 sorts ranges and joins those that overlap or touch.
func merge4(s []span4) []span4 {
	slices.SortFunc(s, func(a, b span4) int { return cmp.Compare(a.lo, b.lo) })
	out := s[:0]
	for _, x := range s {
		if n := len(out); n > 0 && (out[n-1].hi == ^uint32(0) || x.lo <= out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, x.hi)
			continue
		}
		out = append(out, x)
	}
	return out
}

func merge6(s []span6) []span6 {
	slices.SortFunc(s, func(a, b span6) int {
		if a.lo.less(b.lo) {
			return -1
		}
		if b.lo.less(a.lo) {
			return 1
		}
		return 0
	})
	out := s[:0]
	for _, x := range s {
		if n := len(out); n > 0 {
			last := &out[n-1]
			next := last.hi // last.hi + 1, saturating
			if next.lo++; next.lo == 0 {
				next.hi++
			}
			if last.hi == (u128{^uint64(0), ^uint64(0)}) || !next.less(x.lo) {
				if last.hi.less(x.hi) {
					last.hi = x.hi
				}
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// peer is a rule's peer lowered to address ranges of each family, and
// whether it is 0.0.0.0/0 or ::/0.
type peer struct {
	v4   []span4
	v6   []span6
	open bool
}

// compiler carries what Compile resolves once per id.
type compiler struct {
	r      Resolver
	groups map[string]resolved
	lists  map[string]resolved
}

type resolved struct {
	p   peer
	err error
}

// Compile validates the security groups attached to one network interface
// and builds their union (SG-14) as a [Set]. groups holds 1..16 groups
// (SG-26) with distinct ids, in the order the interface lists them; that
// order, then the order of rules, decides which of several matching rules
// [Set.Match] reports (SG-17). It never changes whether a packet is
// allowed (SG-13).
//
// r supplies the members of referenced groups and the entries of prefix
// lists; it may be nil when no rule references either. Compile copies what
// r returns: recompile when a membership or a prefix list changes (SG-24).
//
// On any problem Compile returns a nil Set and every error found, joined:
// a *[RuleError] per bad field (see [Group.Validate]), a reference that r
// does not know ([ErrUnknownGroup], [ErrUnknownPrefixList], IN-5), a group
// given twice ([ErrDuplicateGroup]), or a count outside 1..16
// ([ErrGroupCount]). A caller keeps its previous Set.
func Compile(groups []Group, r Resolver) (*Set, error) {
	if n := len(groups); n == 0 || n > MaxGroups {
		return nil, fmt.Errorf("%d security groups: %w", n, ErrGroupCount)
	}
	var errs []error
	seen := make(map[string]bool, len(groups))
	for i := range groups {
		g := &groups[i]
		if err := g.Validate(); err != nil {
			errs = append(errs, unjoin(err)...)
		}
		if g.ID != "" && seen[g.ID] {
			errs = append(errs, &RuleError{Group: g.ID, Index: -1, Field: "id", Err: ErrDuplicateGroup})
		}
		seen[g.ID] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	c := compiler{r: r, groups: map[string]resolved{}, lists: map[string]resolved{}}
	s := &Set{ids: make([]string, len(groups))}
	for i := range groups {
		s.ids[i] = groups[i].ID
	}
	s.groups = strings.Join(s.ids, ", ")
	for _, dir := range [...]flow.Direction{flow.Ingress, flow.Egress} {
		var (
			infos []ruleInfo
			specs []Rule
			peers []peer
		)
		for gi := range groups {
			g := &groups[gi]
			for ri, rule := range g.Rules(dir) {
				p, err := c.peer(&rule)
				if err != nil {
					errs = append(errs, &RuleError{Group: g.ID, Direction: dir, Index: ri, Field: peerField(&rule), Value: rule.peerText(), Err: err})
					continue
				}
				infos = append(infos, ruleInfo{group: int32(gi), index: int32(ri), text: g.ID + " " + dir.String() + " " + rule.Text(dir)})
				specs = append(specs, rule)
				peers = append(peers, p)
			}
		}
		d := &s.dir[dir]
		d.rules = infos
		d.v4 = buildFamily(specs, peers, family4)
		d.v6 = buildFamily(specs, peers, family6)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// MustCompile is like [Compile] but panics on error. It is meant for rule
// sets written as literals in tests and examples, never for outside input.
func MustCompile(groups []Group, r Resolver) *Set {
	s, err := Compile(groups, r)
	if err != nil {
		panic("sg: MustCompile: " + err.Error())
	}
	return s
}

// unjoin flattens an errors.Join result so that Compile's joined list has
// one error per line and per problem.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func peerField(r *Rule) string {
	switch {
	case r.PrefixList != "":
		return "prefix_list_ids"
	case r.Group != "":
		return "security_groups"
	}
	return cidrField(r.CIDR)
}

// peer lowers a validated rule's peer to address ranges.
func (c *compiler) peer(r *Rule) (peer, error) {
	switch {
	case r.CIDR.IsValid():
		if r.CIDR.Addr().Is4() {
			return peer{v4: []span4{spanOf4(r.CIDR)}, open: r.CIDR.Bits() == 0}, nil
		}
		return peer{v6: []span6{spanOf6(r.CIDR)}, open: r.CIDR.Bits() == 0}, nil
	case r.PrefixList != "":
		if x, ok := c.lists[r.PrefixList]; ok {
			return x.p, x.err
		}
		x := c.resolveList(r.PrefixList)
		c.lists[r.PrefixList] = x
		return x.p, x.err
	default:
		if x, ok := c.groups[r.Group]; ok {
			return x.p, x.err
		}
		x := c.resolveGroup(r.Group)
		c.groups[r.Group] = x
		return x.p, x.err
	}
}

func (c *compiler) resolveList(id string) resolved {
	if c.r == nil {
		return resolved{err: fmt.Errorf("%w: Compile was given no Resolver", ErrUnknownPrefixList)}
	}
	entries, ok := c.r.PrefixList(id)
	if !ok {
		return resolved{err: ErrUnknownPrefixList}
	}
	var p peer
	for i, e := range entries {
		switch {
		case !e.IsValid():
			return resolved{err: fmt.Errorf("entry %d of the prefix list is not a valid prefix", i)}
		case e.Addr().Is4():
			p.v4 = append(p.v4, spanOf4(e))
		default:
			p.v6 = append(p.v6, spanOf6(e))
		}
	}
	p.v4, p.v6 = merge4(p.v4), merge6(p.v6)
	return resolved{p: p}
}

func (c *compiler) resolveGroup(id string) resolved {
	if c.r == nil {
		return resolved{err: fmt.Errorf("%w: Compile was given no Resolver", ErrUnknownGroup)}
	}
	addrs, ok := c.r.GroupAddrs(id)
	if !ok {
		return resolved{err: ErrUnknownGroup}
	}
	var p peer
	for i, a := range addrs {
		switch {
		case !a.IsValid():
			return resolved{err: fmt.Errorf("member address %d of the group is not a valid address", i)}
		case a.Is4():
			k := key4(a)
			p.v4 = append(p.v4, span4{k, k})
		default:
			k := key6(a)
			p.v6 = append(p.v6, span6{k, k})
		}
	}
	p.v4, p.v6 = merge4(p.v4), merge6(p.v6)
	return resolved{p: p}
}

// family tells the generic builders how to read one address family.
type family[S span4 | span6] struct {
	spans func(*peer) []S // the family's ranges of a peer
	hull  func([]S) S     // the range covering sorted ranges (len >= 1)
	// For address cuts: the family's last address, a range as firstmatch
	// reads it, and the cut's slices in the family's form.
	top   firstmatch.U128
	rng   func(S) firstmatch.Range
	store func(*addrCut, []firstmatch.U128)
}

var (
	family4 = family[span4]{
		spans: func(p *peer) []span4 { return p.v4 },
		hull:  func(s []span4) span4 { return span4{s[0].lo, s[len(s)-1].hi} },
		top:   firstmatch.Top4,
		rng: func(s span4) firstmatch.Range {
			return firstmatch.Range{First: firstmatch.U128{Lo: uint64(s.lo)}, Last: firstmatch.U128{Lo: uint64(s.hi)}}
		},
		store: func(c *addrCut, cuts []firstmatch.U128) { c.cuts4 = firstmatch.Cuts4(cuts) },
	}
	family6 = family[span6]{
		spans: func(p *peer) []span6 { return p.v6 },
		hull:  func(s []span6) span6 { return span6{s[0].lo, s[len(s)-1].hi} },
		top:   firstmatch.Top6,
		rng: func(s span6) firstmatch.Range {
			return firstmatch.Range{First: firstmatch.U128{Hi: s.lo.hi, Lo: s.lo.lo}, Last: firstmatch.U128{Hi: s.hi.hi, Lo: s.hi.lo}}
		},
		store: func(c *addrCut, cuts []firstmatch.U128) { c.cuts6 = cuts },
	}
)

// buildFamily builds one direction's index for one family. rules and
// peers are parallel, in declaration order. A rule without ranges of the
// family (a CIDR of the other family, a group with no member of it) can
// never match and is left out.
func buildFamily[S span4 | span6](rules []Rule, peers []peer, fam family[S]) famIndex[S] {
	var f famIndex[S]
	var cands []int
	for i := range rules {
		if len(fam.spans(&peers[i])) > 0 {
			cands = append(cands, i)
		}
	}
	// Bucket 0: protocol -1 rules only, for every protocol no rule names.
	var protos []flow.Proto
	named := [256]bool{}
	for _, i := range cands {
		if p, ok := rules[i].Protocol.Proto(); ok && !named[p] {
			named[p] = true
			protos = append(protos, p)
		}
	}
	f.buckets = make([]bucket[S], 1, 1+len(protos))
	f.buckets[0] = makeBucket(rules, peers, cands, flow.AnyProtocol, fam)
	for _, p := range protos {
		f.bucketOf[p] = uint16(len(f.buckets))
		f.buckets = append(f.buckets, makeBucket(rules, peers, cands, flow.ProtocolOf(p), fam))
	}
	// U3 input: an all-ports rule open to the whole family, per TCP/UDP.
	for _, i := range cands {
		r := &rules[i]
		if !peers[i].open {
			continue
		}
		all := r.Protocol == flow.AnyProtocol || r.FromPort == 0 && r.ToPort == 65535
		if !all {
			continue
		}
		if r.Protocol == flow.AnyProtocol || r.Protocol == flow.Protocol(flow.TCP) {
			f.openAll[0] = true
		}
		if r.Protocol == flow.AnyProtocol || r.Protocol == flow.Protocol(flow.UDP) {
			f.openAll[1] = true
		}
	}
	return f
}

// makeBucket collects, in order, the candidate rules that match protocol
// proto: those of protocol -1 and, unless proto is -1 itself, those of
// proto. A TCP or UDP bucket also gets a port index.
func makeBucket[S span4 | span6](rules []Rule, peers []peer, cands []int, proto flow.Protocol, fam family[S]) bucket[S] {
	var b bucket[S]
	for _, i := range cands {
		r := &rules[i]
		if r.Protocol != flow.AnyProtocol && r.Protocol != proto {
			continue
		}
		c := cond{kind: condAll, open: peers[i].open, rule: int32(i)}
		switch {
		case r.Protocol == flow.AnyProtocol:
		case isPorted(r.Protocol):
			c.kind, c.from, c.to = condPorts, int32(r.FromPort), int32(r.ToPort)
		case isICMP(r.Protocol):
			c.kind, c.from, c.to = condICMP, int32(r.FromPort), int32(r.ToPort)
		}
		s := fam.spans(&peers[i])
		e := entry[S]{cond: c, span: fam.hull(s)}
		if len(s) > 1 {
			e.spans = s
		}
		b.entries = append(b.entries, e)
		if c.open {
			b.open = append(b.open, c)
		}
	}
	if isPorted(proto) {
		b.indexPorts()
		b.cutAddrs(fam)
	}
	return b
}

// portIndexBudget bounds a port index at this many entry references per
// bucket entry (plus a constant), so that pathological rule sets (many
// nested ranges) fall back to the plain scan instead of growing
// quadratically. A variable so that tests can force the fallback.
var portIndexBudget = 32

// indexPorts cuts the port space 0..65535 into intervals at every rule's
// first port and one past its last port. Within an interval every entry
// either admits all ports or none, so the interval can list the entries
// that admit it, in declaration order, and whether an open one does (U2).
// A packet then scans only the rules of its destination port.
func (b *bucket[S]) indexPorts() {
	cuts := []uint16{0}
	for i := range b.entries {
		if e := &b.entries[i]; e.kind == condPorts {
			cuts = append(cuts, uint16(e.from))
			if e.to < 65535 {
				cuts = append(cuts, uint16(e.to+1))
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	budget := portIndexBudget*len(b.entries) + 1024
	offs := make([]int32, 0, len(cuts)+1)
	openAt := make([]bool, 0, len(cuts))
	var idx []int32
	for _, c := range cuts {
		offs = append(offs, int32(len(idx)))
		open := false
		for k := range b.entries {
			e := &b.entries[k]
			if e.kind == condAll || e.from <= int32(c) && int32(c) <= e.to {
				idx = append(idx, int32(k))
				open = open || e.open
			}
		}
		openAt = append(openAt, open)
		if len(idx) > budget {
			return // keep the plain scan
		}
	}
	b.cuts, b.offs, b.idx, b.openAt = cuts, append(offs, int32(len(idx))), idx, openAt
}

// addrCutMin: a port interval listing more entries than this gets an
// address cut; shorter ones are scanned, which is as fast up to about 16
// entries (nacl's measurements, the same search). A variable so that tests
// can force the cuts onto small rule sets.
var addrCutMin = 16

// cutAddrs gives the long lists of the port index an address cut. Equal
// lists share one. The cuts' total size is bounded like the port index
// (portIndexBudget per entry, plus a constant); past it, lists are
// scanned.
func (b *bucket[S]) cutAddrs(fam family[S]) {
	if b.cuts == nil {
		return
	}
	acut := make([]int32, len(b.cuts))
	seen := map[string]int32{}
	budget := portIndexBudget*len(b.entries) + 1024
	var ranges []firstmatch.Range
	for i := range b.cuts {
		acut[i] = -1
		list := b.idx[b.offs[i]:b.offs[i+1]]
		if len(list) <= addrCutMin {
			continue
		}
		key := make([]byte, 4*len(list))
		for j, k := range list {
			binary.LittleEndian.PutUint32(key[4*j:], uint32(k))
		}
		if c, ok := seen[string(key)]; ok {
			acut[i] = c
			continue
		}
		cuts, first := firstmatch.Cut(len(list), fam.top, func(j int) []firstmatch.Range {
			e := &b.entries[list[j]]
			ranges = ranges[:0]
			if e.spans == nil {
				return append(ranges, fam.rng(e.span))
			}
			for _, sp := range e.spans {
				ranges = append(ranges, fam.rng(sp))
			}
			return ranges
		})
		if budget -= len(cuts); budget < 0 {
			break
		}
		for k, f := range first {
			if f >= 0 {
				first[k] = list[f] // position in the list -> entry
			}
		}
		c := addrCut{first: first}
		fam.store(&c, cuts)
		acut[i] = int32(len(b.addrs))
		seen[string(key)] = acut[i]
		b.addrs = append(b.addrs, c)
	}
	if len(b.addrs) > 0 {
		b.acut = acut
	}
}
