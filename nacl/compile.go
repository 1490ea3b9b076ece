package nacl

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/firstmatch"
)

// Compiled is a validated network ACL lowered for fast evaluation. It is
// immutable and safe for concurrent use.
//
// Build it with [Compile]. To change an ACL, edit the plain [ACL] and
// compile it again; if the new version is invalid, Compile returns an
// error and no Compiled, and the caller keeps evaluating with the one it
// already has:
//
//	next, err := nacl.Compile(edited)
//	if err != nil {
//		return err // cur still holds the last good ACL
//	}
//	cur = next
type Compiled struct {
	id     string
	rules  [2][]Rule // by dirIndex: sorted by number, CIDRs masked
	tables [2]table  // by dirIndex
}

// table holds the rules of one direction, split by address family and
// lowered to integer compares. Each family's rules are in ascending rule
// number, so the first match is the deciding rule (NACL-14). The hot
// structs carry only what matching needs, so a scan touches 16 (IPv4) or
// 40 (IPv6) bytes per rule; the decision each rule makes is built once,
// here, in the parallel slices v4d and v6d, and Evaluate copies it out
// whole.
//
// Beside each family's slice, an index (see index.go) finds the lowest
// index i whose rule matches without scanning them all; it is nil for a
// family with few rules, which a scan serves best.
type table struct {
	v4  []rule4
	v4d []flow.Decision
	v6  []rule6
	v6d []flow.Decision
	x4  *index[uint32]
	x6  *index[u128]
	// def4 and def6 are the `*` rules' decisions for the direction.
	def4, def6 flow.Decision
}

// anyProto in rule4.proto and rule6.proto matches every protocol
// (flow.AnyProtocol); IANA numbers are 0..255.
const anyProto = 0x100

// rule4 is an IPv4 rule. The peer matches when peer&mask == addr (addr is
// masked at compile time). The packet's key (see packetKey) must lie in
// lo..hi: for TCP and UDP the rule's port range; for ICMP the rule's type
// and code as an interval of type<<8|code; the full range 0..0xffff when
// the rule does not consult ports or ICMP fields (NACL-11).
type rule4 struct {
	addr, mask uint32
	lo, hi     uint16
	proto      uint16
}

// rule6 is an IPv6 rule: as rule4, with the address as two 64-bit halves.
type rule6 struct {
	addrHi, addrLo uint64
	maskHi, maskLo uint64
	lo, hi         uint16
	proto          uint16
}

// Compile validates a (see [ACL.Validate]) and lowers it for evaluation:
// each direction's rules are sorted by number (NACL-14), CIDRs are
// canonicalised with host bits cleared (NACL-5), and the rules are split
// by address family (NACL-8) into integer compares. An invalid ACL yields
// its errors and a nil *Compiled. a is not modified and not retained.
func Compile(a ACL) (*Compiled, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	c := &Compiled{id: a.ID}
	for _, dir := range directions {
		rules := slices.Clone(a.rules(dir))
		for i := range rules {
			rules[i].CIDR = rules[i].CIDR.Masked()
		}
		// Numbers are unique (validated), so the sort is total.
		slices.SortFunc(rules, func(x, y Rule) int { return cmp.Compare(x.Number, y.Number) })
		d := dirIndex(dir)
		c.rules[d] = rules
		c.tables[d] = c.lower(rules, dir)
	}
	return c, nil
}

// lower builds the table of direction dir from its sorted, masked rules.
func (c *Compiled) lower(rules []Rule, dir flow.Direction) table {
	t := table{def4: defaultDecision(dir, false), def6: defaultDecision(dir, true)}
	for i := range rules {
		r := &rules[i]
		proto := uint16(anyProto)
		if p, ok := r.Protocol.Proto(); ok {
			proto = uint16(p)
		}
		lo, hi := keyRange(r)
		d := ruleDecision(dir, r, i)
		if r.Is6() {
			a := r.CIDR.Addr().As16()
			mhi, mlo := mask6(r.CIDR.Bits())
			t.v6 = append(t.v6, rule6{
				addrHi: binary.BigEndian.Uint64(a[:8]), addrLo: binary.BigEndian.Uint64(a[8:]),
				maskHi: mhi, maskLo: mlo, lo: lo, hi: hi, proto: proto,
			})
			t.v6d = append(t.v6d, d)
		} else {
			a := r.CIDR.Addr().As4()
			t.v4 = append(t.v4, rule4{
				addr: binary.BigEndian.Uint32(a[:]), mask: mask4(r.CIDR.Bits()),
				lo: lo, hi: hi, proto: proto,
			})
			t.v4d = append(t.v4d, d)
		}
	}
	t.x4 = buildIndex(specs4(t.v4), firstmatch.Top4, firstmatch.Cuts4)
	t.x6 = buildIndex(specs6(t.v6), firstmatch.Top6, func(c []u128) []u128 { return c })
	return t
}

// keyRange is the interval of packetKey values a valid rule accepts.
// ICMP's type and code pair is one interval because a type of -1 comes
// with a code of -1 (validated, IN-24): any type → 0..0xffff; type t, any
// code → t<<8..t<<8|0xff; type t, code c → the single value t<<8|c.
func keyRange(r *Rule) (lo, hi uint16) {
	switch {
	case r.HasPorts():
		return uint16(r.FromPort), uint16(r.ToPort)
	case r.HasICMP():
		if r.ICMPType == -1 {
			return 0, 0xffff
		}
		t := uint16(r.ICMPType) << 8
		if r.ICMPCode == -1 {
			return t, t | 0xff
		}
		return t | uint16(r.ICMPCode), t | uint16(r.ICMPCode)
	}
	return 0, 0xffff
}

// mask4 returns the netmask of an IPv4 prefix length 0..32. (A shift by
// 32 or more yields 0 in Go, so /0 needs no special case.)
func mask4(bits int) uint32 { return ^uint32(0) << (32 - uint(bits)) }

// mask6 returns the netmask of an IPv6 prefix length 0..128 as two halves.
func mask6(bits int) (hi, lo uint64) {
	hb, lb := min(bits, 64), max(bits-64, 0)
	return ^uint64(0) << (64 - uint(hb)), ^uint64(0) << (64 - uint(lb))
}

func verdictOf(a Action) flow.Verdict {
	if a == Allow {
		return flow.Allow
	}
	return flow.Drop
}

// dirIndex maps Egress to 1 and everything else to 0 (Ingress), as
// flow.Direction.String reads an out-of-range value.
func dirIndex(dir flow.Direction) int {
	if dir == flow.Egress {
		return 1
	}
	return 0
}

// ID returns the ACL's id.
func (c *Compiled) ID() string { return c.id }

// Rules returns a copy of the rules of dir in evaluation order: ascending
// rule number, CIDRs canonical. The `*` rules are not included.
func (c *Compiled) Rules(dir flow.Direction) []Rule {
	return slices.Clone(c.rules[dirIndex(dir)])
}

// ACL returns the compiled ACL as plain data, in canonical form: rules
// sorted by number, CIDRs with host bits cleared.
func (c *Compiled) ACL() ACL {
	return ACL{ID: c.id, Ingress: c.Rules(flow.Ingress), Egress: c.Rules(flow.Egress)}
}
