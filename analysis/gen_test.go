package analysis

import (
	"fmt"
	"net/netip"
	"slices"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// Generators of rules, rule sets, VPCs and packets for the property tests.
// Values come from small pools, biased to the edges: prefixes from /0 to
// /32 (and /128) that nest inside one small block, so that rules overlap
// often; ports at 0, 1023/1024, 32768, 49152, 65535; IPv6 next to the
// IPv4-mapped block; AWS service addresses. A packet is drawn from the same
// pools, so that it meets the rules' edges.

var (
	v4Addrs = addrList("10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.7", "10.0.1.4",
		"10.0.1.5", "10.0.2.4", "198.51.100.7", "0.0.0.0", "255.255.255.255", "169.254.169.254", "10.0.1.1", "10.0.0.8")
	v6Addrs = addrList("2001:db8::", "2001:db8::1", "2001:db8::3", "2001:db8:1::1", "::", "::1",
		"::fffe:ffff:ffff", "::1:0:0:0", "fe80::1", "fd00:ec2::254", "ffff::1", "2001:db8:0:1::4")
	v4Prefixes = prefixList("0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.2/31",
		"10.0.0.5/32", "10.0.0.7/32", "198.51.100.0/24", "10.0.1.0/24", "10.0.0.3/24")
	v6Prefixes = prefixList("::/0", "2001:db8::/32", "2001:db8::/126", "2001:db8::1/128", "::/80",
		"::ffff:0:0/96", "fe80::/10", "2001:db8:1::/48")
	protocolPool = []flow.Protocol{flow.AnyProtocol, 6, 17, 1, 58, 47, 0}
	portPool     = []int{0, 1, 22, 53, 80, 443, 1023, 1024, 32767, 32768, 49152, 50000, 60999, 65535}
	icmpPool     = []int{0, 3, 4, 8, 128, 129, 255}
	protoPool    = []flow.Proto{6, 17, 1, 58, 47, 0, 255}
)

func addrList(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func prefixList(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

func genPrefix(t *rapid.T, label string) netip.Prefix {
	if rapid.IntRange(0, 3).Draw(t, label+"-v6") == 0 {
		return rapid.SampledFrom(v6Prefixes).Draw(t, label)
	}
	return rapid.SampledFrom(v4Prefixes).Draw(t, label)
}

func genPortRange(t *rapid.T, label string) (int, int) {
	a := rapid.SampledFrom(portPool).Draw(t, label+"-from")
	b := rapid.SampledFrom(portPool).Draw(t, label+"-to")
	return min(a, b), max(a, b)
}

func genICMP(t *rapid.T, label string) (int, int) {
	typ := rapid.SampledFrom(append([]int{-1, -1}, icmpPool...)).Draw(t, label+"-type")
	if typ == -1 {
		return -1, -1
	}
	return typ, rapid.SampledFrom(append([]int{-1, -1}, icmpPool...)).Draw(t, label+"-code")
}

// genACL draws an ACL of up to n rules per direction; numbers are
// distinct per direction, often adjacent.
func genACL(t *rapid.T, id string, n int) nacl.ACL {
	a := nacl.ACL{ID: id}
	for _, dir := range []string{"in", "out"} {
		k := rapid.IntRange(0, n).Draw(t, dir+"-rules")
		nums := rapid.SliceOfNDistinct(rapid.IntRange(1, 40), k, k, func(i int) int { return i }).Draw(t, dir+"-numbers")
		var rules []nacl.Rule
		for i, num := range nums {
			l := fmt.Sprintf("%s-%d", dir, i)
			r := nacl.Rule{Number: num * 10, Action: nacl.Allow,
				Protocol: rapid.SampledFrom(protocolPool).Draw(t, l+"-proto"),
				CIDR:     genPrefix(t, l+"-cidr")}
			if rapid.Bool().Draw(t, l+"-deny") {
				r.Action = nacl.Deny
			}
			if rapid.IntRange(0, 4).Draw(t, l+"-adjacent") == 0 {
				r.Number = num*10 + 1
			}
			switch {
			case r.HasPorts():
				r.FromPort, r.ToPort = genPortRange(t, l)
			case r.HasICMP():
				r.ICMPType, r.ICMPCode = genICMP(t, l)
			}
			rules = append(rules, r)
		}
		if dir == "in" {
			a.Ingress = rules
		} else {
			a.Egress = rules
		}
	}
	return a
}

// genSGRule draws a security group rule whose peer may be a prefix list
// or a group of groupIDs.
func genSGRule(t *rapid.T, l string, groupIDs, lists []string) sg.Rule {
	r := sg.Rule{Protocol: rapid.SampledFrom(protocolPool).Draw(t, l+"-proto")}
	switch r.Protocol {
	case 6, 17:
		r.FromPort, r.ToPort = genPortRange(t, l)
	case 1, 58:
		r.FromPort, r.ToPort = genICMP(t, l)
	}
	switch k := rapid.IntRange(0, 5).Draw(t, l+"-peer"); {
	case k == 0 && len(lists) > 0:
		r.PrefixList = rapid.SampledFrom(lists).Draw(t, l+"-list")
	case k == 1 && len(groupIDs) > 0:
		r.Group = rapid.SampledFrom(groupIDs).Draw(t, l+"-group")
	default:
		r.CIDR = genPrefix(t, l+"-cidr")
	}
	return r
}

// genGroups draws 1..3 groups of up to n rules per direction.
func genGroups(t *rapid.T, n int, groupIDs, lists []string) []sg.Group {
	k := rapid.IntRange(1, 3).Draw(t, "groups")
	gs := make([]sg.Group, k)
	for i := range gs {
		gs[i].ID = fmt.Sprintf("sg-%d", i)
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			m := rapid.IntRange(0, n).Draw(t, fmt.Sprintf("sg-%d-%s-rules", i, dir))
			rules := make([]sg.Rule, m)
			for j := range rules {
				rules[j] = genSGRule(t, fmt.Sprintf("sg-%d-%s-%d", i, dir, j), groupIDs, lists)
			}
			if dir == flow.Ingress {
				gs[i].Ingress = rules
			} else {
				gs[i].Egress = rules
			}
		}
	}
	return gs
}

var testResolver = sg.StaticResolver{
	Groups: map[string][]netip.Addr{
		"sg-peer":  addrList("10.0.0.5", "2001:db8::1"),
		"sg-empty": nil,
	},
	PrefixLists: map[string][]netip.Prefix{
		"pl-office": prefixList("10.0.0.4/30", "198.51.100.0/24", "2001:db8::/126"),
		"pl-none":   nil,
	},
}

// genPacket draws a valid packet from the pools.
func genPacket(t *rapid.T, label string) flow.Packet {
	v6 := rapid.IntRange(0, 3).Draw(t, label+"-v6") == 0
	pool := v4Addrs
	if v6 {
		pool = v6Addrs
	}
	p := flow.Packet{
		Proto: rapid.SampledFrom(protoPool).Draw(t, label+"-proto"),
		Src:   rapid.SampledFrom(pool).Draw(t, label+"-src"),
		Dst:   rapid.SampledFrom(pool).Draw(t, label+"-dst"),
	}
	switch {
	case p.Proto == flow.ICMP && v6:
		p.Proto = flow.ICMPv6
	case p.Proto == flow.ICMPv6 && !v6:
		p.Proto = flow.ICMP
	}
	switch {
	case p.Proto.HasPorts():
		p.SrcPort = uint16(rapid.SampledFrom(portPool).Draw(t, label+"-sport"))
		p.DstPort = uint16(rapid.SampledFrom(portPool).Draw(t, label+"-dport"))
		if p.Proto == flow.TCP {
			p.Flags = flow.SYN
		}
	case p.Proto.IsICMP():
		p.ICMPType = uint8(rapid.SampledFrom(icmpPool).Draw(t, label+"-type"))
		p.ICMPCode = uint8(rapid.SampledFrom(icmpPool).Draw(t, label+"-code"))
	}
	return p
}

// genSpace draws a query space: a few clauses intersected.
func genSpace(t *rapid.T, label string) Space {
	s := All()
	if rapid.Bool().Draw(t, label+"-src") {
		s = s.Intersect(Src(genPrefix(t, label+"-srcp")))
	}
	if rapid.Bool().Draw(t, label+"-dst") {
		s = s.Intersect(Dst(genPrefix(t, label+"-dstp")))
	}
	switch rapid.IntRange(0, 4).Draw(t, label+"-svc") {
	case 0:
		from, to := genPortRange(t, label+"-ports")
		s = s.Intersect(DstPorts(uint16(from), uint16(to)))
	case 1:
		s = s.Intersect(Proto(rapid.SampledFrom(protoPool).Draw(t, label+"-proto")))
	case 2:
		typ, code := genICMP(t, label+"-icmp")
		s = s.Intersect(ICMP(typ, code))
	}
	return s
}

// smallPackets enumerates a small grid of packets: every combination of a
// few addresses, protocols, ports and ICMP types. Exhaustive checks run
// over it.
func smallPackets(srcs, dsts []netip.Addr) []flow.Packet {
	var out []flow.Packet
	for _, s := range srcs {
		for _, d := range dsts {
			if s.Is4() != d.Is4() {
				continue
			}
			for _, proto := range []flow.Proto{6, 17, 1, 58, 47} {
				base := flow.Packet{Proto: proto, Src: s, Dst: d}
				if base.Validate() != nil {
					continue
				}
				switch {
				case proto.HasPorts():
					for _, dp := range []uint16{22, 80, 443, 1024, 50000} {
						p := base
						p.SrcPort, p.DstPort = 50000, dp
						if proto == flow.TCP {
							p.Flags = flow.SYN
						}
						out = append(out, p)
					}
				case proto.IsICMP():
					for _, tc := range [][2]uint8{{8, 0}, {0, 0}, {3, 4}, {128, 0}, {129, 0}} {
						p := base
						p.ICMPType, p.ICMPCode = tc[0], tc[1]
						out = append(out, p)
					}
				default:
					out = append(out, base)
				}
			}
		}
	}
	return out
}

// genConfig draws a small VPC: two subnets (IPv4 and IPv6 blocks), two or
// three interfaces, groups that reference each other and a prefix list,
// ACLs drawn like genACL's or the default.
func genConfig(t *rapid.T) vpc.Config { return genConfigN(t, 2) }

// genConfigN is genConfig with at least lo interfaces: with three, each
// subnet has one.
func genConfigN(t *rapid.T, lo int) vpc.Config {
	lists := []string{"pl-office"}
	groupIDs := []string{"sg-0", "sg-1", "sg-2"}
	cfg := vpc.Config{
		CIDR:        netip.MustParsePrefix("10.0.0.0/16"),
		PrefixLists: []vpc.PrefixList{{ID: "pl-office", Entries: prefixList("10.0.0.4/30", "198.51.100.0/24", "2001:db8::/126")}},
	}
	gs := genGroups(t, 3, groupIDs, lists)
	for len(gs) < 3 {
		gs = append(gs, sg.Group{ID: fmt.Sprintf("sg-%d", len(gs))})
	}
	cfg.SecurityGroups = gs
	acls := []string{"", "acl-a", "acl-b"}
	cfg.NetworkACLs = []nacl.ACL{genACL(t, "acl-a", 4), genACL(t, "acl-b", 4)}
	cfg.Subnets = []vpc.Subnet{
		{ID: "subnet-1", CIDR: netip.MustParsePrefix("10.0.1.0/28"), IPv6CIDR: netip.MustParsePrefix("2001:db8:0:1::/64"),
			ACL: rapid.SampledFrom(acls).Draw(t, "acl-1")},
		{ID: "subnet-2", CIDR: netip.MustParsePrefix("10.0.2.0/28"), ACL: rapid.SampledFrom(acls).Draw(t, "acl-2")},
	}
	ifaces := []vpc.Interface{
		{ID: "eni-a", Subnet: "subnet-1", PrivateIPs: addrList("10.0.1.4"), IPv6Addrs: addrList("2001:db8:0:1::4")},
		{ID: "eni-b", Subnet: "subnet-1", PrivateIPs: addrList("10.0.1.5")},
		{ID: "eni-c", Subnet: "subnet-2", PrivateIPs: addrList("10.0.2.4")},
	}
	n := rapid.IntRange(lo, 3).Draw(t, "interfaces")
	for i := range ifaces[:n] {
		k := rapid.IntRange(1, 2).Draw(t, fmt.Sprintf("eni-%d-groups", i))
		ids := rapid.SliceOfNDistinct(rapid.SampledFrom(groupIDs), k, k, func(s string) string { return s }).Draw(t, fmt.Sprintf("eni-%d-ids", i))
		ifaces[i].Groups = ids
	}
	cfg.Interfaces = ifaces[:n]
	return cfg
}

// vpcAddrs are addresses a packet in genConfig's VPCs may use: the
// interfaces', AWS services', reserved ones and outside ones.
var (
	vpcAddrs4 = addrList("10.0.1.4", "10.0.1.5", "10.0.2.4", "10.0.1.1", "10.0.1.2", "10.0.1.6", "10.0.0.2",
		"169.254.169.254", "198.51.100.7", "10.0.0.5", "0.0.0.0")
	vpcAddrs6 = addrList("2001:db8:0:1::4", "2001:db8:0:1::1", "2001:db8:0:1::9", "fe80::1", "fd00:ec2::254", "2001:db8::1", "2001:db8::7")
)

func genVPCPacket(t *rapid.T, label string) flow.Packet {
	p := genPacket(t, label)
	pool := vpcAddrs4
	if p.Src.Is6() {
		pool = vpcAddrs6
	}
	p.Src = rapid.SampledFrom(pool).Draw(t, label+"-vsrc")
	p.Dst = rapid.SampledFrom(pool).Draw(t, label+"-vdst")
	return p
}

func sortedIDs[M ~map[string]V, V any](m M) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
