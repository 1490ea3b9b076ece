package awsjson_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// file reads a test file as the user would give it.
func file(t testing.TB, path string) source.File {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return source.File{Name: path, Data: data}
}

func files(t testing.TB, paths ...string) []source.File {
	var out []source.File
	for _, p := range paths {
		out = append(out, file(t, p))
	}
	return out
}

// msgs renders warnings or errors one per line, to look for words in.
func warnings(ws []source.Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.String())
		b.WriteByte('\n')
	}
	return b.String()
}

var (
	tcp    = flow.ProtocolOf(flow.TCP)
	icmp   = flow.ProtocolOf(flow.ICMP)
	icmpv6 = flow.ProtocolOf(flow.ICMPv6)
	all    = flow.AnyProtocol
	pfx    = netip.MustParsePrefix
	addr   = netip.MustParseAddr
)

// The AWS CLI's documented outputs load, alone or with what they need;
// those that are not JSON (the documentation's slips) are reported at the
// character that breaks them.
func TestCLIExamples(t *testing.T) {
	const dir = "testdata/cli/"
	for _, tc := range []struct {
		name  string
		files []string
		vpc   string
		// err, when set, is the expected error text (each line one error).
		err string
		// warn lists words every one of which appears in the warnings.
		warn  []string
		check func(t *testing.T, c vpc.Config)
	}{
		{name: "security groups: the documented output is not JSON",
			files: []string{"describe-security-groups-1.json"},
			err:   dir + "describe-security-groups-1.json:52:37: invalid JSON: a comma after the last field of an object (JSON allows none)"},
		{name: "security groups: self reference and a CIDR",
			files: []string{"describe-security-groups-1.fixed.json"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{{
					ID: "sg-903004f8",
					Ingress: []sg.Rule{
						{Protocol: all, Group: "sg-903004f8"},
						{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: pfx("203.0.113.0/24"), Description: "Access from NY office"},
					},
					Egress: []sg.Rule{{Protocol: all, CIDR: pfx("0.0.0.0/0")}},
				}}, c.SecurityGroups)
			}},
		{name: "security group rules: -1 with ports -1, a group reference, IPv6",
			files: []string{"describe-security-group-rules-1.json"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{{
					ID:      "sg-1234567890abcdef0",
					Ingress: []sg.Rule{{Protocol: all, Group: "sg-1234567890abcdef0"}},
					Egress:  []sg.Rule{{Protocol: all, CIDR: pfx("::/0")}, {Protocol: all, CIDR: pfx("0.0.0.0/0")}},
				}}, c.SecurityGroups)
			}},
		{name: "security group rules and groups together: each rule once",
			files: []string{"describe-security-group-rules-2.json", "describe-security-group-rules-1.json"},
			check: func(t *testing.T, c vpc.Config) {
				require.Len(t, c.SecurityGroups, 1)
				assert.Len(t, c.SecurityGroups[0].Egress, 2)
			}},
		{name: "network ACLs of two VPCs need a choice",
			files: []string{"describe-network-acls-1.json"},
			err: dir + "describe-network-acls-1.json:47:9: the files describe 2 VPCs: vpc-06e4ab6c6cEXAMPLE (first at " + dir +
				"describe-network-acls-1.json:3:9) and vpc-03914afb3eEXAMPLE (first at " + dir +
				"describe-network-acls-1.json:47:9); pfsim builds one (choose one with --vpc vpc-06e4ab6c6cEXAMPLE)"},
		{name: "network ACLs: the IPv4-only VPC's default ACL; the `*` entries are not rules",
			files: []string{"describe-network-acls-1.json"}, vpc: "vpc-06e4ab6c6cEXAMPLE",
			warn: []string{"vpc-03914afb3eEXAMPLE: left out: 1 object(s) of this VPC (only vpc-06e4ab6c6cEXAMPLE is read)"},
			check: func(t *testing.T, c vpc.Config) {
				allow := nacl.Rule{Number: 100, Action: nacl.Allow, Protocol: all, CIDR: pfx("0.0.0.0/0")}
				assert.Equal(t, []nacl.ACL{{ID: "acl-0ea1f54ca7EXAMPLE", Ingress: []nacl.Rule{allow}, Egress: []nacl.Rule{allow}}}, c.NetworkACLs)
			}},
		{name: "network ACLs: the dual-stack VPC's default ACL is AWS's default",
			files: []string{"describe-network-acls-1.json"}, vpc: "vpc-03914afb3eEXAMPLE",
			check: func(t *testing.T, c vpc.Config) {
				require.Len(t, c.NetworkACLs, 1)
				want := nacl.Default("acl-0e2a78e4e2EXAMPLE")
				assert.ElementsMatch(t, want.Ingress, c.NetworkACLs[0].Ingress)
				assert.ElementsMatch(t, want.Egress, c.NetworkACLs[0].Egress)
			}},
		{name: "subnets: the documented output is not JSON",
			files: []string{"describe-subnets-1.json"},
			err:   dir + "describe-subnets-1.json:17:39: invalid JSON: want a value, not '\\'' (JSON strings take double quotes)"},
		{name: "subnets: a subnet without an ACL in the files gets pfsim's default",
			files: []string{"describe-subnets-2.json"},
			warn:  []string{dir + "describe-subnets-2.json:3:9: subnet-8EXAMPLE: no network ACL in the files is associated with this subnet"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []vpc.Subnet{{ID: "subnet-8EXAMPLE", CIDR: pfx("172.31.80.0/20")}}, c.Subnets)
			}},
		{name: "VPCs: the block of the VPC",
			files: []string{"describe-vpcs-2.json"},
			check: func(t *testing.T, c vpc.Config) { assert.Equal(t, pfx("10.0.0.0/16"), c.CIDR) }},
		{name: "VPCs: one of two",
			files: []string{"describe-vpcs-1.json"}, vpc: "vpc-0e9801d129EXAMPLE",
			check: func(t *testing.T, c vpc.Config) { assert.Equal(t, pfx("30.1.0.0/16"), c.CIDR) }},
		{name: "interfaces need their subnets",
			files: []string{"describe-network-interfaces-2.json"},
			err: dir + "describe-network-interfaces-2.json:32:23: eni-b9a5ac93 SubnetId: subnet subnet-31d6c219 is not in the files: " +
				"pfsim needs its CIDR (give the output of aws ec2 describe-subnets too)"},
		{name: "interfaces with their subnets; their group is named, not described",
			files: []string{"describe-network-interfaces-1.json", "../hand/subnets-of-cli-interfaces.json"}, vpc: "vpc-a01106c2",
			warn: []string{dir + "describe-network-interfaces-1.json:45:30: eni-e5aa89a3 Groups[0].GroupId: security group sg-8637d3e3 is not in the files: kept as a group without rules"},
			check: func(t *testing.T, c vpc.Config) {
				require.Len(t, c.Interfaces, 2)
				assert.Equal(t, vpc.Interface{ID: "eni-e5aa89a3", Subnet: "subnet-b61f49f0", PrivateIPs: []netip.Addr{addr("10.0.1.17")}, Groups: []string{"sg-8637d3e3"}}, c.Interfaces[0])
				assert.Equal(t, []netip.Addr{addr("10.0.1.149")}, c.Interfaces[1].PrivateIPs)
				assert.Equal(t, []sg.Group{{ID: "sg-8637d3e3"}}, c.SecurityGroups)
			}},
		{name: "an interface with a secondary address: the primary first",
			files: []string{"describe-network-interfaces-2.json", "../hand/subnets-of-cli-interfaces.json"}, vpc: "vpc-8941ebec",
			check: func(t *testing.T, c vpc.Config) {
				require.Len(t, c.Interfaces, 1)
				assert.Equal(t, []netip.Addr{addr("10.0.1.55"), addr("10.0.1.117")}, c.Interfaces[0].PrivateIPs)
			}},
		{name: "prefix lists without their entries",
			files: []string{"describe-managed-prefix-lists-1.json"},
			warn:  []string{"pl-0123456abcabcabc1: the entries of this prefix list are not in the files", "in a file named pl-0123456abcabcabc1.json"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []vpc.PrefixList{{ID: "pl-11223344556677aab"}, {ID: "pl-0123456abcabcabc1"}}, c.PrefixLists)
			}},
		{name: "prefix-list entries that name no list",
			files: []string{"get-managed-prefix-list-entries-1.json"},
			err: dir + "get-managed-prefix-list-entries-1.json:2:16: Entries: these prefix-list entries name no list " +
				`(name the file after the list (pl-0123456789abcdef0.json) or add "PrefixListId" at the top)`},
		{name: "the documented instance has an address that is not one",
			files: []string{"describe-instances-1.json"},
			err: dir + `describe-instances-1.json:80:49: eni-1234567890abcdefg PrivateIpAddress: "10-0-0-157": not an IP address` + "\n" +
				dir + `describe-instances-1.json:90:57: eni-1234567890abcdefg PrivateIpAddresses[0].PrivateIpAddress: "10-0-0-157": not an IP address`},
		{name: "authorize: a rule from another group",
			files: []string{"authorize-security-group-ingress-2.json"},
			warn: []string{"Return: the output of an authorize-security-group-* command",
				"sgr-01f4be99110f638a7 ReferencedGroupInfo.GroupId: security group sg-1a2b3c4d is not in the files"},
			check: func(t *testing.T, c vpc.Config) {
				assert.Equal(t, []sg.Group{
					{ID: "sg-1234567890abcdef0", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 80, ToPort: 80, Group: "sg-1a2b3c4d"}}},
					{ID: "sg-1a2b3c4d"},
				}, c.SecurityGroups)
			}},
		{name: "authorize: the documentation's tcp rule with ports -1",
			files: []string{"authorize-security-group-ingress-3.json"},
			err: dir + "authorize-security-group-ingress-3.json:20:25: sgr-0a133dd4493944b87 FromPort: -1: must be 0..65535\n" +
				dir + "authorize-security-group-ingress-3.json:21:23: sgr-0a133dd4493944b87 ToPort: -1: must be 0..65535"},
		{name: "authorize: icmp type and code, icmpv6 all, a prefix list",
			files: []string{"authorize-security-group-ingress-4.json", "authorize-security-group-ingress-6.json", "authorize-security-group-ingress-8.json"},
			warn:  []string{"prefix list pl-0721453c7ac4ec009 is not in the files: kept without entries"},
			check: func(t *testing.T, c vpc.Config) {
				require.Len(t, c.SecurityGroups, 1)
				assert.Equal(t, []sg.Rule{
					{Protocol: icmp, FromPort: 3, ToPort: 4, CIDR: pfx("0.0.0.0/0")},
					{Protocol: icmpv6, FromPort: -1, ToPort: -1, CIDR: pfx("::/0")},
					{Protocol: all, PrefixList: "pl-0721453c7ac4ec009"},
				}, c.SecurityGroups[0].Ingress)
				assert.Equal(t, []vpc.PrefixList{{ID: "pl-0721453c7ac4ec009"}}, c.PrefixLists)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fs []source.File
			for _, f := range tc.files {
				fs = append(fs, file(t, dir+f))
			}
			m, err := awsjson.Read(fs, awsjson.Options{VPC: tc.vpc})
			require.NotNil(t, m)
			for _, w := range tc.warn {
				assert.Contains(t, warnings(m.Warnings), w)
			}
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, tc.err, err.Error())
				assert.NotEmpty(t, source.Errors(err), "the errors are *source.Error")
				return
			}
			require.NoError(t, err)
			tc.check(t, m.Config)
			_, err = vpc.New(m.Config)
			assert.NoError(t, err, "the model builds")
		})
	}
}

// Entries of get-managed-prefix-list-entries find their list by the
// file's name, and join the list describe-managed-prefix-lists names.
func TestPrefixListEntriesByFileName(t *testing.T) {
	entries := file(t, "testdata/cli/get-managed-prefix-list-entries-1.json")
	entries.Name = "dumps/pl-0123456abcabcabc1.json"
	m, err := awsjson.Read([]source.File{file(t, "testdata/cli/describe-managed-prefix-lists-1.json"), entries}, awsjson.Options{})
	require.NoError(t, err)
	assert.Equal(t, []vpc.PrefixList{
		{ID: "pl-11223344556677aab"},
		{ID: "pl-0123456abcabcabc1", Entries: []netip.Prefix{pfx("10.0.0.0/16"), pfx("10.2.0.0/16")}},
	}, m.Config.PrefixLists)
	ws := warnings(m.Warnings)
	assert.Contains(t, ws, "pl-11223344556677aab: the entries of this prefix list are not in the files")
	assert.NotContains(t, ws, "pl-0123456abcabcabc1: the entries")
	o, ok := m.Origin(vpc.KindPrefixList, "pl-0123456abcabcabc1")
	require.True(t, ok)
	assert.Equal(t, source.Pos{File: "testdata/cli/describe-managed-prefix-lists-1.json", Line: 14, Col: 9}, o.Pos)
}

// Every documented output is recognised as AWS JSON, even those that
// break later; other JSON and YAML are not.
func TestIs(t *testing.T) {
	paths, err := filepath.Glob("testdata/*/*.json")
	require.NoError(t, err)
	for _, p := range paths {
		assert.True(t, awsjson.Is(file(t, p).Data), p)
	}
	for _, s := range []string{
		``, `[]`, `{}`, `{"name": "x", "security_groups": []}`, `{"format_version": "1.2", "planned_values": {}}`,
		"name: x\nsecurity_groups: []\n", `{"Other": [1, 2}, "Subnets": []}`, `{"resource": {"aws_security_group": {}}}`,
	} {
		assert.False(t, awsjson.Is([]byte(s)), s)
	}
	assert.True(t, awsjson.Is([]byte(`{"Return": true, "NextToken": null, "Subnets": [`)), "a known member after others")
	assert.True(t, awsjson.Is([]byte(`{"SecurityGroups"`)), "a file cut short is still one")
}
