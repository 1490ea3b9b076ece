package sg

import (
	"net/netip"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/firstmatch"
)

// Match tells which rule admitted a packet.
type Match struct {
	// Group is the id of the group whose rule is reported.
	Group string
	// Rule is the rule's index among that group's rules of the packet's
	// direction, counted from 0 (as [flow.Decision.GroupRule]).
	Rule int
	// Text is the rule as text, with its group and direction:
	// "sg-web ingress tcp 80 from 0.0.0.0/0".
	Text string
	// Open reports whether some rule that admits the packet — not only the
	// reported one — names exactly 0.0.0.0/0 (for an IPv4 packet) or
	// ::/0 (for an IPv6 one) as its peer; a prefix list or a group reference
	// never counts. This
	// is step U2 of the untracked test (CT-3).
	Open bool
}

// Match reports whether any rule of direction dir admits p (SG-13: a union,
// no order, no deny). When several do, it reports the one declared first,
// ordering by group and then by rule (SG-17); Open looks at all of them.
//
// A rule admits p when its protocol is -1 or p's (SG-8), its ports or ICMP
// type and code admit p (SG-9, SG-10), and its peer contains p's source
// (ingress) or destination (egress) of the same address family (SG-11,
// NOT-5). Connection state plays no part: that is the stage's business.
//
// Match does not allocate: the stage calls it for every packet without a
// tracked connection.
func (s *Set) Match(p *flow.Packet, dir flow.Direction) (m Match, ok bool) {
	i, open, ok := s.eval(p, dir)
	if !ok {
		return Match{}, false
	}
	ri := &s.dir[dir].rules[i]
	return Match{Group: s.ids[ri.group], Rule: int(ri.index), Text: ri.text, Open: open}, true
}

// Describe fills in what the words of d need from the set: for a rule's
// decision, the rule's group, its position in that group's rules of the
// direction and its text; for a drop, the ids of all the set's groups. d
// must be a decision of a stage with this set.
func (s *Set) Describe(d *flow.Decision, x *flow.Detail) {
	if s == nil || d.Direction > flow.Egress {
		return
	}
	rules := s.dir[d.Direction].rules
	switch {
	case d.Verdict == flow.Drop:
		x.Group = s.groups
	case d.Reason == flow.ReasonRule && d.Rule >= 0 && int(d.Rule) < len(rules):
		ri := &rules[d.Rule]
		x.Group, x.GroupRule, x.RuleText = s.ids[ri.group], int(ri.index)+1, ri.text
	}
}

// Explain renders d, a decision about p by a stage with this set, as a
// sentence (see [flow.Decision.Explain]).
func (s *Set) Explain(d *flow.Decision, p *flow.Packet) string {
	x := flow.Detail{Packet: *p}
	s.Describe(d, &x)
	return d.Explain(&x)
}

// Admits reports whether any rule of direction dir admits p: Match without
// the report. It does not allocate.
func (s *Set) Admits(p *flow.Packet, dir flow.Direction) bool {
	_, _, ok := s.eval(p, dir)
	return ok
}

// OpenReverse answers step U3 of the untracked test for p in direction
// dir: does the opposite direction have a rule with peer 0.0.0.0/0 (::/0
// for an IPv6 packet), protocol -1 or p's protocol, and all ports
// (protocol -1, or FromPort 0 and ToPort 65535)? A `tcp 0-65535` rule
// counts, `tcp 1-65535` does not. It is false for protocols other than TCP
// and UDP, which are always tracked (CT-2). The answer is precomputed by
// Compile; OpenReverse does not allocate.
func (s *Set) OpenReverse(p *flow.Packet, dir flow.Direction) bool {
	if s == nil || p == nil || dir > flow.Egress {
		return false
	}
	k := 0
	switch p.Proto {
	case flow.TCP:
	case flow.UDP:
		k = 1
	default:
		return false
	}
	od := &s.dir[dir.Reverse()]
	a := peerAddr(p, dir)
	switch {
	case a.Is4():
		return od.v4.openAll[k]
	case a.Is6():
		return od.v6.openAll[k]
	}
	return false
}

// Untracked reports whether p, a packet in direction dir that found no
// tracked connection, starts or continues an untracked flow (CT-3, CT-4):
//
//	U1  p is TCP or UDP;
//	U2  a rule of dir admits p and some admitting rule is open to
//	    0.0.0.0/0 (::/0 for IPv6) — [Match.Open];
//	U3  the opposite direction has an all-ports rule open to 0.0.0.0/0
//	    (::/0) for p's protocol — [Set.OpenReverse].
//
// U4, flows through services that AWS tracks automatically (NLB, NAT
// gateway, ... CT-6), is not modelled here: a Set knows rules, not paths.
// The caller that knows the path must track such flows regardless.
//
// Untracked does not allocate.
func (s *Set) Untracked(p *flow.Packet, dir flow.Direction) bool {
	if p == nil || !p.Proto.HasPorts() {
		return false
	}
	// U3 first: it is a precomputed flag, and when it fails (every
	// tracked flow) the rules need not be evaluated at all.
	if !s.OpenReverse(p, dir) {
		return false
	}
	_, open, ok := s.eval(p, dir)
	return ok && open
}

// AnswersUntracked answers step U0: does p, in direction dir, answer an
// untracked flow? That is so when p is TCP or UDP and the reversed packet
// (addresses and ports swapped, [flow.Packet.Reverse]) would be admitted in
// the opposite direction and be [Set.Untracked] there. Such a packet gets
// no reply privilege and creates no entry: it needs a rule of its own
// direction (SG-31). Were U0 missing, an untracked inbound
// connection's SYN-ACK would fail U3 and make an entry that outlived the removal
// of the inbound rule, against CT-14.
//
// AnswersUntracked does not allocate.
func (s *Set) AnswersUntracked(p *flow.Packet, dir flow.Direction) bool {
	if p == nil || !p.Proto.HasPorts() {
		return false
	}
	// The reversed packet's U3 asks whether dir itself has an all-ports
	// rule open to the world: a flag, checked before anything is built.
	if s == nil || dir > flow.Egress || !s.OpenReverse(p, dir.Reverse()) {
		return false
	}
	q := p.Reverse()
	_, open, ok := s.eval(&q, dir.Reverse())
	return ok && open
}

// Groups returns the ids of the set's groups joined with ", ", in the
// order given to Compile, for explanations of a drop ("no rule of groups
// sg-web, sg-admin allows it"). It does not allocate.
func (s *Set) Groups() string {
	if s == nil {
		return ""
	}
	return s.groups
}

// GroupIDs returns a copy of the ids of the set's groups, in order.
func (s *Set) GroupIDs() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.ids...)
}

// peerAddr is the address a rule's peer is matched against: the source of
// an ingress packet, the destination of an egress packet (SG-11).
func peerAddr(p *flow.Packet, dir flow.Direction) netip.Addr {
	if dir == flow.Egress {
		return p.Dst
	}
	return p.Src
}

// eval finds the first rule of dir admitting p, as an index into
// s.dir[dir].rules, and whether any admitting rule is open (U2).
func (s *Set) eval(p *flow.Packet, dir flow.Direction) (first int32, open, ok bool) {
	if s == nil || p == nil || dir > flow.Egress {
		return -1, false, false
	}
	d := &s.dir[dir]
	a := peerAddr(p, dir)
	switch {
	case a.Is4():
		return eval4(&d.v4, p, key4(a))
	case a.Is6():
		return eval6(&d.v6, p, key6(a))
	}
	return -1, false, false
}

func eval4(f *famIndex[span4], p *flow.Packet, x uint32) (int32, bool, bool) {
	if len(f.buckets) == 0 {
		return -1, false, false
	}
	b := &f.buckets[f.bucketOf[p.Proto]]
	if b.cuts != nil { // TCP or UDP with a port index
		i := firstmatch.Search16(b.cuts, p.DstPort)
		if b.acut != nil && b.acut[i] >= 0 { // a long list: its address cut
			c := &b.addrs[b.acut[i]]
			if k := c.first[firstmatch.Search32(c.cuts4, x)]; k >= 0 {
				return b.entries[k].rule, b.openAt[i], true
			}
			return -1, false, false
		}
		for _, k := range b.idx[b.offs[i]:b.offs[i+1]] {
			e := &b.entries[k]
			if x < e.span.lo || x > e.span.hi || e.spans != nil && !in4(e.spans, x) {
				continue
			}
			return e.rule, b.openAt[i], true
		}
		return -1, false, false
	}
	for i := range b.entries {
		e := &b.entries[i]
		if !e.admits(p) {
			continue
		}
		if x < e.span.lo || x > e.span.hi || e.spans != nil && !in4(e.spans, x) {
			continue
		}
		return e.rule, e.open || anyAdmits(b.open, p), true
	}
	return -1, false, false
}

func eval6(f *famIndex[span6], p *flow.Packet, x u128) (int32, bool, bool) {
	if len(f.buckets) == 0 {
		return -1, false, false
	}
	b := &f.buckets[f.bucketOf[p.Proto]]
	if b.cuts != nil { // TCP or UDP with a port index
		i := firstmatch.Search16(b.cuts, p.DstPort)
		if b.acut != nil && b.acut[i] >= 0 { // a long list: its address cut
			c := &b.addrs[b.acut[i]]
			if k := c.first[firstmatch.Search128(c.cuts6, firstmatch.U128{Hi: x.hi, Lo: x.lo})]; k >= 0 {
				return b.entries[k].rule, b.openAt[i], true
			}
			return -1, false, false
		}
		for _, k := range b.idx[b.offs[i]:b.offs[i+1]] {
			e := &b.entries[k]
			if x.less(e.span.lo) || e.span.hi.less(x) || e.spans != nil && !in6(e.spans, x) {
				continue
			}
			return e.rule, b.openAt[i], true
		}
		return -1, false, false
	}
	for i := range b.entries {
		e := &b.entries[i]
		if !e.admits(p) {
			continue
		}
		if x.less(e.span.lo) || e.span.hi.less(x) || e.spans != nil && !in6(e.spans, x) {
			continue
		}
		return e.rule, e.open || anyAdmits(b.open, p), true
	}
	return -1, false, false
}

// admits checks the rule's protocol-specific condition; the bucket has
// already matched the protocol.
func (c *cond) admits(p *flow.Packet) bool {
	switch c.kind {
	case condPorts:
		d := int32(p.DstPort)
		return c.from <= d && d <= c.to
	case condICMP:
		return (c.from < 0 || c.from == int32(p.ICMPType)) && (c.to < 0 || c.to == int32(p.ICMPCode))
	}
	return true
}

// anyAdmits reports whether one of the open rules admits p; their peer
// holds every address of the family, so the condition decides.
func anyAdmits(open []cond, p *flow.Packet) bool {
	for i := range open {
		if open[i].admits(p) {
			return true
		}
	}
	return false
}

// in4 reports whether x lies in one of the sorted, disjoint ranges s.
func in4(s []span4, x uint32) bool {
	lo, hi := 0, len(s)
	for lo < hi { // find the first range ending at or after x
		m := int(uint(lo+hi) >> 1)
		if s[m].hi < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(s) && s[lo].lo <= x
}

func in6(s []span6, x u128) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m].hi.less(x) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(s) && !x.less(s[lo].lo)
}
