package analysis

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// Rule sets become spaces in one sweep, without any set operation.
//
// Every rule of a network ACL or of security groups matches a product: a
// protocol (or all), an interval of the peer address (the source of an
// inbound rule, the destination of an outbound one), and an interval of
// the protocol's "service line": the destination port for tcp and udp,
// type×256+code for icmp (a type with any code is an interval too), the
// single point 0 for the others. Prefixes nest or are disjoint, so the
// peer axis, cut at every prefix's ends, falls into pieces over each of
// which the same rules apply. For each piece the sweep orders those rules
// and, per protocol, settles the service line in one dimension: first
// match for an ACL (a rule decides what no earlier rule matched), union
// for groups. Pieces with the same outcome merge; equal outcomes are built
// once.

// atom is one rule restricted to one prefix of its peer (a prefix list or
// a group reference gives a rule several).
type atom struct {
	order int32 // evaluation order; atoms of one rule share it
	deny  bool
	proto int16     // -1: every protocol, every service
	svc   [2]uint16 // the interval of the protocol's service line (proto >= 0)
	lo    u128      // the peer interval on the family's axis
	hi    u128
}

// ruleSet is rules as atoms, ready to sweep.
type ruleSet struct {
	peer  int  // lvSrc or lvDst
	first bool // first match (an ACL), or union (security groups)
	atoms [2][]atom
}

func (rs *ruleSet) add(fam int, a atom) { rs.atoms[fam] = append(rs.atoms[fam], a) }

// addPrefix adds a rule's atoms for one peer prefix; lines lists its
// service intervals (several only for an ICMP code of any type).
func (rs *ruleSet) addPrefix(p netip.Prefix, order int, deny bool, proto int, lines [][2]uint16) {
	fam, lo, hi, ok := prefixSpan(p)
	if !ok {
		return
	}
	for _, l := range lines {
		rs.add(fam, atom{order: int32(order), deny: deny, proto: int16(proto), svc: l, lo: lo, hi: hi})
	}
}

var fullLine = [][2]uint16{{0, 65535}}

// icmpLines returns the service intervals of an ICMP type and code, -1
// meaning any: type t with any code is t*256 .. t*256+255.
func icmpLines(typ, code int) [][2]uint16 {
	switch {
	case typ < 0 && code < 0:
		return fullLine
	case typ < 0: // every type, one code: a point per type
		if code > 255 {
			return nil
		}
		out := make([][2]uint16, 256)
		for t := range 256 {
			v := uint16(t<<8 | code)
			out[t] = [2]uint16{v, v}
		}
		return out
	case typ > 255 || code > 255:
		return nil
	case code < 0:
		return [][2]uint16{{uint16(typ << 8), uint16(typ<<8 | 255)}}
	}
	v := uint16(typ<<8 | code)
	return [][2]uint16{{v, v}}
}

func portLine(from, to int) [][2]uint16 {
	from, to = max(from, 0), min(to, 65535)
	if from > to {
		return nil
	}
	return [][2]uint16{{uint16(from), uint16(to)}}
}

// peerLevel is the address a rule of direction dir matches: the source
// of an inbound packet, the destination of an outbound one.
func peerLevel(dir flow.Direction) int {
	if dir == flow.Egress {
		return lvDst
	}
	return lvSrc
}

// aclRules returns dir's rules of a in evaluation order (NACL-14).
func aclRules(a *nacl.ACL, dir flow.Direction) []nacl.Rule {
	rules := slices.Clone(a.Ingress)
	if dir == flow.Egress {
		rules = slices.Clone(a.Egress)
	}
	slices.SortStableFunc(rules, func(x, y nacl.Rule) int { return cmp.Compare(x.Number, y.Number) })
	return rules
}

// aclRuleSet turns rules, in evaluation order, into atoms (NACL-8..12).
func aclRuleSet(rules []nacl.Rule, dir flow.Direction) *ruleSet {
	rs := &ruleSet{peer: peerLevel(dir), first: true}
	for i := range rules {
		r := &rules[i]
		rs.addPrefix(r.CIDR, i, r.Action == nacl.Deny, int(r.Protocol), aclLines(r))
	}
	return rs
}

// aclLines is a rule's service intervals for its own protocol (NACL-11,
// NACL-12).
func aclLines(r *nacl.Rule) [][2]uint16 {
	switch {
	case r.Protocol == flow.AnyProtocol:
		return fullLine
	case r.HasPorts():
		return portLine(r.FromPort, r.ToPort)
	case r.HasICMP():
		return icmpLines(r.ICMPType, r.ICMPCode)
	}
	return fullLine
}

// sgRuleSet turns the rules of direction dir of groups into atoms, each
// group's rules after the previous group's; r resolves prefix lists and
// referenced groups (nil: they match nothing, as in sg.Reference).
func sgRuleSet(groups []sg.Group, r sg.Resolver, dir flow.Direction) *ruleSet {
	rs := &ruleSet{peer: peerLevel(dir)}
	order := 0
	for gi := range groups {
		for _, rule := range groups[gi].Rules(dir) {
			lines := sgLines(&rule)
			for _, p := range sgPeer(&rule, r) {
				rs.addPrefix(p, order, false, int(rule.Protocol), lines)
			}
			order++
		}
	}
	return rs
}

// sgLines is a rule's service intervals for its own protocol (SG-8..10).
func sgLines(r *sg.Rule) [][2]uint16 {
	switch r.Protocol {
	case flow.AnyProtocol:
		return fullLine
	case flow.Protocol(flow.TCP), flow.Protocol(flow.UDP):
		return portLine(r.FromPort, r.ToPort)
	case flow.Protocol(flow.ICMP), flow.Protocol(flow.ICMPv6):
		return icmpLines(r.FromPort, r.ToPort)
	}
	return fullLine
}

// sgPeer returns a rule's peer as prefixes (SG-11, SG-19).
func sgPeer(rule *sg.Rule, r sg.Resolver) []netip.Prefix {
	switch {
	case rule.CIDR.IsValid():
		return []netip.Prefix{rule.CIDR}
	case rule.PrefixList != "" && r != nil:
		entries, _ := r.PrefixList(rule.PrefixList)
		return entries
	case rule.Group != "" && r != nil:
		addrs, _ := r.GroupAddrs(rule.Group)
		return hosts(addrs)
	}
	return nil
}

// build sweeps the rule set into a space.
func (rs *ruleSet) build() *node {
	b := sweeper{rs: rs, in: newInterner(), memo: map[string]*node{}, kids: map[string]*node{}}
	var trees [2]*node
	for fam := range 2 {
		trees[fam] = b.family(fam)
	}
	var e edges
	e.add(zero128, trees[0])
	e.add(u64(1), trees[1])
	e.add(u64(2), nil)
	return e.node()
}

type sweeper struct {
	rs   *ruleSet
	in   *interner
	memo map[string]*node // active atoms -> service set
	kids map[string]*node // kind and service line -> node
	key  []byte

	// Scratch for the first-match computation.
	covered, allowed [][2]uint32
}

// family builds the tree of one family: the peer axis cut into pieces.
func (b *sweeper) family(fam int) *node {
	atoms := b.rs.atoms[fam]
	if len(atoms) == 0 {
		return nil
	}
	slices.SortStableFunc(atoms, func(x, y atom) int { return cmp.Compare(x.order, y.order) })
	// Events: atom i becomes active at lo and inactive at hi+1.
	type event struct {
		at    u128
		atom  int
		start bool
	}
	top := addrMax[fam]
	evs := make([]event, 0, 2*len(atoms))
	for i := range atoms {
		evs = append(evs, event{atoms[i].lo, i, true})
		if atoms[i].hi.less(top) {
			evs = append(evs, event{atoms[i].hi.inc(), i, false})
		}
	}
	slices.SortFunc(evs, func(x, y event) int { return x.at.cmp(y.at) })

	var es []edge
	var active []int // sorted atom indices: evaluation order
	wrapped := map[*node]*node{}
	at := zero128
	for k := 0; ; {
		for ; k < len(evs) && evs[k].at == at; k++ {
			i := evs[k].atom
			pos, _ := slices.BinarySearch(active, i)
			if evs[k].start {
				active = slices.Insert(active, pos, i)
			} else {
				active = slices.Delete(active, pos, pos+1)
			}
		}
		svc := b.services(fam, active)
		kid := svc
		if b.rs.peer == lvSrc && svc != nil {
			if w, ok := wrapped[svc]; ok {
				kid = w
			} else {
				kid = b.in.make(spanEdges(zero128, top, svc))
				wrapped[svc] = kid
			}
		}
		es = append(es, edge{at, kid})
		if k == len(evs) {
			break
		}
		at = evs[k].at
	}
	if top != max128 {
		es = append(es, edge{top.inc(), nil})
	}
	peer := b.in.make(es)
	if b.rs.peer == lvSrc {
		return peer
	}
	return b.in.make(spanEdges(zero128, top, peer))
}

// spanEdges returns the edges of an axis that holds lo..hi, each pointing
// to kid.
func spanEdges(lo, hi u128, kid *node) []edge {
	var es []edge
	if lo != zero128 {
		es = append(es, edge{zero128, nil})
	}
	es = append(es, edge{lo, kid})
	if hi != max128 {
		es = append(es, edge{hi.inc(), nil})
	}
	return es
}

// services returns the service set (a node of the proto axis) that the
// active atoms admit.
func (b *sweeper) services(fam int, active []int) *node {
	if len(active) == 0 {
		return nil
	}
	k := append(b.key[:0], byte(fam))
	for _, i := range active {
		k = binary.LittleEndian.AppendUint32(k, uint32(i))
	}
	b.key = k
	if n, ok := b.memo[string(k)]; ok {
		return n
	}
	atoms := b.rs.atoms[fam]
	// The protocols some active atom names; the others see only the
	// atoms of every protocol.
	var named []int
	for _, i := range active {
		if p := int(atoms[i].proto); p >= 0 && !slices.Contains(named, p) {
			named = append(named, p)
		}
	}
	slices.Sort(named)
	other := b.line(fam, active, -1)
	otherKid := [4]*node{}
	for kind := l4None; kind < l4Invalid; kind++ {
		otherKid[kind] = b.kid(kind, other)
	}
	var es []edge
	next := 0
	for p := 0; p < 256; p++ {
		kind := kindOf(fam, p)
		var kid *node
		named1 := next < len(named) && named[next] == p
		if named1 {
			next++
		}
		switch {
		case kind == l4Invalid:
		case named1:
			kid = b.kid(kind, b.line(fam, active, p))
		default:
			kid = otherKid[kind]
		}
		if n := len(es); n > 0 && es[n-1].kid == kid {
			continue
		}
		es = append(es, edge{u64(uint64(p)), kid})
	}
	es = append(es, edge{u64(256), nil})
	n := b.in.make(es)
	b.memo[string(k)] = n
	return n
}

// line settles the service line of protocol p (-1: a protocol no active
// atom names) over the active atoms: the intervals admitted.
func (b *sweeper) line(fam int, active []int, p int) [][2]uint32 {
	atoms := b.rs.atoms[fam]
	b.covered, b.allowed = b.covered[:0], b.allowed[:0]
	for _, i := range active {
		a := &atoms[i]
		if a.proto >= 0 && int(a.proto) != p {
			continue
		}
		iv := [2]uint32{0, 65535}
		if a.proto >= 0 {
			iv = [2]uint32{uint32(a.svc[0]), uint32(a.svc[1])}
		}
		if !b.rs.first {
			b.allowed = addInterval(b.allowed, iv)
		} else {
			if !a.deny {
				for _, piece := range minusIntervals(iv, b.covered) {
					b.allowed = addInterval(b.allowed, piece)
				}
			}
			b.covered = addInterval(b.covered, iv)
			if len(b.covered) == 1 && b.covered[0] == [2]uint32{0, 65535} {
				break
			}
		}
		if !b.rs.first && len(b.allowed) == 1 && b.allowed[0] == [2]uint32{0, 65535} {
			break
		}
	}
	return slices.Clone(b.allowed)
}

// addInterval adds iv to a sorted list of disjoint, non-adjacent intervals.
func addInterval(list [][2]uint32, iv [2]uint32) [][2]uint32 {
	out := list[:0:0]
	placed := false
	for _, x := range list {
		switch {
		case x[1]+1 < iv[0]:
			out = append(out, x)
		case iv[1]+1 < x[0]:
			if !placed {
				out = append(out, iv)
				placed = true
			}
			out = append(out, x)
		default: // overlaps or touches: absorb
			iv = [2]uint32{min(iv[0], x[0]), max(iv[1], x[1])}
		}
	}
	if !placed {
		out = append(out, iv)
	}
	// Keep the list's own array when it is big enough.
	list = append(list[:0], out...)
	return list
}

// minusIntervals returns iv without the sorted intervals of list.
func minusIntervals(iv [2]uint32, list [][2]uint32) [][2]uint32 {
	var out [][2]uint32
	lo := iv[0]
	for _, x := range list {
		if x[1] < lo {
			continue
		}
		if x[0] > iv[1] {
			break
		}
		if x[0] > lo {
			out = append(out, [2]uint32{lo, x[0] - 1})
		}
		if x[1] >= iv[1] {
			return out
		}
		lo = x[1] + 1
	}
	return append(out, [2]uint32{lo, iv[1]})
}

// kid builds the set of the two last axes for a protocol of a kind from
// the intervals of its service line.
func (b *sweeper) kid(kind l4Kind, line [][2]uint32) *node {
	if len(line) == 0 {
		return nil
	}
	k := append(b.key[:0], 'k', byte(kind))
	for _, iv := range line {
		k = binary.LittleEndian.AppendUint32(k, iv[0])
		k = binary.LittleEndian.AppendUint32(k, iv[1])
	}
	b.key = k
	if n, ok := b.kids[string(k)]; ok {
		return n
	}
	n := b.kid0(kind, line)
	b.kids[string(k)] = n
	return n
}

func (b *sweeper) kid0(kind l4Kind, line [][2]uint32) *node {
	switch kind {
	case l4None:
		if line[0][0] != 0 {
			return nil
		}
		return b.in.make(spanEdges(zero128, zero128, b.in.make(spanEdges(zero128, zero128, leaf))))
	case l4Ports:
		dports := b.axis(line, 65535, func(lo, hi uint32) *node { return leaf })
		return b.in.make(spanEdges(zero128, u64(65535), dports))
	case l4ICMP:
		// Split the line by type: type t's codes are t*256 .. t*256+255.
		// A run of whole types shares one node of every code.
		line = slices.Clone(line) // cut up below
		all := b.axis([][2]uint32{{0, 255}}, 255, func(lo, hi uint32) *node { return leaf })
		var types []edge
		add := func(t uint32, kid *node) {
			if n := len(types); n > 0 && types[n-1].lo == u64(uint64(t)) {
				types = types[:n-1]
			}
			types = append(types, edge{u64(uint64(t)), kid})
		}
		add(0, nil)
		for i := 0; i < len(line); {
			t := line[i][0] >> 8
			if line[i][0]&255 == 0 && line[i][1] >= t<<8|255 {
				// Whole types from t to the last whole one.
				last := (line[i][1]+1)>>8 - 1
				add(t, all)
				add(last+1, nil)
				if line[i][1] == last<<8|255 {
					i++
				} else {
					line[i][0] = (last + 1) << 8 // the rest of this interval
				}
				continue
			}
			// Part of type t: the intervals (or their parts) inside it.
			var codes [][2]uint32
			for i < len(line) && line[i][0]>>8 == t {
				hi := min(line[i][1], t<<8|255)
				codes = append(codes, [2]uint32{line[i][0] & 255, hi & 255})
				if hi == line[i][1] {
					i++
				} else {
					line[i][0] = hi + 1 // continues into the next type
				}
			}
			add(t, b.axis(codes, 255, func(lo, hi uint32) *node { return leaf }))
			add(t+1, nil)
		}
		add(256, nil)
		return b.in.make(types)
	}
	return nil
}

// axis builds a node of an axis holding the intervals (within 0..top).
func (b *sweeper) axis(line [][2]uint32, top uint32, kid func(lo, hi uint32) *node) *node {
	var es []edge
	at := uint32(0)
	for _, iv := range line {
		if iv[0] > at {
			es = append(es, edge{u64(uint64(at)), nil})
		}
		es = append(es, edge{u64(uint64(iv[0])), kid(iv[0], iv[1])})
		at = iv[1] + 1
	}
	if at <= top || len(es) == 0 {
		es = append(es, edge{u64(uint64(at)), nil})
	} else {
		es = append(es, edge{u64(uint64(top) + 1), nil})
	}
	return b.in.make(es)
}
