package pfsimtest

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// VPC draws small valid VPC configurations, which [vpc.New] accepts:
//
//   - a VPC block from /16 to /28 (or, now and then, none, so that no
//     base + 2 is the Amazon DNS server);
//   - one to three subnets carved from it without overlap, from /16 to
//     /28, often touching each other, and often with an IPv6 /64 each;
//   - up to two custom network ACLs drawn as [ACL] draws them, and now and
//     then the default ACL declared with rules of its own; each subnet
//     uses one of them or the default;
//   - up to two prefix lists, and one to three security groups drawn as
//     [Group] draws them, whose rules may name each other, themselves and
//     the prefix lists;
//   - one to four interfaces drawn as [Interface] draws them.
//
// Ids are "subnet-0", "acl-0", "pl-0", "sg-0", "eni-0" and so on. Rules
// and prefix lists lean to the VPC's own edges: its blocks, the addresses
// AWS reserves in each subnet, its interfaces' addresses. Heeds
// [Protocols], [OnlyIPv4] (no IPv6 blocks, no IPv6 rules) and [OnlyIPv6]
// (an IPv6 block in every subnet, IPv6 rules only).
func VPC(opts ...Option) *rapid.Generator[vpc.Config] {
	o := newOptions(opts)
	return rapid.Custom(func(t *rapid.T) vpc.Config { return drawVPC(t, o) })
}

// Interface draws an interface that could join cfg: a subnet of cfg, one
// or two private IPv4 addresses (leaning to the first and last that AWS
// does not reserve, base + 4 and last - 1) and, in a subnet with an IPv6
// block, up to two IPv6 addresses, none of them another interface's; one
// to three of cfg's security groups; tracking settings that are mostly
// AWS's defaults and otherwise the ends of AWS's ranges (60 s, 350 s and
// 432000 s for established TCP; 30 and 60 s for UDP; 60 and 180 s for
// UDP streams), now and then with a capacity of one to three
// connections; and up to three listening ports among those [Port] leans
// to. Its id is the first of "eni-0", "eni-1", ... that cfg does not use.
//
// If cfg has no subnet or no security group, or no subnet has a free
// address, no interface could join it: every draw fails the test, saying
// why.
func Interface(cfg vpc.Config) *rapid.Generator[vpc.Interface] {
	if len(cfg.Subnets) == 0 || len(cfg.SecurityGroups) == 0 {
		return refused[vpc.Interface](errors.New("pfsimtest.Interface: the configuration needs a subnet and a security group for an interface to join it"))
	}
	p := newPool(&options{cfg: &cfg})
	return rapid.Custom(func(t *rapid.T) vpc.Interface { return drawInterface(t, p, &cfg, false) })
}

// vpcBases are the blocks VPCs are carved from: RFC 1918 and the shared
// address space, at their usual starting points.
var vpcBases = addrs("10.0.0.0", "172.31.0.0", "192.168.0.0", "10.1.0.0", "100.64.0.0")

func drawVPC(t *rapid.T, o *options) vpc.Config {
	var c vpc.Config
	base := rapid.SampledFrom(vpcBases).Draw(t, "vpc.base")
	bits := rapid.SampledFrom([]int{16, 16, 20, 24, 26, 28}).Draw(t, "vpc.bits")
	block := netip.PrefixFrom(base, bits).Masked()
	if pick(t, "vpc.cidr", 9, 1) == 0 {
		c.CIDR = block
	}
	c.Subnets = drawSubnets(t, o, block)

	nGroups := rapid.IntRange(1, 3).Draw(t, "groups")
	nLists := rapid.IntRange(0, 2).Draw(t, "prefix_lists")
	nACLs := rapid.IntRange(0, 2).Draw(t, "acls")
	groupIDs := ids("sg-", nGroups)
	aclIDs := ids("acl-", nACLs)
	if pick(t, "default.declared", 8, 2) == 1 {
		aclIDs = append(aclIDs, vpc.DefaultACL)
	}
	for i := range c.Subnets {
		choices := append([]string{"", vpc.DefaultACL}, aclIDs...)
		c.Subnets[i].ACL = rapid.SampledFrom(choices).Draw(t, "subnet.acl")
	}

	// Interfaces first, with their groups' ids, so that rules can lean to
	// their addresses.
	for _, id := range groupIDs {
		c.SecurityGroups = append(c.SecurityGroups, sg.Group{ID: id}) // rules come later
	}
	for range rapid.IntRange(1, 4).Draw(t, "interfaces") {
		p := newPool(&options{cfg: &c})
		c.Interfaces = append(c.Interfaces, drawInterface(t, p, &c, o.family == 6))
	}
	ro := *o
	ro.cfg = &c
	if o.family == 0 && !hasIPv6(&c) {
		ro.family = 4 // no IPv6 in the VPC: IPv6 rules would only be noise
	}
	p := newPool(&ro)
	for i := range nLists {
		c.PrefixLists = append(c.PrefixLists, drawPrefixList(t, p, &ro, "pl-"+strconv.Itoa(i)))
	}
	p = newPool(&ro)
	p.groups = groupIDs
	for i, id := range groupIDs {
		c.SecurityGroups[i] = drawGroup(t, p, &ro, id, nil)
	}
	p = newPool(&ro)
	for _, id := range aclIDs {
		c.NetworkACLs = append(c.NetworkACLs, drawACL(t, p, &ro, id))
	}
	return c
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func hasIPv6(c *vpc.Config) bool {
	for _, s := range c.Subnets {
		if s.IPv6CIDR.IsValid() {
			return true
		}
	}
	return false
}

// drawSubnets carves one to three subnets from block, in order, each
// aligned to its size, touching the one before or one block of its size
// further on.
func drawSubnets(t *rapid.T, o *options, block netip.Prefix) []vpc.Subnet {
	// A /28 VPC holds one subnet: the smallest subnet is a /28 too.
	n := rapid.IntRange(1, min(3, 1<<(28-max(block.Bits(), 16)))).Draw(t, "subnets")
	b4 := block.Addr().As4()
	base := uint64(binary.BigEndian.Uint32(b4[:]))
	size := uint64(1) << (32 - block.Bits())
	var v6 netip.Prefix
	if o.family == 6 || o.family == 0 && pick(t, "vpc.ipv6", 6, 4) == 1 {
		// 2001:db8:XX::/56, the documentation range.
		b := netip.MustParseAddr("2001:db8::").As16()
		b[5] = rapid.Byte().Draw(t, "vpc.ipv6.byte")
		v6 = netip.PrefixFrom(netip.AddrFrom16(b), 56)
	}
	var out []vpc.Subnet
	used6 := map[int]bool{}
	var cursor uint64
	for i := range n {
		lo := max(block.Bits(), 16)
		if n > 1 {
			lo = max(block.Bits()+1, 16)
		}
		if lo > 28 {
			break
		}
		bits := rapid.SampledFrom([]int{24, 28, lo, rapid.IntRange(lo, 28).Draw(t, "subnet.rbits")}).Draw(t, "subnet.bits")
		bits = min(max(bits, lo), 28)
		sz := uint64(1) << (32 - bits)
		start := (cursor + sz - 1) / sz * sz
		if i > 0 && rapid.Bool().Draw(t, "subnet.gap") {
			start += sz
		}
		if start+sz > size {
			break
		}
		cursor = start + sz
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], uint32(base+start))
		s := vpc.Subnet{ID: "subnet-" + strconv.Itoa(i), CIDR: netip.PrefixFrom(netip.AddrFrom4(a), bits)}
		if v6.IsValid() && (o.family == 6 || pick(t, "subnet.ipv6", 3, 7) == 1) {
			for try := 0; ; try++ {
				k := rapid.SampledFrom([]int{0, 1, 255, rapid.IntRange(0, 255).Draw(t, "subnet.ipv6.rindex")}).Draw(t, "subnet.ipv6.index")
				for try > 8 && used6[k] {
					k = (k + 1) % 256
				}
				if !used6[k] {
					used6[k] = true
					b := v6.Addr().As16()
					b[7] = byte(k)
					s.IPv6CIDR = netip.PrefixFrom(netip.AddrFrom16(b), 64)
					break
				}
			}
		}
		out = append(out, s)
	}
	if len(out) > 1 && rapid.Bool().Draw(t, "subnets.shuffle") {
		out = rapid.Permutation(out).Draw(t, "subnets.order")
	}
	return out
}

// drawInterface draws an interface that can join c; need6 asks for at
// least one IPv6 address when its subnet has an IPv6 block.
func drawInterface(t *rapid.T, p *pool, c *vpc.Config, need6 bool) vpc.Interface {
	taken := map[netip.Addr]bool{}
	usedIDs := map[string]bool{}
	for _, itf := range c.Interfaces {
		usedIDs[itf.ID] = true
		for _, a := range append(slices.Clone(itf.PrivateIPs), itf.IPv6Addrs...) {
			taken[a] = true
		}
	}
	itf := vpc.Interface{}
	for i := 0; ; i++ {
		if id := "eni-" + strconv.Itoa(i); !usedIDs[id] {
			itf.ID = id
			break
		}
	}
	// A subnet with a free address; the drawn one if it has one.
	order := rapid.Permutation(c.Subnets).Draw(t, "interface.subnets")
	var sub vpc.Subnet
	for _, s := range order {
		if _, ok := freeAddr(s.CIDR, taken); ok {
			sub = s
			break
		}
	}
	if !sub.CIDR.IsValid() {
		t.Fatalf("pfsimtest.Interface: no subnet of the configuration has a free address")
	}
	itf.Subnet = sub.ID
	for i := range rapid.SampledFrom([]int{1, 1, 2}).Draw(t, "interface.ipv4") {
		if a, ok := drawHostAddr(t, sub.CIDR, taken, "interface.ipv4."+strconv.Itoa(i)); ok {
			taken[a] = true
			itf.PrivateIPs = append(itf.PrivateIPs, a)
		}
	}
	if sub.IPv6CIDR.IsValid() {
		least := 0
		if need6 {
			least = 1
		}
		for i := range rapid.IntRange(least, 2).Draw(t, "interface.ipv6") {
			if a, ok := drawHostAddr(t, sub.IPv6CIDR, taken, "interface.ipv6."+strconv.Itoa(i)); ok {
				taken[a] = true
				itf.IPv6Addrs = append(itf.IPv6Addrs, a)
			}
		}
	}
	groups := make([]string, len(c.SecurityGroups))
	for i, g := range c.SecurityGroups {
		groups[i] = g.ID
	}
	k := rapid.IntRange(1, min(3, len(groups))).Draw(t, "interface.groups")
	itf.Groups = rapid.Permutation(groups).Draw(t, "interface.group.order")[:k]
	itf.Tracking = drawTracking(t)
	for i := range rapid.IntRange(0, 3).Draw(t, "interface.listening") {
		l := vpc.Port{Proto: flow.TCP, Port: drawPort(t, p, "listen."+strconv.Itoa(i))}
		if pick(t, "listen.udp", 8, 2) == 1 {
			l.Proto = flow.UDP
		}
		if !slices.Contains(itf.Listening, l) {
			itf.Listening = append(itf.Listening, l)
		}
	}
	return itf
}

// drawTracking draws tracking settings: AWS's defaults, or the ends of
// AWS's ranges (CT-16a to CT-16c), now and then with a small capacity.
func drawTracking(t *rapid.T) conntrack.Config {
	var c conntrack.Config
	if pick(t, "tracking", 6, 4) == 1 {
		c.TCPEstablishedTimeout = rapid.SampledFrom([]time.Duration{0, conntrack.MinTCPEstablishedTimeout, 350 * time.Second, conntrack.MaxTCPEstablishedTimeout}).Draw(t, "tracking.tcp")
		c.UDPTimeout = rapid.SampledFrom([]time.Duration{0, conntrack.MinUDPTimeout, conntrack.MaxUDPTimeout}).Draw(t, "tracking.udp")
		c.UDPStreamTimeout = rapid.SampledFrom([]time.Duration{0, conntrack.MinUDPStreamTimeout, conntrack.MaxUDPStreamTimeout}).Draw(t, "tracking.stream")
	}
	if pick(t, "tracking.capacity", 17, 3) == 1 {
		c.Capacity = rapid.IntRange(1, 3).Draw(t, "tracking.capacity.n")
	}
	return c
}

// drawHostAddr draws an address of block that AWS does not reserve and
// taken does not hold, leaning to the first and last such (base + 4,
// last - 1); ok is false when there is none.
func drawHostAddr(t *rapid.T, block netip.Prefix, taken map[netip.Addr]bool, label string) (netip.Addr, bool) {
	block = block.Masked()
	first, last := nth(block.Addr(), 4), lastAddr(block).Prev()
	usable := func(a netip.Addr) bool {
		_, reserved := vpc.Reserved(block, a)
		return a.IsValid() && block.Contains(a) && !reserved && !taken[a]
	}
	for range 8 {
		var a netip.Addr
		switch pick(t, label+".kind", 3, 3, 4) {
		case 0:
			a = first
		case 1:
			a = last
		default:
			a = randomIn(t, block, label+".random")
		}
		if usable(a) {
			return a, true
		}
	}
	return freeAddr(block, taken)
}

// freeAddr returns the first address of block that AWS does not reserve
// and taken does not hold.
func freeAddr(block netip.Prefix, taken map[netip.Addr]bool) (netip.Addr, bool) {
	block = block.Masked()
	for a, i := nth(block.Addr(), 4), 0; block.Contains(a) && i < 64; a, i = a.Next(), i+1 {
		if _, reserved := vpc.Reserved(block, a); !reserved && !taken[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}
