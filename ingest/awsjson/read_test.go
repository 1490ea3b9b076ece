package awsjson_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// A small VPC that cases add to: one subnet, its default ACL, no groups.
const (
	subnetsJSON = `{"Subnets": [
  {"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
  {"SubnetId": "subnet-b", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24",
   "Ipv6CidrBlockAssociationSet": [
     {"Ipv6CidrBlock": "2001:db8:0:1::/64", "Ipv6CidrBlockState": {"State": "disassociated"}},
     {"Ipv6CidrBlock": "2001:db8:0:2::/64", "Ipv6CidrBlockState": {"State": "associated"}}]}
]}`
	defaultACLJSON = `{"NetworkAcls": [{"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": true, "Associations": [],
  "Entries": [
    {"Egress": true, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"},
    {"Egress": false, "RuleAction": "allow", "Protocol": "-1", "RuleNumber": 100, "CidrBlock": "0.0.0.0/0"},
    {"Egress": true, "RuleAction": "allow", "Protocol": "-1", "RuleNumber": 100, "CidrBlock": "0.0.0.0/0"},
    {"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"}]}]}`
)

func src(name, data string) source.File { return source.File{Name: name, Data: []byte(data)} }

// errText renders the errors of err one per line.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRead(t *testing.T) {
	base := []source.File{src("subnets.json", subnetsJSON), src("acls.json", defaultACLJSON)}
	for _, tc := range []struct {
		name  string
		files []source.File
		opts  awsjson.Options
		err   string   // the whole error text, when the files are refused
		warn  []string // words each found in the warnings
		check func(t *testing.T, c vpc.Config)
	}{
		// Security groups.
		{name: "protocols as names in any case, numbers as strings or JSON numbers",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"FromPort": 80, "ToPort": 80, "IpProtocol": "6", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
				{"IpProtocol": 17, "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
				{"IpProtocol": "TCP", "FromPort": "443", "ToPort": "443", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
				{"IpProtocol": "47", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
				{"FromPort": -1, "ToPort": -1, "IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
				{"IpProtocol": "icmpv6", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
				{"FromPort": 8, "ToPort": -1, "IpProtocol": "icmp", "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}]}]}`)},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Rule{
					{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: pfx("0.0.0.0/0")},
					{Protocol: flow.ProtocolOf(flow.UDP), FromPort: 53, ToPort: 53, CIDR: pfx("0.0.0.0/0")},
					{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: pfx("0.0.0.0/0")},
					{Protocol: 47, CIDR: pfx("10.0.0.0/8")},
					{Protocol: all, CIDR: pfx("10.0.0.0/8")},
					{Protocol: icmpv6, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
					{Protocol: icmp, FromPort: 8, ToPort: -1, CIDR: pfx("192.0.2.0/24")},
				}, c.SecurityGroups[0].Ingress)
			}},
		{name: "one permission, several peers: one rule each, in AWS's order",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissionsEgress": [
				{"FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
				 "UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "self"}],
				 "PrefixListIds": [{"PrefixListId": "pl-1"}],
				 "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
				 "IpRanges": [{"CidrIp": "192.0.2.0/24", "Description": "office"}, {"CidrIp": "198.51.100.0/24"}]}]}],
				"PrefixLists": [{"PrefixListId": "pl-1", "Entries": [{"Cidr": "203.0.113.0/24"}]}]}`)},
			check: func(t *testing.T, c vpc.Config) {
				r := sg.Rule{Protocol: tcp, FromPort: 443, ToPort: 443}
				with := func(f func(*sg.Rule)) sg.Rule { x := r; f(&x); return x }
				assert.Equal(t, []sg.Rule{
					with(func(x *sg.Rule) { x.CIDR, x.Description = pfx("192.0.2.0/24"), "office" }),
					with(func(x *sg.Rule) { x.CIDR = pfx("198.51.100.0/24") }),
					with(func(x *sg.Rule) { x.CIDR = pfx("2001:db8::/32") }),
					with(func(x *sg.Rule) { x.PrefixList = "pl-1" }),
					with(func(x *sg.Rule) { x.Group, x.Description = "sg-1", "self" }),
				}, c.SecurityGroups[0].Egress)
				assert.Equal(t, []vpc.PrefixList{{ID: "pl-1", Entries: []netip.Prefix{pfx("203.0.113.0/24")}}}, c.PrefixLists)
			}},
		{name: "a CIDR with host bits set is taken as its network",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.1/8"}]}]}]}`)},
			warn: []string{"sg.json:2:50: sg-1 IpPermissions[0].IpRanges[0].CidrIp: 10.0.0.1/8 has host bits set: taken as 10.0.0.0/8"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, pfx("10.0.0.0/8"), c.SecurityGroups[0].Ingress[0].CIDR)
			}},
		{name: "a rule given twice is warned about at the copy",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "10.0.0.0/8", "Description": "again"}]}]}]}`)},
			warn: []string{"sg.json:2:76: sg-1 IpPermissions[0].IpRanges[1].CidrIp: ingress rule 1: the same rule as rule 0 (-1 from 10.0.0.0/8); AWS refuses a duplicate, and the copy changes no verdict (SG-13a)"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Len(t, c.SecurityGroups[0].Ingress, 2)
			}},
		{name: "tcp needs its ports; an unknown protocol; an IPv6 CIDR in CidrIp",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"IpProtocol": "tcp", "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
				{"IpProtocol": "ftp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
				{"FromPort": 9, "ToPort": 70000, "IpProtocol": "udp", "IpRanges": [{"CidrIp": "::/0"}]}]}]}`)},
			err: "sg.json:2:5: sg-1 IpPermissions[0].FromPort: required for protocol tcp (the first port)\n" +
				`sg.json:3:20: sg-1 IpPermissions[1].IpProtocol: "ftp": unknown protocol: want "-1" (all), a number 0..255 or a name such as tcp, udp, icmp, icmpv6` + "\n" +
				"sg.json:4:83: sg-1 IpPermissions[2].IpRanges[0].CidrIp: ::/0: an IPv6 CIDR where an IPv4 one belongs"},
		{name: "ranges are the library's: a port out of range, at its value",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"FromPort": 80, "ToPort": 70000, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}`)},
			err: "sg.json:2:32: sg-1 IpPermissions[0].ToPort: 70000: must be 0..65535"},
		{name: "a group named only by GroupName (EC2-Classic)",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
				{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupName": "web", "UserId": "111122223333"}]}]}]}`)},
			err: "sg.json:2:47: sg-1 IpPermissions[0].UserIdGroupPairs[0].GroupId: required: a group named only by GroupName (EC2-Classic) is not supported"},
		{name: "a group described twice, differently",
			files: []source.File{
				src("a.json", `{"SecurityGroups": [{"GroupId": "sg-1"}]}`),
				src("b.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}`)},
			err: "b.json:1:21: sg-1: security group described twice, differently (first at a.json:1:21) (give one output of each describe command, taken at one time)"},
		{name: "a group described twice, the same (rules in another order): once",
			files: []source.File{
				src("a.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
					{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.0.2.0/24"}]}]}]}`),
				src("b.json", `{"SecurityGroups": [{"GroupId": "sg-1", "Tags": [], "IpPermissions": [
					{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}, {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}]}`)},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{{ID: "sg-1", Ingress: []sg.Rule{{Protocol: all, CIDR: pfx("10.0.0.0/8")}, {Protocol: all, CIDR: pfx("192.0.2.0/24")}}}}, c.SecurityGroups)
			}},
		{name: "flat rules join their group; one that repeats a rule adds nothing",
			files: []source.File{
				src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
					{"FromPort": 22, "ToPort": 22, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}]}]}`),
				src("rules.json", `{"SecurityGroupRules": [
					{"GroupId": "sg-1", "IsEgress": false, "FromPort": 22, "ToPort": 22, "IpProtocol": "tcp", "CidrIpv4": "192.0.2.0/24", "Description": "ssh"},
					{"GroupId": "sg-1", "IsEgress": false, "FromPort": 80, "ToPort": 80, "IpProtocol": "6", "CidrIpv6": "::/0"},
					{"GroupId": "sg-2", "IsEgress": true, "FromPort": -1, "ToPort": -1, "IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"}]}`)},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{
					{ID: "sg-1", Ingress: []sg.Rule{
						{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: pfx("192.0.2.0/24")},
						{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: pfx("::/0")}}},
					{ID: "sg-2", Egress: []sg.Rule{{Protocol: all, CIDR: pfx("0.0.0.0/0")}}},
				}, c.SecurityGroups)
			}},
		{name: "a flat rule has exactly one peer",
			files: []source.File{src("rules.json", `{"SecurityGroupRules": [
				{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0", "CidrIpv6": "::/0"},
				{"SecurityGroupRuleId": "sgr-2", "GroupId": "sg-1", "IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"}]}`)},
			err: "rules.json:2:5: sgr-1: a rule has exactly one peer: one of CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo; this one has CidrIpv4 and CidrIpv6\n" +
				"rules.json:3:5: sgr-2 IsEgress: required (true for an outbound rule, false for an inbound one)"},
		{name: "a group of a peered VPC is named, not described",
			files: []source.File{src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1", "IpPermissions": [
				{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-9", "VpcId": "vpc-9", "VpcPeeringConnectionId": "pcx-1", "PeeringStatus": "active"}]}]}]}`)},
			warn: []string{"sg.json:2:59: sg-1 IpPermissions[0].UserIdGroupPairs[0].GroupId: security group sg-9 is not in the files (it is in a peered VPC, pcx-1): kept as a group without rules"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{{ID: "sg-1", Ingress: []sg.Rule{{Protocol: all, Group: "sg-9"}}}, {ID: "sg-9"}}, c.SecurityGroups)
			}},

		// Network ACLs.
		{name: "entries in any order; the `*` entries are not rules; a custom ACL for one subnet, the default for the other",
			files: append(base[:1:1], src("acls.json", `{"NetworkAcls": [
				{"NetworkAclId": "acl-web", "VpcId": "vpc-1", "IsDefault": false,
				 "Associations": [{"NetworkAclId": "acl-web", "SubnetId": "subnet-a"}],
				 "Entries": [
				  {"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 32768, "Ipv6CidrBlock": "::/0"},
				  {"Egress": true, "RuleAction": "allow", "Protocol": "6", "RuleNumber": 120, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
				  {"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 90, "CidrBlock": "203.0.113.99/32"},
				  {"Egress": false, "RuleAction": "allow", "Protocol": "1", "RuleNumber": 110, "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": {"Type": 8, "Code": -1}},
				  {"Egress": false, "RuleAction": "ALLOW", "Protocol": "tcp", "RuleNumber": 100, "Ipv6CidrBlock": "::/0", "PortRange": {"From": 443, "To": 443}},
				  {"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"},
				  {"RuleNumber": 130, "Egress": true, "Protocol": 58, "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
				  {"Egress": true, "RuleAction": "allow", "Protocol": "47", "RuleNumber": 140, "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 1, "To": 2}}]},
				{"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": true, "Entries": []}]}`)),
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []nacl.ACL{
					{ID: "acl-web",
						Ingress: []nacl.Rule{
							{Number: 90, Action: nacl.Deny, Protocol: all, CIDR: pfx("203.0.113.99/32")},
							{Number: 110, Action: nacl.Allow, Protocol: icmp, CIDR: pfx("0.0.0.0/0"), ICMPType: 8, ICMPCode: -1},
							{Number: 100, Action: nacl.Allow, Protocol: tcp, CIDR: pfx("::/0"), FromPort: 443, ToPort: 443}},
						Egress: []nacl.Rule{
							{Number: 120, Action: nacl.Allow, Protocol: tcp, CIDR: pfx("0.0.0.0/0"), FromPort: 1024, ToPort: 65535},
							{Number: 130, Action: nacl.Allow, Protocol: icmpv6, CIDR: pfx("0.0.0.0/0"), ICMPType: -1, ICMPCode: -1},
							{Number: 140, Action: nacl.Allow, Protocol: 47, CIDR: pfx("10.0.0.0/8")}}},
					{ID: "acl-default"},
				}, c.NetworkACLs)
				assert.Equal(t, "acl-web", c.Subnets[0].ACL)
				assert.Equal(t, "acl-default", c.Subnets[1].ACL, "the VPC's default ACL (NACL-22)")
				assert.Equal(t, pfx("2001:db8:0:2::/64"), c.Subnets[1].IPv6CIDR, "the associated IPv6 block")
			}},
		{name: "32767 that is not the `*` rule; a reserved number; missing ports and ICMP fields",
			files: []source.File{src("acls.json", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [
				{"Egress": false, "RuleAction": "allow", "Protocol": "-1", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"},
				{"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 40000, "CidrBlock": "0.0.0.0/0"},
				{"Egress": false, "RuleAction": "allow", "Protocol": "6", "RuleNumber": 100, "CidrBlock": "0.0.0.0/0"},
				{"Egress": false, "RuleAction": "allow", "Protocol": "1", "RuleNumber": 110, "CidrBlock": "0.0.0.0/0"},
				{"Egress": false, "RuleAction": "maybe", "Protocol": "1", "RuleNumber": 120, "CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": "::/0"}]}]}`)},
			err: "acls.json:2:78: acl-1 Entries[0].RuleNumber: 32767 is the number of AWS's `*` rule, deny all 0.0.0.0/0 (NACL-15); this entry is something else, and numbers above 32766 are reserved (NACL-1)\n" +
				"acls.json:4:5: acl-1 Entries[2].PortRange: required for protocol tcp (NACL-6)\n" +
				"acls.json:5:5: acl-1 Entries[3].IcmpTypeCode: required for protocol icmp (NACL-7)\n" +
				`acls.json:6:37: acl-1 Entries[4].RuleAction: "maybe": want allow or deny` + "\n" +
				"acls.json:6:125: acl-1 Entries[4].Ipv6CidrBlock: an entry has one CIDR: CidrBlock or Ipv6CidrBlock, not both (NACL-5)"},
		{name: "a reserved number above the `*` rules, at its value",
			files: []source.File{src("acls.json", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [
				{"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 40000, "CidrBlock": "0.0.0.0/0"}]}]}`)},
			err: "acls.json:2:77: acl-1 Entries[0].RuleNumber: 40000: must be 1..32766"},
		{name: "a subnet associated with two ACLs",
			files: append(base[:1:1], src("acls.json", `{"NetworkAcls": [
				{"NetworkAclId": "acl-1", "Associations": [{"SubnetId": "subnet-a"}]},
				{"NetworkAclId": "acl-2", "Associations": [{"SubnetId": "subnet-a"}]}]}`)),
			err: "acls.json:3:61: acl-2 Associations[0].SubnetId: subnet subnet-a is associated with acl-1 too (at acls.json:2:61): a subnet has one network ACL (NACL-26)"},

		// Subnets and interfaces.
		{name: "interfaces: the primary address first, IPv6 addresses, groups, tracking timeouts",
			files: append(base, src("enis.json", `{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-b", "VpcId": "vpc-1",
				"PrivateIpAddresses": [{"PrivateIpAddress": "10.0.2.20", "Primary": false}, {"PrivateIpAddress": "10.0.2.10", "Primary": true}],
				"Ipv6Addresses": [{"Ipv6Address": "2001:db8:0:2::10"}],
				"Groups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}],
				"ConnectionTrackingConfiguration": {"TcpEstablishedTimeout": 350, "UdpStreamTimeout": 60, "UdpTimeout": 30}}]}`),
				src("sg.json", `{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1"}]}`)),
			warn: []string{"enis.json:4:49: eni-1 Groups[1].GroupId: security group sg-2 is not in the files"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []vpc.Interface{{ID: "eni-1", Subnet: "subnet-b",
					PrivateIPs: []netip.Addr{addr("10.0.2.10"), addr("10.0.2.20")}, IPv6Addrs: []netip.Addr{addr("2001:db8:0:2::10")},
					Groups:   []string{"sg-1", "sg-2"},
					Tracking: conntrack.Config{TCPEstablishedTimeout: 350 * time.Second, UDPStreamTimeout: 60 * time.Second, UDPTimeout: 30 * time.Second}}},
					c.Interfaces)
				assert.Equal(t, []sg.Group{{ID: "sg-1"}, {ID: "sg-2"}}, c.SecurityGroups)
			}},
		{name: "an interface without a group and one in an IPv6-only subnet are left out",
			files: []source.File{src("all.json", `{
				"Subnets": [{"SubnetId": "subnet-a", "CidrBlock": "10.0.1.0/24"}, {"SubnetId": "subnet-6", "Ipv6Native": true}],
				"NetworkInterfaces": [
					{"NetworkInterfaceId": "eni-nat", "SubnetId": "subnet-a", "InterfaceType": "nat_gateway", "PrivateIpAddress": "10.0.1.5", "Groups": []},
					{"NetworkInterfaceId": "eni-6", "SubnetId": "subnet-6", "Ipv6Addresses": [{"Ipv6Address": "2001:db8::5"}], "Groups": [{"GroupId": "sg-1"}]}]}`)},
			warn: []string{
				"all.json:2:71: subnet-6: an IPv6-only subnet: pfsim models subnets with an IPv4 block",
				"eni-nat: interface eni-nat (nat_gateway) carries no security group",
				"eni-6: interface eni-6 is in the IPv6-only subnet subnet-6, which pfsim does not model; left out"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Empty(t, c.Interfaces)
				assert.Len(t, c.Subnets, 1)
			}},
		{name: "what the VPC model refuses is reported at the value: an address outside its subnet",
			files: append(base, src("enis.json", `{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a",
				"PrivateIpAddresses": [{"PrivateIpAddress": "10.0.9.9", "Primary": true}], "Groups": [{"GroupId": "sg-1"}]}]}`)),
			err: "enis.json:2:49: eni-1 PrivateIpAddresses[0].PrivateIpAddress: 10.0.9.9: not in subnet subnet-a's cidr_block 10.0.1.0/24"},
		{name: "tracking timeouts out of AWS's range",
			files: append(base, src("enis.json", `{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a",
				"PrivateIpAddress": "10.0.1.10", "Groups": [{"GroupId": "sg-1"}], "ConnectionTrackingConfiguration": {"UdpTimeout": 5}}]}`)),
			err: "enis.json:2:121: eni-1 ConnectionTrackingConfiguration.UdpTimeout: 5: must be 30..60 seconds (CT-16)"},
		{name: "the interfaces of describe-instances",
			files: append(base, src("inst.json", `{"Reservations": [{"Instances": [{"InstanceId": "i-1", "NetworkInterfaces": [
				{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.10",
				 "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": true}], "Groups": [{"GroupId": "sg-1"}]}]}]}]}`)),
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []vpc.Interface{{ID: "eni-1", Subnet: "subnet-a", PrivateIPs: []netip.Addr{addr("10.0.1.10")}, Groups: []string{"sg-1"}}}, c.Interfaces)
			}},

		// VPCs and the files as a whole.
		{name: "a VPC that is not in the files",
			files: base, opts: awsjson.Options{VPC: "vpc-2"},
			err: "VPC vpc-2 is not in the files; they describe vpc-1"},
		{name: "a subnet in a secondary block leaves the VPC's block unset",
			files: append(base, src("vpcs.json", `{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"}]}`)),
			warn:  []string{"vpcs.json:1:11: vpc-1: subnet subnet-a (10.0.1.0/24) lies in a secondary block of the VPC"},
			check: func(t *testing.T, c vpc.Config) { assert.False(t, c.CIDR.IsValid()) }},
		{name: "a page of several; members pfsim does not read",
			files: []source.File{src("p.json", `{"Subnets": [], "RouteTables": [], "Foo": 1, "NextToken": "abc"}`)},
			warn: []string{"p.json:1:32: RouteTables: ignored: routing is not modelled", `p.json:1:43: Foo: not a member pfsim reads; ignored`,
				"p.json:1:59: NextToken: this output is one page of several"},
			check: func(t *testing.T, c vpc.Config) { assert.Empty(t, c.Subnets) }},
		{name: "not a describe output",
			files: []source.File{src("q.json", `[{"Name": "default"}]`), src("r.json", `{"Foo": []}`)},
			err: "q.json:1:1: want the JSON object of an aws ec2 describe command (with SecurityGroups, NetworkAcls, Subnets, ...), not a list (give the command's whole output, without --query)\n" +
				"r.json:1:1: no member pfsim reads: want one of SecurityGroups, SecurityGroupRules, NetworkAcls, Subnets, NetworkInterfaces, PrefixLists, Vpcs, Reservations, Entries " +
				"(give the output of aws ec2 describe-security-groups, describe-network-acls, describe-subnets, ...)"},
		{name: "wrong types are named",
			files: []source.File{src("t.json", `{"SecurityGroups": [{"GroupId": 7}, 3, {"GroupId": "sg-1", "IpPermissions": {}}], "Subnets": {}}`)},
			err: "t.json:1:33: SecurityGroups[0] GroupId: want a string, not a number\n" +
				"t.json:1:37: SecurityGroups[1]: want an object, not a number\n" +
				"t.json:1:77: sg-1 IpPermissions: want a list, not an object\n" +
				"t.json:1:94: Subnets: want a list, not an object"},
		{name: "an id that the scenario format cannot hold",
			files: []source.File{src("t.json", `{"SecurityGroups": [{"GroupId": "sg 1"}]}`)},
			err:   `t.json:1:33: SecurityGroups[0] GroupId: "sg 1": not an id (it holds a space, a comma or a control character)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := awsjson.Read(tc.files, tc.opts)
			require.NotNil(t, m)
			for _, w := range tc.warn {
				assert.Contains(t, warnings(m.Warnings), w)
			}
			if tc.err != "" {
				assert.Equal(t, tc.err, errText(err))
				return
			}
			require.NoError(t, err)
			tc.check(t, m.Config)
			_, err = vpc.New(m.Config)
			assert.NoError(t, err, "the model builds")
		})
	}
}

// A group the files only name is a reference that matches no address:
// a rule naming it admits nothing, unless an interface in the files
// carries the group, whose addresses it then matches (SG-19).
func TestNamedGroupMatchesNoAddress(t *testing.T) {
	const data = `{
	"Subnets": [{"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}],
	"SecurityGroups": [{"GroupId": "sg-db", "VpcId": "vpc-1", "IpPermissions": [
		{"FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp", "UserIdGroupPairs": [{"GroupId": "sg-app"}, {"GroupId": "sg-gone"}]}]},
		{"GroupId": "sg-out", "VpcId": "vpc-1", "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
	"NetworkInterfaces": [
		{"NetworkInterfaceId": "eni-db", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.30", "Groups": [{"GroupId": "sg-db"}]},
		{"NetworkInterfaceId": "eni-app", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.20", "Groups": [{"GroupId": "sg-out"}, {"GroupId": "sg-app"}]},
		{"NetworkInterfaceId": "eni-other", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.21", "Groups": [{"GroupId": "sg-out"}]}]}`
	m, err := awsjson.Read([]source.File{src("vpc.json", data)}, awsjson.Options{})
	require.NoError(t, err)
	ws := warnings(m.Warnings)
	assert.Contains(t, ws, "eni-app Groups[1].GroupId: security group sg-app is not in the files")
	assert.Contains(t, ws, "sg-db IpPermissions[0].UserIdGroupPairs[1].GroupId: security group sg-gone is not in the files")
	for _, id := range []string{"sg-app", "sg-gone"} {
		o, ok := m.Origin(vpc.KindSecurityGroup, id)
		require.True(t, ok, id)
		assert.True(t, o.Named, id)
	}
	o, ok := m.Origin(vpc.KindSecurityGroup, "sg-db")
	require.True(t, ok)
	assert.False(t, o.Named)
	assert.Equal(t, source.Pos{File: "vpc.json", Line: 3, Col: 21}, o.Pos)

	v, err := vpc.New(m.Config)
	require.NoError(t, err)
	for _, tc := range []struct {
		packet string
		want   flow.Verdict
	}{
		{"tcp 10.0.1.20:40000 > 10.0.1.30:5432 [S]", flow.Allow},   // eni-app carries sg-app
		{"tcp 10.0.1.21:40000 > 10.0.1.30:5432 [S]", flow.Drop},    // eni-other carries neither
		{"tcp 198.51.100.7:40000 > 10.0.1.30:5432 [S]", flow.Drop}, // outside: sg-gone matches nothing
	} {
		p, err := flow.ParsePacket(tc.packet)
		require.NoError(t, err)
		path, err := v.Send(&p, time.Unix(0, 0))
		require.NoError(t, err)
		assert.Equal(t, tc.want, path.Final.Verdict, tc.packet)
	}
}
