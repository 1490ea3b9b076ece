package nacl

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
)

// Generators for random ACLs and packets. Addresses come mostly from a
// small pool and from inside (or just outside) the rules' own CIDRs, so
// that rules match often and the prefix edges are exercised.

var (
	v4Pool = []netip.Addr{
		netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("10.0.0.0"), netip.MustParseAddr("10.0.1.10"),
		netip.MustParseAddr("198.51.100.66"), netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("255.255.255.255"),
	}
	v6Pool = []netip.Addr{
		netip.MustParseAddr("::"), netip.MustParseAddr("2001:db8::"), netip.MustParseAddr("2001:db8:0:1::10"),
		netip.MustParseAddr("2001:db8:0:1:8000::"), netip.MustParseAddr("fe80::1"),
		netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	}
	protoPool = []flow.Protocol{flow.AnyProtocol, 6, 17, 1, 58, 47, 0, 255}
	portPool  = []int{0, 1, 22, 80, 443, 1023, 1024, 32767, 32768, 50000, 65534, 65535}
	icmpPool  = []int{0, 3, 4, 8, 11, 128, 129, 255}
)

// genAddr draws an address of the family: from the pool or fully random.
func genAddr(t *rapid.T, v6 bool, label string) netip.Addr {
	pool, n := v4Pool, 4
	if v6 {
		pool, n = v6Pool, 16
	}
	if rapid.Bool().Draw(t, label+"-pooled") {
		return rapid.SampledFrom(pool).Draw(t, label)
	}
	a, _ := netip.AddrFromSlice(rapid.SliceOfN(rapid.Byte(), n, n).Draw(t, label))
	return a
}

// genPrefix draws a prefix, host bits possibly set (Compile clears them).
func genPrefix(t *rapid.T, label string) netip.Prefix {
	v6 := rapid.Bool().Draw(t, label+"-v6")
	a := genAddr(t, v6, label+"-addr")
	bits := rapid.OneOf(rapid.IntRange(0, a.BitLen()), rapid.SampledFrom([]int{0, 8, 16, 24, 32, 48, 64, 127, 128})).
		Filter(func(b int) bool { return b <= a.BitLen() }).Draw(t, label+"-bits")
	return netip.PrefixFrom(a, bits)
}

// genPort draws a port, often an interesting one.
func genPort() *rapid.Generator[int] {
	return rapid.OneOf(rapid.SampledFrom(portPool), rapid.IntRange(0, 65535))
}

// genICMP draws an ICMP type or code 0..255, often a common one.
func genICMP() *rapid.Generator[int] {
	return rapid.OneOf(rapid.SampledFrom(icmpPool), rapid.IntRange(0, 255))
}

// genRule draws a valid rule with the given number. With canonical set,
// the fields its protocol ignores are zero; otherwise they hold junk,
// which must not change anything (NACL-11).
func genRule(t *rapid.T, number int, canonical bool, label string) Rule {
	r := Rule{
		Number:   number,
		Action:   rapid.SampledFrom([]Action{Allow, Deny}).Draw(t, label+"-action"),
		Protocol: rapid.SampledFrom(protoPool).Draw(t, label+"-proto"),
		CIDR:     genPrefix(t, label+"-cidr"),
	}
	if r.HasPorts() {
		a, b := genPort().Draw(t, label+"-from"), genPort().Draw(t, label+"-to")
		r.FromPort, r.ToPort = min(a, b), max(a, b)
	} else if !canonical {
		r.FromPort, r.ToPort = rapid.IntRange(-5, 70000).Draw(t, label+"-junkfrom"), rapid.IntRange(-5, 70000).Draw(t, label+"-junkto")
	}
	if r.HasICMP() {
		r.ICMPType, r.ICMPCode = -1, -1
		if !rapid.Bool().Draw(t, label+"-anytype") {
			r.ICMPType = genICMP().Draw(t, label+"-type")
			if !rapid.Bool().Draw(t, label+"-anycode") {
				r.ICMPCode = genICMP().Draw(t, label+"-code")
			}
		}
	} else if !canonical {
		r.ICMPType, r.ICMPCode = rapid.IntRange(-5, 300).Draw(t, label+"-junktype"), rapid.IntRange(-5, 300).Draw(t, label+"-junkcode")
	}
	return r
}

// genNumbers draws n distinct rule numbers, often small ones so that
// generated ACLs interleave, sometimes the extremes 1 and 32766.
func genNumbers(t *rapid.T, label string) []int {
	num := rapid.OneOf(rapid.IntRange(1, 200), rapid.SampledFrom([]int{1, 32766}), rapid.IntRange(1, 32766))
	return rapid.SliceOfNDistinct(num, 0, 12, rapid.ID[int]).Draw(t, label)
}

// genACL draws a valid ACL with up to 12 rules per direction.
func genACL(t *rapid.T) ACL {
	a := ACL{ID: "acl-rand"}
	for _, n := range genNumbers(t, "in-numbers") {
		a.Ingress = append(a.Ingress, genRule(t, n, false, fmt.Sprintf("in%d", n)))
	}
	for _, n := range genNumbers(t, "out-numbers") {
		a.Egress = append(a.Egress, genRule(t, n, false, fmt.Sprintf("out%d", n)))
	}
	return a
}

// addrIn draws an address inside p.
func addrIn(t *rapid.T, p netip.Prefix, label string) netip.Addr {
	raw := p.Masked().Addr().AsSlice()
	rnd := rapid.SliceOfN(rapid.Byte(), len(raw), len(raw)).Draw(t, label)
	for i := range raw {
		var m byte // network bits of this byte
		switch left := p.Bits() - 8*i; {
		case left >= 8:
			m = 0xff
		case left > 0:
			m = ^byte(0) << (8 - left)
		}
		raw[i] = raw[i]&m | rnd[i]&^m
	}
	a, _ := netip.AddrFromSlice(raw)
	return a
}

// genPeer draws the address a rule's CIDR is tested against: inside p,
// just outside it (the address before its first or after its last), or
// anywhere in p's family.
func genPeer(t *rapid.T, p netip.Prefix) netip.Addr {
	p = p.Masked()
	switch rapid.IntRange(0, 5).Draw(t, "peer-kind") {
	case 0:
		if b := p.Addr().Prev(); b.IsValid() {
			return b
		}
	case 1:
		if n := lastAddr(p).Next(); n.IsValid() {
			return n
		}
	case 2:
		return genAddr(t, p.Addr().Is6(), "peer")
	}
	return addrIn(t, p, "peer-in")
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	raw := p.Masked().Addr().AsSlice()
	for i := range raw {
		if left := p.Bits() - 8*i; left < 8 {
			raw[i] |= ^(^byte(0) << (8 - max(left, 0)))
		}
	}
	a, _ := netip.AddrFromSlice(raw)
	return a
}

// genPacket draws a packet and direction for ACL a. Most packets are
// aimed at one rule of their direction: an address in or just outside its
// CIDR, its protocol, a port or ICMP type at or next to its edges. The
// rest are random, so that misses and the other family occur too.
func genPacket(t *rapid.T, a *ACL) (flow.Packet, flow.Direction) {
	dir := rapid.SampledFrom(directions[:]).Draw(t, "dir")
	rules := a.rules(dir)
	var target *Rule
	if len(rules) > 0 && rapid.IntRange(0, 3).Draw(t, "aimed") > 0 {
		target = &rules[rapid.IntRange(0, len(rules)-1).Draw(t, "target")]
	}
	p := flow.Packet{
		Proto:   flow.Proto(rapid.SampledFrom([]int{6, 17, 1, 58, 47, 0, 255}).Draw(t, "pkt-proto")),
		Flags:   flow.TCPFlags(rapid.Byte().Draw(t, "flags")),
		SrcPort: uint16(rapid.IntRange(0, 65535).Draw(t, "sport")),
	}
	var peer netip.Addr
	ports := []int{0, 65535}
	types, codes := []int{0, 255}, []int{0, 255}
	if target != nil {
		peer = genPeer(t, target.CIDR)
		if pr, ok := target.Protocol.Proto(); ok && rapid.IntRange(0, 3).Draw(t, "same-proto") > 0 {
			p.Proto = pr
		}
		ports = append(ports, target.FromPort-1, target.FromPort, target.ToPort, target.ToPort+1)
		types = append(types, target.ICMPType-1, target.ICMPType, target.ICMPType+1)
		codes = append(codes, target.ICMPCode-1, target.ICMPCode, target.ICMPCode+1)
	} else {
		peer = genAddr(t, rapid.Bool().Draw(t, "pkt-v6"), "peer")
	}
	other := genAddr(t, peer.Is6(), "other")
	p.Src, p.Dst = peer, other
	if dir == flow.Egress {
		p.Src, p.Dst = other, peer
	}
	pick := func(edges []int, hi int, label string) int {
		edges = slices.DeleteFunc(edges, func(v int) bool { return v < 0 || v > hi })
		if len(edges) > 0 && rapid.IntRange(0, 3).Draw(t, label+"-edge") > 0 {
			return rapid.SampledFrom(edges).Draw(t, label)
		}
		return rapid.IntRange(0, hi).Draw(t, label)
	}
	p.DstPort = uint16(pick(ports, 65535, "dport"))
	p.ICMPType = uint8(pick(types, 255, "icmp-type"))
	p.ICMPCode = uint8(pick(codes, 255, "icmp-code"))
	return p, dir
}

// TestPropertyCompiledMatchesGolden: on random valid ACLs and packets the
// compiled evaluator decides exactly as the golden model (same verdict,
// rule number, rule text, reason, direction, ACL). It covers NACL-8..16
// at once.
func TestPropertyCompiledMatchesGolden(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t)
		c, err := Compile(a)
		if err != nil {
			t.Fatalf("generated ACL invalid: %v", err)
		}
		for range 50 {
			p, dir := genPacket(t, &a)
			got := evalc(c, &p, dir)
			want := Reference(&a, &p, dir)
			if got != want {
				t.Fatalf("%s %s:\ncompiled %+v\ngolden   %+v", p.Key(), dir, got, want)
			}
		}
	})
}

// TestPropertyOrderDoesNotMatter: shuffling the listed rules never changes
// a decision; rule numbers, not positions, order them (NACL-14, NOT-4).
func TestPropertyOrderDoesNotMatter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t)
		b := ACL{
			ID:      a.ID,
			Ingress: rapid.Permutation(a.Ingress).Draw(t, "in-perm"),
			Egress:  rapid.Permutation(a.Egress).Draw(t, "out-perm"),
		}
		ca, cb := mustCompileRapid(t, a), mustCompileRapid(t, b)
		for range 20 {
			p, dir := genPacket(t, &a)
			da, db := evalc(ca, &p, dir), evalc(cb, &p, dir)
			if da != db {
				t.Fatalf("%s %s: listed order changed the decision: %+v vs %+v", p.Key(), dir, da, db)
			}
			if g := Reference(&b, &p, dir); g != da {
				t.Fatalf("%s %s: golden on shuffled rules differs: %+v vs %+v", p.Key(), dir, g, da)
			}
		}
	})
}

// TestPropertyLaterRuleNeverReached: adding a rule numbered above the
// rule that decided a packet never changes that decision: first match
// wins (NACL-14, NACL-17).
func TestPropertyLaterRuleNeverReached(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t)
		c := mustCompileRapid(t, a)
		p, dir := genPacket(t, &a)
		d := evalc(c, &p, dir)
		if d.Reason != flow.ReasonRule || d.RuleNumber == 32766 {
			return // `*` decided: any new rule could match first
		}
		n := rapid.IntRange(int(d.RuleNumber)+1, 32766).Draw(t, "new-number")
		list := &a.Ingress
		if dir == flow.Egress {
			list = &a.Egress
		}
		if slices.ContainsFunc(*list, func(r Rule) bool { return r.Number == n }) {
			return
		}
		// A rule built to match this very packet, allow or deny.
		r := genRule(t, n, false, "new")
		peer := p.Src
		if dir == flow.Egress {
			peer = p.Dst
		}
		r.CIDR = netip.PrefixFrom(peer, rapid.IntRange(0, peer.BitLen()).Draw(t, "new-bits"))
		r.Protocol = rapid.SampledFrom([]flow.Protocol{flow.AnyProtocol, flow.Protocol(p.Proto)}).Draw(t, "new-proto")
		if r.HasPorts() {
			r.FromPort, r.ToPort = int(p.DstPort), int(p.DstPort)
		}
		if r.HasICMP() {
			r.ICMPType, r.ICMPCode = -1, -1
		}
		at := rapid.IntRange(0, len(*list)).Draw(t, "insert-at")
		*list = slices.Insert(slices.Clone(*list), at, r)
		c2 := mustCompileRapid(t, a)
		if d2 := evalc(c2, &p, dir); d2 != d {
			t.Fatalf("%s %s: rule %q above %d changed the decision: %+v vs %+v", p.Key(), dir, r, d.RuleNumber, d, d2)
		}
	})
}

// TestPropertyRuleTextRoundTrip: ParseRule reads back what String prints,
// for every valid rule whose ignored fields are zero.
func TestPropertyRuleTextRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := genRule(t, rapid.IntRange(1, 32766).Draw(t, "number"), true, "r")
		back, err := ParseRule(r.String())
		if err != nil {
			t.Fatalf("%q: %v", r.String(), err)
		}
		if back != r {
			t.Fatalf("%q read back as %+v, want %+v", r.String(), back, r)
		}
	})
}

// mustCompileRapid compiles a generated ACL, which must be valid.
func mustCompileRapid(t *rapid.T, a ACL) *Compiled {
	c, err := Compile(a)
	if err != nil {
		t.Fatalf("generated ACL invalid: %v", err)
	}
	return c
}

// TestGeneratorsHit checks that the generators make the properties
// meaningful: numbered rules decide a good share of the packets, both
// allow and deny, in both families.
func TestGeneratorsHit(t *testing.T) {
	var hits, allows, denies, v6hits, total int
	rapid.Check(t, func(t *rapid.T) {
		a := genACL(t)
		c := mustCompileRapid(t, a)
		p, dir := genPacket(t, &a)
		d := evalc(c, &p, dir)
		total++
		if d.Reason == flow.ReasonRule {
			hits++
			if d.Verdict == flow.Allow {
				allows++
			} else {
				denies++
			}
			if p.Is6() {
				v6hits++
			}
		}
	})
	t.Logf("%d of %d packets decided by a numbered rule (%d allow, %d deny, %d IPv6)", hits, total, allows, denies, v6hits)
	if total > 0 && (hits*10 < total || allows == 0 || denies == 0 || v6hits == 0) {
		t.Errorf("generators too weak: %d of %d hits (%d allow, %d deny, %d IPv6)", hits, total, allows, denies, v6hits)
	}
}
