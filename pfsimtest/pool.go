package pfsimtest

import (
	"net/netip"
	"slices"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// This file holds the values the generators lean to: the edges where rule
// sets go wrong. Random draws alone rarely meet them: among 20,000 random
// IPv4 addresses the chance of meeting 169.254.169.254 even once is about
// one in 200,000.

// EdgePorts are the ports every port draw leans to: the ends of the port
// space, the well-known/registered boundary (1023 | 1024), the start of
// Linux's ephemeral range (32768) and its end (60999 | 61000), the start
// of the range Windows and IANA use (49152), and a few services' ports.
var EdgePorts = []uint16{0, 1, 22, 53, 80, 443, 1023, 1024, 1025, 3389, 5432, 32767, 32768, 49151, 49152, 60999, 61000, 65534, 65535}

// AWSServiceAddrs are the addresses of the AWS services whose traffic no
// security group or network ACL sees (NOT-10), as package vpc exempts them:
// the instance metadata service, the Amazon DNS server, the Amazon Time
// Sync Service (IPv4 and IPv6) and the VPC router's link-local address.
// Besides these, a VPC exempts its own base + 2 (the Amazon DNS server)
// and every subnet's base + 1, + 2 and + 3; with [In] the generators lean
// to those too.
var AWSServiceAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("169.254.169.253"),
	netip.MustParseAddr("169.254.169.123"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("fd00:ec2::253"),
	netip.MustParseAddr("fd00:ec2::123"),
	netip.MustParseAddr("fe80:ec2::1"),
}

// edgeAddrs are the addresses every address draw leans to, besides the AWS
// services': the ends of each family, documentation and private ranges'
// usual hosts, loopback, a link-local host.
var edgeAddrs = addrs(
	"0.0.0.0", "0.0.0.1", "255.255.255.255", "127.0.0.1",
	"10.0.0.0", "10.0.1.10", "10.255.255.255", "172.16.0.1", "192.168.0.1", "100.64.0.1",
	"192.0.2.1", "198.51.100.7", "203.0.113.99",
	"::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"2001:db8::1", "2001:db8:1::10", "2600:1f18::1", "fe80::1",
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// pool is the set of values draws lean to, built once per generator from
// its options.
type pool struct {
	v4, v6 []netip.Addr
	ports  []uint16
	// ifaces are cfg's interfaces, with their addresses.
	ifaces []vpc.Interface
	// owner maps each interface address to its interface's index in
	// ifaces.
	owner map[netip.Addr]int
	// groups and lists are the ids rules may name.
	groups, lists []string
}

// newPool gathers the values options o lean to.
func newPool(o *options) *pool {
	p := &pool{ports: slices.Clone(EdgePorts), owner: map[netip.Addr]int{}}
	p.add(edgeAddrs...)
	p.add(AWSServiceAddrs...)
	if o.cfg != nil {
		p.addConfig(o.cfg)
	}
	p.v4 = uniq(p.v4)
	p.v6 = uniq(p.v6)
	slices.Sort(p.ports)
	p.ports = slices.Compact(p.ports)
	return p
}

func (p *pool) add(as ...netip.Addr) {
	for _, a := range as {
		switch {
		case !a.IsValid():
		case a.Is4():
			p.v4 = append(p.v4, a)
		default:
			p.v6 = append(p.v6, a)
		}
	}
}

// addPrefix adds the first and last address of q and the addresses just
// outside it: the edges of a rule's range.
func (p *pool) addPrefix(q netip.Prefix) {
	if !q.IsValid() {
		return
	}
	q = q.Masked()
	first, last := q.Addr(), lastAddr(q)
	p.add(first, last, first.Prev(), last.Next())
}

// addPortRange adds the edges of a port range: its ends and the ports just
// outside.
func (p *pool) addPortRange(from, to int) {
	for _, x := range []int{from - 1, from, to, to + 1} {
		if x >= 0 && x <= 65535 {
			p.ports = append(p.ports, uint16(x))
		}
	}
}

func (p *pool) addConfig(c *vpc.Config) {
	if c.CIDR.IsValid() {
		p.addPrefix(c.CIDR)
		p.add(nth(c.CIDR.Masked().Addr(), 2)) // the Amazon DNS server
	}
	for _, s := range c.Subnets {
		for _, b := range []netip.Prefix{s.CIDR, s.IPv6CIDR} {
			if !b.IsValid() {
				continue
			}
			p.addPrefix(b)
			base := b.Masked().Addr()
			p.add(nth(base, 1), nth(base, 2), nth(base, 3), nth(base, 4), lastAddr(b).Prev())
		}
	}
	for _, pl := range c.PrefixLists {
		p.lists = append(p.lists, pl.ID)
		for _, e := range pl.Entries {
			p.addPrefix(e)
		}
	}
	for _, g := range c.SecurityGroups {
		p.groups = append(p.groups, g.ID)
		for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
			p.addSGRule(r)
		}
	}
	for _, a := range c.NetworkACLs {
		for _, r := range append(slices.Clone(a.Ingress), a.Egress...) {
			p.addNACLRule(r)
		}
	}
	for _, itf := range c.Interfaces {
		p.ifaces = append(p.ifaces, itf)
		for _, a := range append(slices.Clone(itf.PrivateIPs), itf.IPv6Addrs...) {
			p.add(a)
			p.owner[a] = len(p.ifaces) - 1
		}
		for _, l := range itf.Listening {
			p.ports = append(p.ports, l.Port)
		}
	}
}

func (p *pool) addSGRule(r sg.Rule) {
	if r.CIDR.IsValid() {
		p.addPrefix(r.CIDR)
	}
	if r.Protocol == flow.ProtocolOf(flow.TCP) || r.Protocol == flow.ProtocolOf(flow.UDP) {
		p.addPortRange(r.FromPort, r.ToPort)
	}
}

func (p *pool) addNACLRule(r nacl.Rule) {
	p.addPrefix(r.CIDR)
	if r.HasPorts() {
		p.addPortRange(r.FromPort, r.ToPort)
	}
}

// family returns the pool's addresses of family fam (4 or 6).
func (p *pool) family(fam int) []netip.Addr {
	if fam == 6 {
		return p.v6
	}
	return p.v4
}

func uniq(as []netip.Addr) []netip.Addr {
	slices.SortFunc(as, netip.Addr.Compare)
	return slices.Compact(as)
}

// nth returns the address n above a.
func nth(a netip.Addr, n int) netip.Addr {
	for ; n > 0 && a.IsValid(); n-- {
		a = a.Next()
	}
	return a
}

// lastAddr returns the highest address of q.
func lastAddr(q netip.Prefix) netip.Addr {
	q = q.Masked()
	b := q.Addr().As16()
	bits := q.Bits()
	if q.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if q.Addr().Is4() {
		return a.Unmap()
	}
	return a
}
