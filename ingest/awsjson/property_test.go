package awsjson_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// This file checks a law: a VPC written as AWS's describe outputs, in any
// of the ways AWS and the CLI write them, reads back as that VPC.

type obj = map[string]any

var ruleProtocols = []flow.Protocol{flow.AnyProtocol, 6, 17, 1, 58, 47, 253}

func genPrefix(t *rapid.T, v6 bool) netip.Prefix {
	if v6 {
		var a [16]byte
		a[0], a[1] = 0x20, 0x01
		a[2], a[3] = byte(rapid.IntRange(0, 255).Draw(t, "p6")), byte(rapid.IntRange(0, 255).Draw(t, "p6"))
		return netip.PrefixFrom(netip.AddrFrom16(a), rapid.SampledFrom([]int{0, 32, 48, 128}).Draw(t, "bits6")).Masked()
	}
	a := netip.AddrFrom4([4]byte{byte(rapid.IntRange(0, 255).Draw(t, "p4")), byte(rapid.IntRange(0, 255).Draw(t, "p4")), 0, 0})
	return netip.PrefixFrom(a, rapid.SampledFrom([]int{0, 8, 16, 32}).Draw(t, "bits4")).Masked()
}

func genICMP(t *rapid.T) (int, int) {
	typ := rapid.IntRange(-1, 255).Draw(t, "type")
	if typ == -1 {
		return -1, -1
	}
	return typ, rapid.IntRange(-1, 255).Draw(t, "code")
}

// genVPC draws a valid VPC as AWS would describe it: every subnet with an
// ACL of the files (one of them the default), groups that exist, ports
// and ICMP fields only where the protocol has them.
func genVPC(t *rapid.T) vpc.Config {
	var cfg vpc.Config
	cfg.CIDR = netip.MustParsePrefix("10.0.0.0/16")
	for i := range rapid.IntRange(0, 2).Draw(t, "lists") {
		p := vpc.PrefixList{ID: fmt.Sprintf("pl-%017x", i)}
		for range rapid.IntRange(0, 3).Draw(t, "entries") {
			p.Entries = append(p.Entries, genPrefix(t, rapid.Bool().Draw(t, "v6")))
		}
		cfg.PrefixLists = append(cfg.PrefixLists, p)
	}
	nGroups := rapid.IntRange(1, 4).Draw(t, "groups")
	for i := range nGroups {
		g := sg.Group{ID: fmt.Sprintf("sg-%017x", i)}
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			for range rapid.IntRange(0, 4).Draw(t, "rules") {
				r := sg.Rule{Protocol: rapid.SampledFrom(ruleProtocols).Draw(t, "protocol")}
				switch p, _ := r.Protocol.Proto(); {
				case r.Protocol == flow.AnyProtocol:
				case p.HasPorts():
					r.FromPort = rapid.IntRange(0, 65535).Draw(t, "from")
					r.ToPort = rapid.IntRange(r.FromPort, 65535).Draw(t, "to")
				case p.IsICMP():
					r.FromPort, r.ToPort = genICMP(t)
				}
				switch k := rapid.IntRange(0, 3).Draw(t, "peer"); {
				case k == 0 || k == 1 && len(cfg.PrefixLists) == 0:
					r.CIDR = genPrefix(t, rapid.Bool().Draw(t, "v6"))
				case k == 1:
					r.PrefixList = rapid.SampledFrom(cfg.PrefixLists).Draw(t, "pl").ID
				default:
					r.Group = fmt.Sprintf("sg-%017x", rapid.IntRange(0, nGroups-1).Draw(t, "ref"))
				}
				r.Description = rapid.SampledFrom([]string{"", "web", `"quoted" é`}).Draw(t, "description")
				// AWS holds a rule once: a repeat is the same rule.
				if slices.ContainsFunc(g.Rules(dir), func(x sg.Rule) bool { x.Description = r.Description; return x == r }) {
					continue
				}
				if dir == flow.Egress {
					g.Egress = append(g.Egress, r)
				} else {
					g.Ingress = append(g.Ingress, r)
				}
			}
		}
		cfg.SecurityGroups = append(cfg.SecurityGroups, g)
	}
	for i := range rapid.IntRange(1, 3).Draw(t, "acls") {
		a := nacl.ACL{ID: fmt.Sprintf("acl-%017x", i)}
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			for _, n := range rapid.SliceOfNDistinct(rapid.IntRange(1, 32766), 0, 5, rapid.ID[int]).Draw(t, "numbers") {
				r := nacl.Rule{Number: n, Action: rapid.SampledFrom([]nacl.Action{nacl.Allow, nacl.Deny}).Draw(t, "action"),
					Protocol: rapid.SampledFrom(ruleProtocols).Draw(t, "protocol"), CIDR: genPrefix(t, rapid.Bool().Draw(t, "v6"))}
				switch p, _ := r.Protocol.Proto(); {
				case r.Protocol == flow.AnyProtocol:
				case p.HasPorts():
					r.FromPort = rapid.IntRange(0, 65535).Draw(t, "from")
					r.ToPort = rapid.IntRange(r.FromPort, 65535).Draw(t, "to")
				case p.IsICMP():
					r.ICMPType, r.ICMPCode = genICMP(t)
				}
				if dir == flow.Egress {
					a.Egress = append(a.Egress, r)
				} else {
					a.Ingress = append(a.Ingress, r)
				}
			}
		}
		cfg.NetworkACLs = append(cfg.NetworkACLs, a)
	}
	for i, k := range rapid.SliceOfNDistinct(rapid.IntRange(0, 255), 1, 4, rapid.ID[int]).Draw(t, "subnets") {
		s := vpc.Subnet{ID: fmt.Sprintf("subnet-%017x", i), CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(k), 0}), 24),
			ACL: rapid.SampledFrom(cfg.NetworkACLs).Draw(t, "acl").ID}
		if rapid.Bool().Draw(t, "ipv6") {
			s.IPv6CIDR = netip.MustParsePrefix(fmt.Sprintf("2001:db8:0:%x::/64", k))
		}
		cfg.Subnets = append(cfg.Subnets, s)
	}
	taken := map[netip.Addr]bool{}
	for i := range rapid.IntRange(0, 4).Draw(t, "interfaces") {
		s := rapid.SampledFrom(cfg.Subnets).Draw(t, "subnet")
		itf := vpc.Interface{ID: fmt.Sprintf("eni-%017x", i), Subnet: s.ID}
		for _, h := range rapid.SliceOfNDistinct(rapid.IntRange(4, 254), 1, 3, rapid.ID[int]).Draw(t, "hosts") {
			b := s.CIDR.Addr().As4()
			b[3] = byte(h)
			if a := netip.AddrFrom4(b); !taken[a] {
				taken[a] = true
				itf.PrivateIPs = append(itf.PrivateIPs, a)
			}
		}
		if len(itf.PrivateIPs) == 0 {
			continue
		}
		if s.IPv6CIDR.IsValid() {
			for _, h := range rapid.SliceOfNDistinct(rapid.IntRange(4, 254), 0, 2, rapid.ID[int]).Draw(t, "hosts6") {
				b := s.IPv6CIDR.Addr().As16()
				b[15] = byte(h)
				if a := netip.AddrFrom16(b); !taken[a] {
					taken[a] = true
					itf.IPv6Addrs = append(itf.IPv6Addrs, a)
				}
			}
		}
		for _, g := range rapid.SliceOfNDistinct(rapid.IntRange(0, nGroups-1), 1, 3, rapid.ID[int]).Draw(t, "groups") {
			itf.Groups = append(itf.Groups, fmt.Sprintf("sg-%017x", g))
		}
		if rapid.Bool().Draw(t, "tracking") {
			itf.Tracking = conntrack.Config{TCPEstablishedTimeout: time.Duration(rapid.IntRange(60, 432000).Draw(t, "tcp")) * time.Second}
		}
		cfg.Interfaces = append(cfg.Interfaces, itf)
	}
	return cfg
}

// protocolJSON writes a protocol in one of the ways AWS and the CLI do:
// "-1", a name, a number in a string, or a JSON number.
func protocolJSON(t *rapid.T, p flow.Protocol) any {
	if p == flow.AnyProtocol {
		return "-1"
	}
	switch rapid.IntRange(0, 2).Draw(t, "protocol-as") {
	case 0:
		return strconv.Itoa(int(p))
	case 1:
		return int(p)
	}
	if n := p.String(); !slices.Contains([]string{"protocol(", "proto "}, n[:min(len(n), 6)]) {
		return n
	}
	return strconv.Itoa(int(p))
}

// describe writes cfg as describe outputs, one file per command; the
// rules of each group go to describe-security-groups or, one rule each,
// to describe-security-group-rules.
func describe(t *rapid.T, cfg vpc.Config) []source.File {
	var groups, flat []obj
	for _, g := range cfg.SecurityGroups {
		asFlat := rapid.Bool().Draw(t, "flat")
		perms := map[flow.Direction][]obj{}
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			for _, r := range g.Rules(dir) {
				o := obj{"IpProtocol": protocolJSON(t, r.Protocol)}
				if p, ok := r.Protocol.Proto(); ok && (p.HasPorts() || p.IsICMP()) {
					o["FromPort"], o["ToPort"] = r.FromPort, r.ToPort
				} else if asFlat || rapid.Bool().Draw(t, "ports") {
					o["FromPort"], o["ToPort"] = -1, -1 // ignored, as AWS writes them (IN-8)
				}
				peer := obj{}
				if r.Description != "" {
					peer["Description"] = r.Description
				}
				if asFlat {
					o["GroupId"], o["IsEgress"] = g.ID, dir == flow.Egress
					if r.Description != "" {
						o["Description"] = r.Description
					}
					switch {
					case r.CIDR.IsValid() && r.CIDR.Addr().Is4():
						o["CidrIpv4"] = r.CIDR.String()
					case r.CIDR.IsValid():
						o["CidrIpv6"] = r.CIDR.String()
					case r.PrefixList != "":
						o["PrefixListId"] = r.PrefixList
					default:
						o["ReferencedGroupInfo"] = obj{"GroupId": r.Group, "UserId": "111122223333"}
					}
					flat = append(flat, o)
					continue
				}
				o["IpRanges"], o["Ipv6Ranges"], o["PrefixListIds"], o["UserIdGroupPairs"] = []obj{}, []obj{}, []obj{}, []obj{}
				switch {
				case r.CIDR.IsValid() && r.CIDR.Addr().Is4():
					peer["CidrIp"] = r.CIDR.String()
					o["IpRanges"] = []obj{peer}
				case r.CIDR.IsValid():
					peer["CidrIpv6"] = r.CIDR.String()
					o["Ipv6Ranges"] = []obj{peer}
				case r.PrefixList != "":
					peer["PrefixListId"] = r.PrefixList
					o["PrefixListIds"] = []obj{peer}
				default:
					peer["GroupId"], peer["UserId"] = r.Group, "111122223333"
					o["UserIdGroupPairs"] = []obj{peer}
				}
				perms[dir] = append(perms[dir], o)
			}
		}
		// A group of flat rules only is described by them; one without
		// rules only by describe-security-groups.
		if !asFlat || len(g.Ingress)+len(g.Egress) == 0 || rapid.Bool().Draw(t, "also-described") {
			groups = append(groups, obj{"GroupId": g.ID, "VpcId": "vpc-1", "GroupName": g.ID,
				"IpPermissions": append([]obj{}, perms[flow.Ingress]...), "IpPermissionsEgress": append([]obj{}, perms[flow.Egress]...)})
		}
	}
	var acls []obj
	for i, a := range cfg.NetworkACLs {
		var entries []obj
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			rules := a.Ingress
			if dir == flow.Egress {
				rules = a.Egress
			}
			for _, r := range rules {
				e := obj{"RuleNumber": r.Number, "Egress": dir == flow.Egress, "Protocol": protocolJSON(t, r.Protocol), "RuleAction": r.Action.String()}
				if r.CIDR.Addr().Is6() {
					e["Ipv6CidrBlock"] = r.CIDR.String()
				} else {
					e["CidrBlock"] = r.CIDR.String()
				}
				if r.HasPorts() {
					e["PortRange"] = obj{"From": r.FromPort, "To": r.ToPort}
				}
				if p, _ := r.Protocol.Proto(); r.Protocol != flow.AnyProtocol && p.IsICMP() {
					e["IcmpTypeCode"] = obj{"Type": r.ICMPType, "Code": r.ICMPCode}
				}
				entries = append(entries, e)
			}
			entries = append(entries,
				obj{"RuleNumber": 32767, "Egress": dir == flow.Egress, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"},
				obj{"RuleNumber": 32768, "Egress": dir == flow.Egress, "Protocol": "-1", "RuleAction": "deny", "Ipv6CidrBlock": "::/0"})
		}
		// Entries come in any order (IN-11).
		perm := rapid.Permutation(entries).Draw(t, "entries")
		var assocs []obj
		for _, s := range cfg.Subnets {
			// The default ACL's subnets may be listed or not.
			if s.ACL == a.ID && (i > 0 || rapid.Bool().Draw(t, "listed")) {
				assocs = append(assocs, obj{"NetworkAclId": a.ID, "SubnetId": s.ID})
			}
		}
		acls = append(acls, obj{"NetworkAclId": a.ID, "VpcId": "vpc-1", "IsDefault": i == 0, "Entries": perm, "Associations": assocs})
	}
	var subnets []obj
	for _, s := range cfg.Subnets {
		o := obj{"SubnetId": s.ID, "VpcId": "vpc-1", "CidrBlock": s.CIDR.String(), "Ipv6CidrBlockAssociationSet": []obj{}}
		if s.IPv6CIDR.IsValid() {
			o["Ipv6CidrBlockAssociationSet"] = []obj{{"Ipv6CidrBlock": s.IPv6CIDR.String(), "Ipv6CidrBlockState": obj{"State": "associated"}}}
		}
		subnets = append(subnets, o)
	}
	var enis []obj
	for _, itf := range cfg.Interfaces {
		var ips []obj
		for j, a := range itf.PrivateIPs {
			ips = append(ips, obj{"PrivateIpAddress": a.String(), "Primary": j == 0})
		}
		ips = rapid.Permutation(ips).Draw(t, "ips") // the primary says it is, wherever it is listed
		var six, groups []obj
		for _, a := range itf.IPv6Addrs {
			six = append(six, obj{"Ipv6Address": a.String()})
		}
		for _, g := range itf.Groups {
			groups = append(groups, obj{"GroupId": g, "GroupName": g})
		}
		o := obj{"NetworkInterfaceId": itf.ID, "SubnetId": itf.Subnet, "VpcId": "vpc-1", "PrivateIpAddress": itf.PrivateIPs[0].String(),
			"PrivateIpAddresses": ips, "Ipv6Addresses": six, "Groups": groups, "InterfaceType": "interface"}
		if itf.Tracking.TCPEstablishedTimeout != 0 {
			o["ConnectionTrackingConfiguration"] = obj{"TcpEstablishedTimeout": int(itf.Tracking.TCPEstablishedTimeout / time.Second)}
		}
		enis = append(enis, o)
	}
	var out []source.File
	add := func(name string, v any) {
		data, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, source.File{Name: name, Data: data})
	}
	add("vpcs.json", obj{"Vpcs": []obj{{"VpcId": "vpc-1", "CidrBlock": cfg.CIDR.String()}}})
	add("sgs.json", obj{"SecurityGroups": groups})
	if len(flat) > 0 {
		add("rules.json", obj{"SecurityGroupRules": flat})
	}
	add("acls.json", obj{"NetworkAcls": acls})
	add("subnets.json", obj{"Subnets": subnets})
	add("enis.json", obj{"NetworkInterfaces": enis})
	var lists []obj
	for _, p := range cfg.PrefixLists {
		lists = append(lists, obj{"PrefixListId": p.ID, "AddressFamily": "IPv4", "MaxEntries": 10})
		var entries []obj
		for _, e := range p.Entries {
			entries = append(entries, obj{"Cidr": e.String()})
		}
		add(p.ID+".json", obj{"Entries": entries})
	}
	add("lists.json", obj{"PrefixLists": lists})
	return rapid.Permutation(out).Draw(t, "files")
}

// sortedRules is cfg with each group's rules sorted: a group's rules have
// no order (SG-13), and rules of describe-security-group-rules join their
// group after those of describe-security-groups. An ACL's rules are
// ordered by number (NACL-14), and an interface's secondary addresses
// have no order.
func sortedRules(cfg vpc.Config) vpc.Config {
	cmp := func(a, b sg.Rule) int {
		if c := compareStrings(a.String(), b.String()); c != 0 {
			return c
		}
		return compareStrings(a.Description, b.Description)
	}
	cfg.SecurityGroups = slices.Clone(cfg.SecurityGroups)
	for i := range cfg.SecurityGroups {
		g := &cfg.SecurityGroups[i]
		g.Ingress, g.Egress = slices.Clone(g.Ingress), slices.Clone(g.Egress)
		slices.SortFunc(g.Ingress, cmp)
		slices.SortFunc(g.Egress, cmp)
		g.Ingress, g.Egress = nilIfEmpty(g.Ingress), nilIfEmpty(g.Egress)
	}
	slices.SortFunc(cfg.SecurityGroups, func(a, b sg.Group) int { return compareStrings(a.ID, b.ID) })
	cfg.PrefixLists = slices.Clone(cfg.PrefixLists)
	for i := range cfg.PrefixLists {
		cfg.PrefixLists[i].Entries = nilIfEmpty(cfg.PrefixLists[i].Entries)
	}
	slices.SortFunc(cfg.PrefixLists, func(a, b vpc.PrefixList) int { return compareStrings(a.ID, b.ID) })
	cfg.NetworkACLs = slices.Clone(cfg.NetworkACLs)
	for i := range cfg.NetworkACLs {
		a := &cfg.NetworkACLs[i]
		a.Ingress, a.Egress = slices.Clone(a.Ingress), slices.Clone(a.Egress)
		byNumber := func(x, y nacl.Rule) int { return x.Number - y.Number }
		slices.SortFunc(a.Ingress, byNumber)
		slices.SortFunc(a.Egress, byNumber)
		a.Ingress, a.Egress = nilIfEmpty(a.Ingress), nilIfEmpty(a.Egress)
	}
	cfg.Interfaces = slices.Clone(cfg.Interfaces)
	for i := range cfg.Interfaces {
		itf := &cfg.Interfaces[i]
		itf.IPv6Addrs = nilIfEmpty(itf.IPv6Addrs)
		// The primary address comes first; the others have no order.
		itf.PrivateIPs = slices.Clone(itf.PrivateIPs)
		slices.SortFunc(itf.PrivateIPs[1:], netip.Addr.Compare)
	}
	return cfg
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Law: a VPC written as AWS's describe outputs, files in any order,
// entries in any order, protocols as names, numbers or JSON numbers, a
// group's rules in describe-security-groups or describe-security-group-
// rules or both, reads back as the same VPC, with no warning but the
// library's about the rules themselves.
func TestReadDescribedVPC(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := genVPC(t)
		require.NoError(t, want.Validate())
		files := describe(t, want)
		m, err := awsjson.Read(files, awsjson.Options{})
		if err != nil {
			for _, f := range files {
				t.Logf("%s:\n%s", f.Name, f.Data)
			}
			t.Fatal(err)
		}
		for _, w := range m.Warnings {
			assert.Contains(t, w.Msg, "never matches", "only what the library says of the rules themselves")
		}
		assert.Equal(t, sortedRules(want), sortedRules(m.Config))
	})
}
