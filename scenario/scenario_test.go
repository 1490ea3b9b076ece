package scenario

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// The reader's three fixtures (a web host, an ACL without the clients'
// ports, an address blocked by rule order) load without error, with the
// content they spell out.
func TestLoadFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 3)
	for _, path := range files {
		f, ws, err := Load(path)
		require.NoError(t, err, path)
		assert.Empty(t, ws, path)
		require.NotNil(t, f)
		assert.Equal(t, path, f.Path)
	}
}

func TestLoadSeedWebServer(t *testing.T) {
	const path = "testdata/01-seed-web-server.yaml"
	f, _, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "web host - ports 80 and 22 open to all, all egress, the VPC's default ACL", f.Name)
	assert.True(t, strings.HasPrefix(f.Description, "Fixture for the reader: one group opens TCP 80 and 22"))

	// One group, its rules expanded one per peer, with their positions.
	require.Len(t, f.SecurityGroups, 1)
	g := f.SecurityGroups[0]
	assert.Equal(t, Pos{path, 12, 5}, g.Pos)
	assert.Equal(t, sg.Group{
		ID: "sg-web",
		Ingress: []sg.Rule{
			{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 80, ToPort: 80, CIDR: netip.MustParsePrefix("0.0.0.0/0"), Description: "HTTP"},
			{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("0.0.0.0/0"), Description: "SSH"},
		},
		Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
	}, g.Group)
	assert.Equal(t, []RulePos{
		{Rule: Pos{path, 14, 9}, Index: 0, Peer: Pos{path, 14, 67}},
		{Rule: Pos{path, 15, 9}, Index: 1, Peer: Pos{path, 15, 67}},
	}, g.IngressPos)

	// No ACL declared: the implicit default, which the subnet uses.
	require.Len(t, f.NetworkACLs, 1)
	assert.True(t, f.NetworkACLs[0].Implicit)
	assert.Equal(t, nacl.Default("default"), f.NetworkACLs[0].ACL)
	assert.Len(t, f.NetworkACLs[0].IngressPos, 2)
	assert.Equal(t, []Subnet{{Pos: Pos{path, 19, 5}, Subnet: vpc.Subnet{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: DefaultACL}}}, f.Subnets)
	assert.Equal(t, []Interface{{
		Pos: Pos{path, 21, 5},
		Interface: vpc.Interface{
			ID: "eni-web", Subnet: "subnet-public",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
			Groups:     []string{"sg-web"},
			Listening:  []vpc.Port{{Proto: flow.TCP, Port: 80}},
		},
		PrivateIPsPos: []Pos{{path, 21, 56}},
		GroupsPos:     []Pos{{path, 21, 86}},
	}}, f.Interfaces)

	// The timeline.
	require.Len(t, f.Steps, 9)
	s := f.Steps[0]
	assert.Equal(t, Pos{path, 23, 5}, s.Pos)
	assert.Equal(t, StepPacket, s.Kind)
	assert.Equal(t, time.Duration(0), s.At)
	assert.Equal(t, flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]"), s.Packet)
	assert.Equal(t, &Expect{Pos: Pos{path, 25, 13}, Verdict: flow.Allow, Conntrack: flow.CTUntracked}, s.Expect)

	assert.Equal(t, 10*time.Millisecond, f.Steps[1].At)
	ingress := flow.Ingress
	assert.Equal(t, &Expect{Pos: Pos{path, 34, 13}, Verdict: flow.Drop, Stage: flow.StageSG, Direction: &ingress}, f.Steps[3].Expect)

	c := f.Steps[4]
	assert.Equal(t, StepConnect, c.Kind)
	assert.Equal(t, 2*time.Second, c.At)
	assert.Equal(t, Connect{Dial: vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"), DstPort: 80},
		Pos: Pos{path, 36, 14}}, c.Connect)
	assert.Equal(t, Connected, c.Expect.Outcome)
	assert.Equal(t, Refused, f.Steps[5].Expect.Outcome)
	assert.Equal(t, Timeout, f.Steps[6].Expect.Outcome)
	assert.Equal(t, 5020*time.Millisecond, f.Steps[8].At)
	assert.Equal(t, flow.CTEstablished, f.Steps[8].Expect.Conntrack)
}

func TestLoadForgotEphemeralPorts(t *testing.T) {
	const path = "testdata/02-nacl-forgot-ephemeral-ports.yaml"
	f, _, err := Load(path)
	require.NoError(t, err)

	// The declared ACL follows the implicit default one.
	require.Len(t, f.NetworkACLs, 2)
	assert.True(t, f.NetworkACLs[0].Implicit)
	a := f.NetworkACLs[1]
	assert.False(t, a.Implicit)
	assert.Equal(t, nacl.ACL{
		ID:      "acl-web",
		Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.TCP), FromPort: 80, ToPort: 80, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
		Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.TCP), FromPort: 80, ToPort: 80, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
	}, a.ACL)
	assert.Equal(t, []Pos{{path, 13, 9}}, a.IngressPos)
	assert.Equal(t, "acl-web", f.Subnets[0].ACL)

	egress := flow.Egress
	assert.Equal(t, &Expect{Pos: Pos{path, 26, 13}, Verdict: flow.Drop, Stage: flow.StageNACL, ACL: "acl-web", Direction: &egress, Rule: "*"}, f.Steps[1].Expect)

	// The change replaces the ACL whole.
	ch := f.Steps[3]
	assert.Equal(t, StepChange, ch.Kind)
	assert.Equal(t, time.Minute, ch.At)
	assert.Nil(t, ch.Expect)
	require.Len(t, ch.Change.NetworkACLs, 1)
	assert.Equal(t, 1024, ch.Change.NetworkACLs[0].ACL.Egress[0].FromPort)
	assert.Equal(t, 65535, ch.Change.NetworkACLs[0].ACL.Egress[0].ToPort)
	assert.Empty(t, ch.Change.SecurityGroups)
	assert.Equal(t, Connected, f.Steps[4].Expect.Outcome)
}

func TestLoadBlockOneAddress(t *testing.T) {
	f, _, err := Load("testdata/03-block-one-address.yaml")
	require.NoError(t, err)
	in := f.NetworkACLs[1].ACL.Ingress
	require.Len(t, in, 3)
	// The file's order is kept; rule numbers order the evaluation.
	assert.Equal(t, []int{100, 50, 150}, []int{in[0].Number, in[1].Number, in[2].Number})
	assert.Equal(t, nacl.Deny, in[1].Action)
	assert.Equal(t, flow.AnyProtocol, in[1].Protocol)
	assert.Equal(t, netip.MustParsePrefix("203.0.113.99/32"), in[1].CIDR)
	assert.Equal(t, "50", f.Steps[0].Expect.Rule)
	assert.Equal(t, flow.StageNACL, f.Steps[0].Expect.Stage)
}

// head is a small valid VPC that the error cases below build on.
const head = `name: t
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-a, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web], listening: [tcp/80]}
`

// withSteps returns head followed by the steps given, one YAML line each.
func withSteps(lines ...string) string {
	return head + "steps:\n" + strings.Join(lines, "\n") + "\n"
}

// sgRule returns a file with one security group holding one ingress rule.
func sgRule(rule string) string {
	return "name: t\nsecurity_groups:\n  - id: sg-x\n    ingress:\n      - " + rule + "\n"
}

// aclRule returns a file with one network ACL holding one ingress rule.
func aclRule(rules ...string) string {
	return "name: t\nnetwork_acls:\n  - id: acl-public\n    ingress:\n      - " + strings.Join(rules, "\n      - ") + "\n"
}

// iface returns head with one more interface line.
func iface(line string) string { return head + "  - " + line + "\n" }

// errCase is a file with exactly one problem (unless want lists more).
type errCase struct {
	name string
	doc  string
	// at marks where the error is: the first occurrence in doc of the
	// text with "^" removed; the column is that of "^", or of the text's
	// start without one. pos overrides it with "LINE:COL" or "LINE".
	at, pos string
	// msg holds substrings of the message: the field and the value.
	msg []string
	// field is the error's Field path, when checked.
	field string
}

// locate turns a marker into "LINE:COL".
func locate(t *testing.T, doc, mark string) string {
	t.Helper()
	caret := strings.Index(mark, "^")
	text := strings.Replace(mark, "^", "", 1)
	i := strings.Index(doc, text)
	require.GreaterOrEqual(t, i, 0, "marker %q not in the document", mark)
	if caret > 0 {
		i += caret
	}
	line := strings.Count(doc[:i], "\n") + 1
	col := i - strings.LastIndex(doc[:i], "\n")
	return strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

var errCases = []errCase{
	// The document as a whole.
	// Syntax errors at the token that is wrong, not where its block starts.
	{name: "yaml syntax", doc: "name: t\nsteps: [\n", at: "[", msg: []string{"YAML syntax", "expected node content"}},
	{name: "yaml indentation", doc: "name: t\nsecurity_groups:\n  - id: sg\n   ingress: []\n", at: "ingress", msg: []string{"YAML syntax", "'-' indicator", "indented"}},
	{name: "yaml indentation deep", doc: "name: t\nsecurity_groups:\n  - id: sg\n    ingress:\n      - protocol: tcp\n        from_port: 80\n       to_port: 80\n", at: "to_port", msg: []string{"YAML syntax"}},
	{name: "yaml second colon", doc: "name: t\ndescription: a: b\n", at: ": b", msg: []string{"YAML syntax", "mapping values", "quote"}},
	{name: "yaml tab", doc: "name: t\nsteps:\n\t- at: 1s\n", pos: "3:1", msg: []string{"YAML syntax", "tabs"}},
	{name: "yaml unknown anchor", doc: "name: t\nsubnets: [*nope]\n", at: "*nope", msg: []string{"YAML syntax", "unknown anchor"}},
	{name: "json syntax", doc: "{\"name\": \"t\",\n \"steps\": [\n  {\"at\": \"1s\"}\n  {\"at\": \"2s\"}]}\n", at: "{\"at\": \"2s", msg: []string{"JSON syntax", "after array element"}},
	{name: "json unexpected end", doc: "{\"name\": \"t\",\n \"steps\": [\n", at: "[\n", msg: []string{"JSON syntax", "unexpected EOF"}},
	{name: "json trailing value", doc: "{\"name\": \"t\"} {\"a\": 1}\n", at: "{\"a", msg: []string{"second"}},
	{name: "empty file", doc: "", pos: "1:1", msg: []string{"empty"}},
	{name: "comments only", doc: "# nothing\n", pos: "1:1", msg: []string{"empty"}},
	{name: "two documents", doc: "name: t\n---\nname: u\n", pos: "2:1", msg: []string{"second YAML document"}},
	{name: "not a mapping", doc: "- a\n", pos: "1:1", msg: []string{"want a mapping"}},
	{name: "name missing", doc: "description: x\n", pos: "1:1", msg: []string{"name: required"}, field: "name"},
	{name: "name empty", doc: "name: ''\n", at: "''", msg: []string{"name", "must not be empty"}},
	{name: "name two lines", doc: "name: |\n  a\n  b\n", at: "|", msg: []string{"name", "one line"}},
	{name: "unknown top field", doc: "name: t\nstep: []\n", at: "step", msg: []string{`unknown field "step"`, "did you mean steps?"}, field: "step"},
	{name: "field twice", doc: "name: t\nname: u\n", at: "name: u", msg: []string{"name: given twice (first at 1:1)"}},
	{name: "list wanted", doc: "name: t\nsubnets: {id: x}\n", at: "{id", msg: []string{"subnets", "want a list"}},
	{name: "merge of a scalar", doc: "name: t\nsubnets:\n  - {<<: x, id: s, cidr_block: 10.0.0.0/24}\n", at: "<<: ^x", msg: []string{"<<", "want a mapping"}},

	// Prefix lists.
	{name: "prefix list entry", doc: "name: t\nprefix_lists:\n  - {id: pl-a, entries: [10.0.0.0/8, bogus]}\n", at: "bogus", msg: []string{"prefix list pl-a", "entries bogus", "not a CIDR"}, field: "prefix_lists[0].entries[1]"},
	{name: "prefix list id missing", doc: "name: t\nprefix_lists:\n  - {entries: []}\n", at: "{entries", msg: []string{"prefix list", "id: required"}},

	// Security groups.
	{name: "group id missing", doc: "name: t\nsecurity_groups:\n  - ingress: []\n", at: "ingress", msg: []string{"security group", "id: required"}, field: "security_groups[0].id"},
	{name: "group id with a space", doc: "name: t\nsecurity_groups:\n  - id: sg web\n", at: "sg web", msg: []string{`id "sg web"`, "spaces"}},
	{name: "group id twice", doc: "name: t\nsecurity_groups:\n  - id: sg-x\n  - id: sg-x\n", pos: "4:9", msg: []string{"security group sg-x", "declared twice", "first at 3:5"}},
	{name: "group unknown field", doc: "name: t\nsecurity_groups:\n  - {id: sg-x, ingres: []}\n", at: "ingres", msg: []string{`unknown field "ingres"`, "did you mean ingress?"}},
	// One error per mistake: a peer that is not a list is that error, not also "no peer".
	{name: "rule cidr_blocks not a list", doc: sgRule("{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: 0.0.0.0/0}"), at: "0.0.0.0/0", msg: []string{"cidr_blocks 0.0.0.0/0", "want a list", "write [0.0.0.0/0]"}},
	{name: "rule security_groups not a list", doc: sgRule("{protocol: tcp, from_port: 80, to_port: 80, security_groups: sg-x}"), at: "sg-x}", msg: []string{"security_groups sg-x", "want a list"}},
	{name: "acl subnet_ids from Terraform", doc: "name: t\nnetwork_acls:\n  - {id: acl-x, subnet_ids: [s]}\n", at: "subnet_ids", msg: []string{`unknown field "subnet_ids"`, "network_acl field"}},
	{name: "at beyond 100 years", doc: withSteps("  - at: 876001h", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "876001h", msg: []string{"step 1:", "at 876001h", "876000h", "100 years"}},
	{name: "at beyond a duration", doc: withSteps("  - at: 2562048h", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "2562048h", msg: []string{"at 2562048h", "Go duration"}},
	{name: "rule unknown field", doc: sgRule("{protocol: tcp, from_port: 1, to_port: 2, cidr_block: [0.0.0.0/0]}"), at: "cidr_block", msg: []string{"security group sg-x ingress[0]", `"cidr_block"`, "did you mean cidr_blocks?"}},
	{name: "rule protocol missing", doc: sgRule("{from_port: 1, to_port: 2, cidr_blocks: [0.0.0.0/0]}"), at: "{from", msg: []string{"ingress[0]", "protocol: required"}, field: "security_groups[0].ingress[0].protocol"},
	{name: "rule protocol unknown", doc: sgRule("{protocol: tcpp, from_port: 1, to_port: 2, cidr_blocks: [0.0.0.0/0]}"), at: "tcpp", msg: []string{"protocol tcpp", "unknown protocol"}},
	{name: "rule tcp from_port missing", doc: sgRule("{protocol: tcp, to_port: 2, cidr_blocks: [0.0.0.0/0]}"), at: "{protocol", msg: []string{"from_port: required"}},
	{name: "rule tcp port range", doc: sgRule("{protocol: tcp, from_port: 80, to_port: 70000, cidr_blocks: [0.0.0.0/0]}"), at: "70000", msg: []string{"ingress[0]", "to_port 70000", "0..65535"}, field: "security_groups[0].ingress[0].to_port"},
	{name: "rule tcp range backwards", doc: sgRule("{protocol: udp, from_port: 90, to_port: 80, cidr_blocks: [0.0.0.0/0]}"), at: "80,", msg: []string{"to_port 80", "from_port 90"}},
	{name: "rule port far out of range", doc: sgRule("{protocol: tcp, from_port: 99999999999, to_port: 80, cidr_blocks: [0.0.0.0/0]}"), at: "99999999999", msg: []string{"from_port 99999999999", "out of range"}},
	{name: "rule port not a number", doc: sgRule("{protocol: tcp, from_port: http, to_port: 80, cidr_blocks: [0.0.0.0/0]}"), at: "http", msg: []string{"from_port http", "whole number"}},
	{name: "rule -1 with ports", doc: sgRule(`{protocol: "-1", from_port: 1, to_port: 0, cidr_blocks: [0.0.0.0/0]}`), at: "from_port: ^1", msg: []string{"from_port 1", "must be 0 or absent", "-1"}},
	{name: "rule all with ports", doc: sgRule(`{protocol: all, from_port: 0, to_port: 65535, cidr_blocks: [0.0.0.0/0]}`), at: "65535", msg: []string{"to_port 65535", "must be 0 or absent"}},
	{name: "rule gre with ports", doc: sgRule(`{protocol: gre, from_port: 5, to_port: 0, cidr_blocks: [0.0.0.0/0]}`), at: "from_port: ^5", msg: []string{"from_port 5", "gre"}},
	{name: "rule icmp code missing", doc: sgRule("{protocol: icmp, from_port: 8, cidr_blocks: [0.0.0.0/0]}"), at: "{protocol", msg: []string{"to_port: required", "ICMP code"}},
	{name: "rule icmp any type with a code", doc: sgRule("{protocol: icmp, from_port: -1, to_port: 3, cidr_blocks: [0.0.0.0/0]}"), at: "to_port: ^3", msg: []string{"to_port 3", "-1"}},
	{name: "rule icmp type range", doc: sgRule("{protocol: icmp, from_port: 300, to_port: 0, cidr_blocks: [0.0.0.0/0]}"), at: "300", msg: []string{"from_port 300", "0..255"}},
	{name: "rule icmpv6 half", doc: sgRule(`{protocol: icmpv6, to_port: 0, ipv6_cidr_blocks: ["::/0"]}`), at: "{protocol", msg: []string{"from_port: required", "both"}},
	{name: "rule no peer", doc: sgRule("{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: []}"), at: "{protocol", msg: []string{"ingress[0]", "no peer"}},
	{name: "rule self false is no peer", doc: sgRule("{protocol: tcp, from_port: 1, to_port: 2, self: false}"), at: "{protocol", msg: []string{"no peer"}},
	{name: "rule self not a bool", doc: sgRule("{protocol: tcp, from_port: 1, to_port: 2, self: yes}"), at: "yes", msg: []string{"self yes", "true or false"}},
	{name: "rule v6 in cidr_blocks", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: ["::/0"]}`), at: `"::/0"`, msg: []string{"cidr_blocks ::/0", "ipv6_cidr_blocks"}, field: "security_groups[0].ingress[0].cidr_blocks[0]"},
	{name: "rule v4 in ipv6_cidr_blocks", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, ipv6_cidr_blocks: [10.0.0.0/8]}`), at: "10.0.0.0/8", msg: []string{"ipv6_cidr_blocks 10.0.0.0/8", "put it in cidr_blocks"}},
	{name: "rule cidr prefix too long", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: [10.0.0.0/33]}`), at: "10.0.0.0/33", msg: []string{"cidr_blocks 10.0.0.0/33", "not a CIDR"}},
	{name: "rule cidr without length", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: [10.0.0.7]}`), at: "10.0.0.7", msg: []string{"cidr_blocks 10.0.0.7", "10.0.0.7/32"}},
	{name: "rule unknown group", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, security_groups: [sg-y]}`), at: "sg-y", msg: []string{"security_groups sg-y", "no such security group"}},
	{name: "rule unknown group, near miss", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, security_groups: [sg-z]}`), at: "sg-z", msg: []string{"did you mean sg-x?"}},
	{name: "rule unknown prefix list", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, prefix_list_ids: [pl-office]}`), at: "pl-office", msg: []string{"prefix_list_ids pl-office", "no such prefix list"}},
	{name: "rule description too long", doc: sgRule(`{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: [0.0.0.0/0], description: ` + strings.Repeat("x", 256) + `}`), at: "xxx", msg: []string{"description", "256 characters"}},

	// Network ACLs.
	{name: "acl rule_no reserved", doc: aclRule("{rule_no: 32767, action: allow, protocol: tcp, from_port: 80, to_port: 80, cidr_block: 0.0.0.0/0}"), at: "32767", msg: []string{"nacl acl-public ingress rule_no 32767: must be 1..32766"}, field: "network_acls[0].ingress[0].rule_no"},
	{name: "acl rule_no zero", doc: aclRule(`{rule_no: 0, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}`), at: "rule_no: ^0", msg: []string{"rule_no 0", "1..32766"}},
	{name: "acl rule_no twice", doc: aclRule(`{rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}`, `{rule_no: 100, action: deny, protocol: "-1", cidr_block: 10.0.0.0/8}`), pos: "6:19", msg: []string{"rule_no 100", "unique per direction"}},
	{name: "acl rule_no missing", doc: aclRule(`{action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}`), at: "{action", msg: []string{"nacl acl-public ingress[0]", "rule_no: required"}},
	{name: "acl action", doc: aclRule(`{rule_no: 100, action: permit, protocol: "-1", cidr_block: 0.0.0.0/0}`), at: "permit", msg: []string{"nacl acl-public ingress rule 100", "action permit", "allow or deny"}},
	{name: "acl action missing", doc: aclRule(`{rule_no: 100, protocol: "-1", cidr_block: 0.0.0.0/0}`), at: "{rule_no", msg: []string{"action: required"}},
	{name: "acl both cidrs", doc: aclRule(`{rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0, ipv6_cidr_block: "::/0"}`), at: `"::/0"`, msg: []string{"ipv6_cidr_block ::/0", "exactly one"}},
	{name: "acl no cidr", doc: aclRule(`{rule_no: 100, action: allow, protocol: "-1"}`), at: "{rule_no", msg: []string{"cidr_block: required", "ipv6_cidr_block"}},
	{name: "acl v6 in cidr_block", doc: aclRule(`{rule_no: 100, action: allow, protocol: "-1", cidr_block: "::/0"}`), at: `"::/0"`, msg: []string{"cidr_block ::/0", "put it in ipv6_cidr_block"}},
	{name: "acl tcp ports missing", doc: aclRule(`{rule_no: 100, action: allow, protocol: tcp, to_port: 80, cidr_block: 0.0.0.0/0}`), at: "{rule_no", msg: []string{"rule 100", "from_port: required"}},
	{name: "acl port range", doc: aclRule(`{rule_no: 100, action: allow, protocol: udp, from_port: 0, to_port: 65536, cidr_block: 0.0.0.0/0}`), at: "65536", msg: []string{"rule 100", "to_port 65536", "0..65535"}},
	{name: "acl -1 with ports", doc: aclRule(`{rule_no: 100, action: allow, protocol: "-1", from_port: 80, cidr_block: 0.0.0.0/0}`), at: "from_port: ^80", msg: []string{"from_port 80", "must be 0 or absent"}},
	{name: "acl icmp type missing", doc: aclRule(`{rule_no: 100, action: allow, protocol: icmp, icmp_code: -1, cidr_block: 0.0.0.0/0}`), at: "{rule_no", msg: []string{"icmp_type: required", "-1 for any"}},
	{name: "acl icmpv6 code missing", doc: aclRule(`{rule_no: 100, action: allow, protocol: icmpv6, icmp_type: 128, ipv6_cidr_block: "::/0"}`), at: "{rule_no", msg: []string{"icmp_code: required"}},
	{name: "acl icmp any type with a code", doc: aclRule(`{rule_no: 100, action: allow, protocol: icmp, icmp_type: -1, icmp_code: 0, cidr_block: 0.0.0.0/0}`), at: "icmp_code: ^0", msg: []string{"icmp_code 0", "must be -1"}},
	{name: "acl icmp fields on tcp", doc: aclRule(`{rule_no: 100, action: allow, protocol: tcp, from_port: 1, to_port: 2, icmp_type: 3, cidr_block: 0.0.0.0/0}`), at: "icmp_type: ^3", msg: []string{"icmp_type 3", "must be 0 or absent"}},
	{name: "acl rule field typo", doc: aclRule(`{rule_num: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}`), at: "rule_num", msg: []string{`unknown field "rule_num"`, "did you mean rule_no?"}},
	{name: "acl subnet_ids", doc: "name: t\nnetwork_acls:\n  - {id: acl-x, subnet_ids: [subnet-a]}\n", at: "subnet_ids", msg: []string{`unknown field "subnet_ids"`}},

	// Subnets.
	{name: "subnet cidr missing", doc: "name: t\nsubnets:\n  - {id: subnet-a}\n", at: "{id", msg: []string{"subnet subnet-a", "cidr_block: required"}},
	{name: "subnet cidr v6", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: \"2001:db8::/64\"}\n", at: `"2001`, msg: []string{"cidr_block 2001:db8::/64", "put it in ipv6_cidr_block"}},
	{name: "subnet unknown acl", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/24, network_acl: acl-x}\n", at: "acl-x", msg: []string{"network_acl acl-x", "no such network ACL"}, field: "subnets[0].network_acl"},
	{name: "subnets overlap", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/24}\n  - {id: subnet-b, cidr_block: 10.0.0.0/16}\n", at: "10.0.0.0/16", msg: []string{"subnet subnet-b", "cidr_block 10.0.0.0/16", "overlaps subnet subnet-a"}},
	{name: "subnet id twice", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/24}\n  - {id: subnet-a, cidr_block: 10.0.2.0/24}\n", pos: "4:10", msg: []string{"subnet subnet-a", "declared twice"}},

	// Interfaces.
	{name: "interface subnet unknown", doc: iface("{id: eni-b, subnet: subnet-b, private_ips: [10.0.1.11], security_groups: [sg-web]}"), at: "subnet-b", msg: []string{"interface eni-b", "subnet subnet-b", "no such subnet", "did you mean subnet-a?"}},
	{name: "interface groups missing", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11]}"), at: "{id: eni-b", msg: []string{"interface eni-b", "security_groups: required"}},
	{name: "interface private_ips missing", doc: iface("{id: eni-b, subnet: subnet-a, security_groups: [sg-web]}"), at: "{id: eni-b", msg: []string{"private_ips: required"}},
	{name: "interface no groups", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: []}"), at: "[]", msg: []string{"security_groups", "1..16"}},
	{name: "interface 17 groups", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [" + strings.Repeat("sg-web, ", 16) + "sg-web]}"), at: "[sg-web, sg-web", msg: []string{"17 groups", "1..16"}},
	{name: "interface group unknown", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-db]}"), at: "sg-db", msg: []string{"security_groups sg-db", "no such security group"}, field: "interfaces[1].security_groups[0]"},
	{name: "interface group twice", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web, sg-web]}"), at: "sg-web, ^sg-web]", msg: []string{"security_groups sg-web", "listed twice"}},
	{name: "interface id twice", doc: iface("{id: eni-a, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web]}"), pos: "10:10", msg: []string{"interface eni-a", "declared twice"}},
	{name: "address outside subnet", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.2.11], security_groups: [sg-web]}"), at: "10.0.2.11", msg: []string{"private_ips 10.0.2.11", "not in subnet subnet-a's cidr_block 10.0.1.0/24"}, field: "interfaces[1].private_ips[0]"},
	{name: "address reserved", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.1], security_groups: [sg-web]}"), at: "10.0.1.1]", msg: []string{"private_ips 10.0.1.1", "reserved by AWS"}},
	{name: "address broadcast", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.255], security_groups: [sg-web]}"), at: "10.0.1.255", msg: []string{"private_ips 10.0.1.255", "reserved by AWS"}},
	{name: "address taken", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web]}"), at: "eni-b, subnet: subnet-a, private_ips: [^10.0.1.10", msg: []string{"interface eni-b", "private_ips 10.0.1.10", "already an address of interface eni-a"}},
	{name: "address twice in one interface", doc: iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11, 10.0.1.11], security_groups: [sg-web]}"), at: "10.0.1.11, ^10.0.1.11", msg: []string{"private_ips 10.0.1.11", "listed twice"}},
	{name: "address v6 in private_ips", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: ["2001:db8::1"], security_groups: [sg-web]}`), at: `"2001`, msg: []string{"private_ips 2001:db8::1", "put it in ipv6_addresses"}},
	{name: "address is a cidr", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11/32], security_groups: [sg-web]}`), at: "10.0.1.11/32", msg: []string{"private_ips 10.0.1.11/32", "not a CIDR"}},
	{name: "no private_ips", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [], security_groups: [sg-web]}`), at: "[]", msg: []string{"private_ips", "at least one"}},
	{name: "ipv6 without a subnet block", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], ipv6_addresses: ["2001:db8::11"], security_groups: [sg-web]}`), at: `"2001`, msg: []string{"ipv6_addresses 2001:db8::11", "subnet subnet-a has no ipv6_cidr_block"}},
	{name: "address of the VPC router", doc: strings.Replace(iface("{id: eni-b, subnet: web, private_ips: [10.0.1.1], security_groups: [sg-web]}"), "subnet-a", "web", 2), at: "10.0.1.1]",
		msg: []string{"interface eni-b: private_ips 10.0.1.1: reserved by AWS in subnet web (10.0.1.0/24): the VPC router (base + 1)"}, field: "interfaces[1].private_ips[0]"},
	{name: "ipv6 address reserved", doc: strings.Replace(iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], ipv6_addresses: ["2001:db8:1::1"], security_groups: [sg-web]}`), "10.0.1.0/24}", `10.0.1.0/24, ipv6_cidr_block: "2001:db8:1::/64"}`, 1),
		at: `"2001:db8:1::1"`, msg: []string{"ipv6_addresses 2001:db8:1::1: reserved by AWS in subnet subnet-a (2001:db8:1::/64): the VPC router (base + 1)"}, field: "interfaces[1].ipv6_addresses[0]"},
	{name: "subnet narrower than /28", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/29}\n", at: "10.0.1.0/29",
		msg: []string{"subnet subnet-a: cidr_block 10.0.1.0/29: a subnet's IPv4 block is /16 to /28"}, field: "subnets[0].cidr_block"},
	{name: "subnet wider than /16", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.0.0/15}\n", at: "10.0.0.0/15", msg: []string{"cidr_block 10.0.0.0/15", "/16 to /28"}},
	{name: "subnet ipv6 block not a /64", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/24, ipv6_cidr_block: \"2001:db8:1::/56\"}\n", at: `"2001`,
		msg: []string{"subnet subnet-a: ipv6_cidr_block 2001:db8:1::/56: a subnet's IPv6 block is a /64"}, field: "subnets[0].ipv6_cidr_block"},
	{name: "subnet ipv6 blocks overlap", doc: "name: t\nsubnets:\n  - {id: subnet-a, cidr_block: 10.0.1.0/24, ipv6_cidr_block: \"2001:db8:1::/64\"}\n  - {id: subnet-b, cidr_block: 10.0.2.0/24, ipv6_cidr_block: \"2001:db8:1::/64\"}\n",
		at: `10.0.2.0/24, ipv6_cidr_block: ^"2001`, msg: []string{"subnet subnet-b: ipv6_cidr_block 2001:db8:1::/64: overlaps subnet subnet-a's ipv6_cidr_block 2001:db8:1::/64"}},
	{name: "listening entry", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], listening: [tcp/80, http]}`), at: "http", msg: []string{"listening http", "tcp/80"}},
	{name: "listening port 0", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], listening: [udp/0]}`), at: "udp/0", msg: []string{"listening udp/0"}},
	{name: "tcp_established_timeout", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], connection_tracking: {tcp_established_timeout: 59}}`), at: "59", msg: []string{"tcp_established_timeout 59", "60..432000"}, field: "interfaces[1].connection_tracking.tcp_established_timeout"},
	{name: "udp_stream_timeout", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], connection_tracking: {udp_stream_timeout: 181}}`), at: "181", msg: []string{"udp_stream_timeout 181", "60..180"}},
	{name: "udp_timeout", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], connection_tracking: {udp_timeout: 29}}`), at: "29", msg: []string{"udp_timeout 29", "30..60"}},
	{name: "connection_tracking typo", doc: iface(`{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], connection_tracking: {udp_stream: 60}}`), at: "udp_stream", msg: []string{`"udp_stream"`, "did you mean udp_stream_timeout?"}},

	// Steps.
	{name: "at missing", doc: withSteps("  - packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "packet", msg: []string{"step 1:", "at: required"}, field: "steps[0].at"},
	{name: "at without unit", doc: withSteps("  - at: 5", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "at: ^5", msg: []string{"at 5", "5s"}},
	{name: "at not a duration", doc: withSteps("  - at: soon", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "soon", msg: []string{"at soon", "Go duration"}},
	{name: "at negative", doc: withSteps("  - at: -1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "-1s", msg: []string{"at -1s", "negative"}},
	{name: "at goes back", doc: withSteps("  - at: 2s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "  - at: 1.5s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "1.5s", msg: []string{"step 2 (at 1.5s)", "at 1.5s", "back in time", "2s"}},
	{name: "no action", doc: withSteps("  - at: 1s", "    expect: allow"), at: "at: 1s", msg: []string{"step 1 (at 1s)", "no action"}},
	{name: "two actions", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    connect: tcp 1.2.3.4 > 10.0.1.10:80"), at: "connect", msg: []string{"connect", "exactly one", "packet"}},
	{name: "step typo", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expected: allow"), at: "expected", msg: []string{`unknown field "expected"`, "did you mean expect?"}},
	{name: "packet without text", doc: withSteps("  - at: 1s", "    packet:"), at: "packet:", msg: []string{"step 1 (at 1s): packet: no packet text"}},
	{name: "packet syntax", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:x > 10.0.1.10:80 [S]"), at: "1.2.3.4:x", msg: []string{"packet", `"1.2.3.4:x"`, "port"}, field: "steps[0].packet"},
	{name: "packet syntax, quoted", doc: withSteps("  - at: 1s", `    packet: "tcp 1.2.3.4:1 > 10.0.1.10:80 [Q]"`), at: "[Q]", msg: []string{"packet", "[Q]"}},
	{name: "packet outside the VPC", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 5.6.7.8:80 [S]"), at: "tcp 1.2.3.4:1 > 5", msg: []string{"neither 1.2.3.4 nor 5.6.7.8", "interface"}},
	{name: "packet to itself", doc: withSteps("  - at: 1s", "    packet: udp 10.0.1.10:1 > 10.0.1.10:53"), at: "udp 10", msg: []string{"from interface eni-a to itself"}},
	{name: "connect syntax", doc: withSteps("  - at: 1s", "    connect: tcp 1.2.3.4 10.0.1.10:80"), at: "tcp 1.2.3.4 10", msg: []string{"connect", "want PROTO CLIENT > HOST"}},
	{name: "connect udp", doc: withSteps("  - at: 1s", "    connect: udp 1.2.3.4 > 10.0.1.10:53"), at: "udp 1", msg: []string{"connect", "udp", "tcp, icmp or icmpv6"}},
	{name: "connect without port", doc: withSteps("  - at: 1s", "    connect: tcp 1.2.3.4 > 10.0.1.10"), at: "tcp 1", msg: []string{"host 10.0.1.10", "needs a port"}},
	{name: "connect icmp over v6", doc: withSteps("  - at: 1s", `    connect: icmp 2001:db8::1 > 2001:db8::2`), at: "icmp 2001", msg: []string{"icmp is for IPv4"}},
	{name: "connect outside the VPC", doc: withSteps("  - at: 1s", `    connect: icmp 1.2.3.4 > 5.6.7.8`), at: "icmp 1", msg: []string{"neither 1.2.3.4 nor 5.6.7.8"}},
	{name: "expect word on a packet", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: connected"), at: "connected", msg: []string{"expect connected", "allow or drop"}},
	{name: "expect word on a connect", doc: withSteps("  - at: 1s", "    connect: tcp 1.2.3.4 > 10.0.1.10:80", "    expect: allow"), at: "expect: ^allow", msg: []string{"expect allow", "connected, refused or timeout"}},
	{name: "expect unknown word", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: accept"), at: "accept", msg: []string{"expect accept", "allow or drop"}},
	{name: "expect verdict", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {verdict: pass}"), at: "pass", msg: []string{"expect", "verdict pass", "allow or drop"}, field: "steps[0].expect.verdict"},
	{name: "expect drop fields on allow", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {verdict: allow, stage: sg}"), at: "sg}", msg: []string{"stage sg", "describes a drop", "allow"}},
	{name: "expect conntrack on drop", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {verdict: drop, conntrack: new}"), at: "new}", msg: []string{"conntrack new", "describes an allow"}},
	{name: "expect conntrack with a drop field", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {direction: ingress, conntrack: new}"), at: "ingress,", msg: []string{"direction ingress", "conntrack describes an allow"}},
	{name: "expect conntrack value", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {conntrack: tracked}"), at: "tracked", msg: []string{"conntrack tracked", "new or established or untracked or exempt"}},
	{name: "expect stage", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {stage: firewall}"), at: "firewall", msg: []string{"stage firewall", "nacl or sg"}},
	{name: "expect direction", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {direction: inbound}"), at: "inbound", msg: []string{"direction inbound", "ingress or egress"}},
	{name: "expect rule range", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {rule: 32767}"), at: "32767", msg: []string{"rule 32767", `"*"`}},
	{name: "expect rule word", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {rule: all}"), at: "all}", msg: []string{"rule all", "1..32766"}},
	{name: "expect acl unknown", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {acl: acl-web}"), at: "acl-web", msg: []string{"acl acl-web", "no such network ACL"}},
	{name: "expect rule not in the acl", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {acl: default, direction: ingress, rule: 102}"), at: "102", msg: []string{"rule 102", "nacl default has no ingress rule 102"}, field: "steps[0].expect.rule"},
	{name: "expect acl with stage sg", doc: withSteps("  - at: 1s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]", "    expect: {stage: sg, acl: default}"), at: "default}", msg: []string{"acl default", "stage is sg"}},
	{name: "expect verdict on a connect", doc: withSteps("  - at: 1s", "    connect: tcp 1.2.3.4 > 10.0.1.10:80", "    expect: {verdict: drop}"), at: "verdict", msg: []string{`unknown field "verdict"`}},
	{name: "expect drop fields on connected", doc: withSteps("  - at: 1s", "    connect: tcp 1.2.3.4 > 10.0.1.10:80", "    expect: {outcome: connected, stage: nacl}"), at: "nacl}", msg: []string{"stage nacl", "outcome is connected"}},
	{name: "expect on a change", doc: withSteps("  - at: 1s", "    change: {security_groups: [{id: sg-new}]}", "    expect: allow"), at: "expect: ^allow", msg: []string{"expect allow", "a change has no expectation"}},

	// Changes, validated against the VPC as it is at their step.
	{name: "change refers to an undeclared group", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-a, security_groups: [sg-db]}]}"), at: "sg-db", msg: []string{"interface eni-a", "security_groups sg-db", "no such security group"}, field: "steps[0].change.interfaces[0].security_groups[0]"},
	{name: "change refers to a later declaration", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-a, security_groups: [sg-db]}]}", "  - at: 2s", "    change: {security_groups: [{id: sg-db}]}"), at: "sg-db]", msg: []string{"no such security group"}},
	{name: "change declares an id twice", doc: withSteps("  - at: 1s", "    change: {security_groups: [{id: sg-db}, {id: sg-db}]}"), at: "{id: sg-db}, {id: ^sg-db", msg: []string{"security group sg-db", "declared twice in this change"}},
	{name: "ipv6 address outside the subnet's block", doc: strings.Replace(head, "10.0.1.0/24}", "10.0.1.0/24, ipv6_cidr_block: \"2001:db8:1::/64\"}", 1) + "steps:\n  - at: 1s\n    change: {interfaces: [{id: eni-a, ipv6_addresses: [\"2001:db8:2::10\"]}]}\n", at: `"2001:db8:2::10"`, msg: []string{"interface eni-a", "ipv6_addresses 2001:db8:2::10", "not in subnet subnet-a's ipv6_cidr_block 2001:db8:1::/64"}},
	{name: "change moves an interface to another subnet", doc: strings.Replace(head, "subnets:\n", "subnets:\n  - {id: subnet-b, cidr_block: 10.0.2.0/24}\n", 1) + "steps:\n  - at: 1s\n    change: {interfaces: [{id: eni-a, subnet: subnet-b}]}\n", at: "subnet: ^subnet-b}", msg: []string{"interface eni-a", "private_ips 10.0.1.10", "not in subnet subnet-b's cidr_block 10.0.2.0/24"}, field: "steps[0].change.interfaces[0].subnet"},
	{name: "change shrinks a subnet under an interface", doc: withSteps("  - at: 1s", "    change: {subnets: [{id: subnet-a, cidr_block: 10.0.1.128/25}]}"), at: "10.0.1.128/25", msg: []string{"subnet subnet-a", "interface eni-a's private_ips 10.0.1.10", "not in subnet subnet-a's cidr_block 10.0.1.128/25"}},
	{name: "change adds an incomplete interface", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-new, subnet: subnet-a, security_groups: [sg-web]}]}"), at: "{id: eni-new", msg: []string{"interface eni-new", "private_ips: required"}},
	{name: "change takes an address", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web]}]}"), at: "eni-b, subnet: subnet-a, private_ips: [^10.0.1.10", msg: []string{"already an address of interface eni-a"}},
	{name: "change bad rule", doc: withSteps("  - at: 1s", "    change: {network_acls: [{id: default, ingress: [{rule_no: 40000, action: allow, protocol: \"-1\", cidr_block: 0.0.0.0/0}]}]}"), at: "40000", msg: []string{"nacl default ingress rule_no 40000: must be 1..32766"}, field: "steps[0].change.network_acls[0].ingress[0].rule_no"},
	{name: "change not a mapping", doc: withSteps("  - at: 1s", "    change: [x]"), at: "[x]", msg: []string{"change", "want a mapping"}},
	{name: "change unknown kind", doc: withSteps("  - at: 1s", "    change: {routes: []}"), at: "routes", msg: []string{`unknown field "routes"`}},
	{name: "change adds a subnet that overlaps one it re-associates", doc: withSteps("  - at: 1s", "    change: {subnets: [{id: subnet-b, cidr_block: 10.0.1.128/25}, {id: subnet-a, network_acl: default}]}"),
		at: "10.0.1.128/25", msg: []string{"subnet subnet-b: cidr_block 10.0.1.128/25: overlaps subnet subnet-a's cidr_block 10.0.1.0/24"}, field: "steps[0].change.subnets[0].cidr_block"},
	{name: "change widens a subnet over one declared after it", doc: strings.Replace(head, "interfaces:\n", "  - {id: subnet-b, cidr_block: 10.0.2.0/24}\ninterfaces:\n", 1) + "steps:\n  - at: 1s\n    change: {subnets: [{id: subnet-a, cidr_block: 10.0.0.0/22}]}\n",
		at: "10.0.0.0/22", msg: []string{"subnet subnet-a: cidr_block 10.0.0.0/22: overlaps subnet subnet-b's cidr_block 10.0.2.0/24"}},
	{name: "change adds an interface on the address of one it patches", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-c, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web]}, {id: eni-a, security_groups: [sg-web]}]}"),
		at: "eni-c, subnet: subnet-a, private_ips: [^10.0.1.10", msg: []string{"interface eni-c: private_ips 10.0.1.10: already an address of interface eni-a"}},
	{name: "change moves an interface onto a reserved address", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-a, private_ips: [10.0.1.3]}]}"),
		at: "10.0.1.3", msg: []string{"private_ips 10.0.1.3: reserved by AWS in subnet subnet-a (10.0.1.0/24): reserved for future use (base + 3)"}},
	{name: "change gives an interface a group twice", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-a, security_groups: [sg-web, sg-web]}]}"),
		at: "sg-web, ^sg-web]", msg: []string{"interface eni-a: security_groups sg-web: listed twice"}, field: "steps[0].change.interfaces[0].security_groups[1]"},
	{name: "change names an unknown ACL", doc: withSteps("  - at: 1s", "    change: {subnets: [{id: subnet-a, network_acl: acl-webb}]}", "  - at: 2s", "    change: {network_acls: [{id: acl-web}]}"),
		at: "acl-webb", msg: []string{"subnet subnet-a: network_acl acl-webb: no such network ACL"}},
	{name: "packet to an address a change took away", doc: withSteps("  - at: 1s", "    change: {interfaces: [{id: eni-a, private_ips: [10.0.1.20]}]}", "  - at: 2s", "    packet: tcp 1.2.3.4:1 > 10.0.1.10:80 [S]"), at: "tcp 1.2.3.4:1 > 10.0.1.10", msg: []string{"neither 1.2.3.4 nor 10.0.1.10", "at this step"}},
}

// Each invalid file yields exactly one error, at the expected position,
// naming the field and the value.
func TestParseErrors(t *testing.T) {
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			f, _, err := Parse("bad.yaml", []byte(tc.doc))
			require.Error(t, err)
			assert.Nil(t, f)
			errs := Errors(err)
			require.Len(t, errs, 1, "errors:\n%v", err)
			e := errs[0]
			want := tc.pos
			if want == "" {
				want = locate(t, tc.doc, tc.at)
			}
			assert.Equal(t, "bad.yaml:"+want, e.Pos.String(), "error: %v", e)
			assert.True(t, strings.HasPrefix(e.Error(), "bad.yaml:"+want+": "), e.Error())
			for _, m := range tc.msg {
				assert.Contains(t, e.Msg, m)
			}
			if tc.field != "" {
				assert.Equal(t, tc.field, e.Field)
			}
		})
	}
}

// A file with many problems reports all of them, sorted by position.
func TestParseErrorsAll(t *testing.T) {
	doc := `name: t
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 70000, cidr_blocks: [0.0.0.0/0]}
network_acls:
  - id: acl-web
    egress:
      - {rule_no: 0, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
steps:
  - at: 1s
    packet: tcp 1.2.3.4:1 > 5.6.7.8:2 [S]
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24, network_acl: acl-nope}
`
	_, _, err := Parse("many.yaml", []byte(doc))
	errs := Errors(err)
	var got []string
	for _, e := range errs {
		got = append(got, e.Pos.String())
	}
	assert.Equal(t, []string{"many.yaml:5:49", "many.yaml:9:19", "many.yaml:12:13", "many.yaml:14:58"}, got, "%v", err)
}

// validCases are files that must parse; check looks at what they hold.
var validCases = []struct {
	name  string
	doc   string
	check func(t *testing.T, f *File)
}{
	{"steps may be absent", "name: just a VPC\n", func(t *testing.T, f *File) {
		assert.Empty(t, f.Steps)
		require.Len(t, f.NetworkACLs, 1)
		assert.True(t, f.NetworkACLs[0].Implicit)
	}},
	{"the default ACL may be redeclared", "name: t\nnetwork_acls:\n  - id: default\n    ingress:\n      - {rule_no: 1, action: deny, protocol: \"-1\", cidr_block: 0.0.0.0/0}\n", func(t *testing.T, f *File) {
		require.Len(t, f.NetworkACLs, 1)
		a := f.NetworkACLs[0]
		assert.False(t, a.Implicit)
		assert.Equal(t, "default", a.ACL.ID)
		assert.Len(t, a.ACL.Ingress, 1)
		assert.Empty(t, a.ACL.Egress)
	}},
	{"ignored Terraform fields", `name: t
security_groups:
  - {id: sg-web, name: web, description: the web tier, vpc_id: vpc-1, tags: {team: a}}
network_acls:
  - {id: acl-web, name: web, tags: {}}
prefix_lists:
  - {id: pl-a, name: office, entries: [192.0.2.0/24, "2001:db8:aa::/48"]}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24, tags: {Name: a}}
interfaces:
  - {id: eni-a, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-web], description: web server}
`, func(t *testing.T, f *File) {
		assert.Len(t, f.NetworkACLs, 2)
		assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:aa::/48")}, f.PrefixLists[0].Entries)
		assert.Equal(t, []Pos{{"ok.yaml", 7, 40}, {"ok.yaml", 7, 54}}, f.PrefixLists[0].EntriesPos)
	}},
	{"rules expand one per peer, self names the group", `name: t
prefix_lists:
  - {id: pl-a, entries: [192.0.2.0/24]}
security_groups:
  - id: sg-app
    egress:
      - protocol: icmpv6
        cidr_blocks: [10.0.0.0/8, 172.16.0.0/12]
        ipv6_cidr_blocks: ["::/0"]
        prefix_list_ids: [pl-a]
        security_groups: [sg-db]
        self: true
  - id: sg-db
    ingress:
      - {protocol: "6", from_port: "5432", to_port: 5432, security_groups: [sg-app]}
      - {protocol: all, cidr_blocks: [10.0.0.0/8]}
      - {protocol: 47, from_port: 0, to_port: 0, cidr_blocks: [10.0.0.0/8]}
`, func(t *testing.T, f *File) {
		e := f.SecurityGroups[0].Group.Egress
		require.Len(t, e, 6)
		any6 := flow.ProtocolOf(flow.ICMPv6)
		assert.Equal(t, sg.Rule{Protocol: any6, FromPort: -1, ToPort: -1, CIDR: netip.MustParsePrefix("10.0.0.0/8")}, e[0])
		assert.Equal(t, netip.MustParsePrefix("::/0"), e[2].CIDR)
		assert.Equal(t, "pl-a", e[3].PrefixList)
		assert.Equal(t, "sg-db", e[4].Group)
		assert.Equal(t, "sg-app", e[5].Group)
		pos := f.SecurityGroups[0].EgressPos
		require.Len(t, pos, 6)
		assert.Equal(t, Pos{"ok.yaml", 7, 9}, pos[5].Rule)
		assert.Equal(t, Pos{"ok.yaml", 8, 23}, pos[0].Peer)
		assert.Equal(t, Pos{"ok.yaml", 12, 15}, pos[5].Peer)
		in := f.SecurityGroups[1].Group.Ingress
		assert.Equal(t, sg.Rule{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 5432, ToPort: 5432, Group: "sg-app"}, in[0])
		assert.Equal(t, flow.AnyProtocol, in[1].Protocol)
		assert.Equal(t, flow.Protocol(47), in[2].Protocol)
	}},
	{"anchors, aliases and merge keys", `name: t
security_groups:
  - id: sg-a
    ingress: &web
      - &http {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}
      - {<<: *http, from_port: 443, to_port: 443}
  - {id: sg-b, ingress: *web}
`, func(t *testing.T, f *File) {
		a, b := f.SecurityGroups[0].Group, f.SecurityGroups[1].Group
		require.Len(t, a.Ingress, 2)
		assert.Equal(t, 443, a.Ingress[1].FromPort)
		assert.Equal(t, netip.MustParsePrefix("0.0.0.0/0"), a.Ingress[1].CIDR)
		assert.Equal(t, a.Ingress, b.Ingress)
	}},
	{"null values are absent", "name: t\ndescription:\nsecurity_groups:\n  - id: sg-a\n    ingress:\n    egress: ~\n", func(t *testing.T, f *File) {
		assert.Empty(t, f.Description)
		assert.Empty(t, f.SecurityGroups[0].Group.Ingress)
	}},
	{"nacl rules: icmp, other protocols, ipv6", `name: t
network_acls:
  - id: acl-a
    egress:
      - {rule_no: 10, action: allow, protocol: icmp, icmp_type: 8, icmp_code: -1, cidr_block: 0.0.0.0/0}
      - {rule_no: 20, action: DENY, protocol: gre, from_port: 0, icmp_type: 0, ipv6_cidr_block: "2001:db8::/32"}
      - {rule_no: 30, action: allow, protocol: 58, icmp_type: -1, icmp_code: -1, ipv6_cidr_block: "::/0"}
`, func(t *testing.T, f *File) {
		e := f.NetworkACLs[1].ACL.Egress
		assert.Equal(t, nacl.Rule{Number: 10, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.ICMP), ICMPType: 8, ICMPCode: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0")}, e[0])
		assert.Equal(t, nacl.Rule{Number: 20, Action: nacl.Deny, Protocol: 47, CIDR: netip.MustParsePrefix("2001:db8::/32")}, e[1])
		assert.Equal(t, -1, e[2].ICMPType)
	}},
	{"interfaces: v6, listening, tracking", `name: t
security_groups: [{id: sg-a}]
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24, ipv6_cidr_block: "2001:db8:1::/64"}
interfaces:
  - id: eni-a
    subnet: subnet-a
    private_ips: [10.0.1.10, 10.0.1.11]
    ipv6_addresses: ["2001:db8:1::10"]
    security_groups: [sg-a]
    listening: [TCP/22, udp/53]
    connection_tracking: {tcp_established_timeout: 3600, udp_stream_timeout: 60, udp_timeout: 60}
`, func(t *testing.T, f *File) {
		i := f.Interfaces[0]
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("10.0.1.11")}, i.PrivateIPs)
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:1::10")}, i.IPv6Addrs)
		assert.Equal(t, []vpc.Port{{Proto: flow.TCP, Port: 22}, {Proto: flow.UDP, Port: 53}}, i.Listening)
		assert.True(t, i.Listens(flow.UDP, 53))
		assert.False(t, i.Listens(flow.TCP, 53))
		assert.True(t, i.Has(netip.MustParseAddr("2001:db8:1::10")))
		assert.Equal(t, []Pos{{"ok.yaml", 8, 19}, {"ok.yaml", 8, 30}}, i.PrivateIPsPos)
		assert.Equal(t, []Pos{{"ok.yaml", 9, 22}}, i.IPv6AddrsPos)
		assert.Equal(t, conntrack.Config{TCPEstablishedTimeout: time.Hour, UDPStreamTimeout: time.Minute, UDPTimeout: time.Minute}, i.Tracking)
		assert.True(t, f.Subnets[0].Contains(netip.MustParseAddr("2001:db8:1::99")))
	}},
	{"changes: patches, replacements, forward references within a change", withSteps(
		"  - at: 1s",
		"    change:",
		"      interfaces:",
		"        - {id: eni-a, security_groups: [sg-web, sg-db]}",
		"        - {id: eni-b, subnet: subnet-b, private_ips: [10.0.2.10], security_groups: [sg-db]}",
		"      subnets:",
		"        - {id: subnet-b, cidr_block: 10.0.2.0/24, network_acl: acl-b}",
		"        - {id: subnet-a, network_acl: acl-b}",
		"      network_acls: [{id: acl-b}]",
		"      security_groups: [{id: sg-db, ingress: [{protocol: tcp, from_port: 5432, to_port: 5432, security_groups: [sg-web]}]}]",
		"  - at: 1s",
		"    packet: tcp 10.0.1.10:40000 > 10.0.2.10:5432 [S]",
		"    expect: {acl: acl-b, stage: nacl, rule: \"*\"}",
		"  - at: 2s",
		"    change: {interfaces: [{id: eni-a, private_ips: [10.0.1.20], listening: []}]}",
		"  - at: 3s",
		"    connect: tcp 10.0.2.10 > 10.0.1.20:80",
		"    expect: {outcome: timeout, direction: ingress}",
	), func(t *testing.T, f *File) {
		ch := f.Steps[0].Change
		require.Len(t, ch.Interfaces, 2)
		a := ch.Interfaces[0]
		// The patch keeps what it does not name.
		assert.Equal(t, "subnet-a", a.Subnet)
		assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.1.10")}, a.PrivateIPs)
		assert.Equal(t, []string{"sg-web", "sg-db"}, a.Groups)
		assert.Equal(t, []vpc.Port{{Proto: flow.TCP, Port: 80}}, a.Listening)
		assert.Equal(t, Pos{"ok.yaml", 14, 11}, a.Pos)
		assert.Equal(t, "acl-b", ch.Subnets[1].ACL)
		assert.Equal(t, netip.MustParsePrefix("10.0.1.0/24"), ch.Subnets[1].CIDR)
		assert.Equal(t, Timeout, f.Steps[3].Expect.Outcome)
		assert.Equal(t, flow.Drop, f.Steps[1].Expect.Verdict)
		assert.Equal(t, "*", f.Steps[1].Expect.Rule)
		b := f.Steps[2].Change.Interfaces[0]
		assert.Empty(t, b.Listening)
		assert.Equal(t, []string{"sg-web", "sg-db"}, b.Groups)
	}},
	{"expect: long forms imply the verdict", withSteps(
		"  - at: 1s",
		"    packet: udp 10.0.1.10:5000 > 192.0.2.53:53",
		"    expect: {conntrack: new}",
		"  - at: 1s",
		"    packet: udp 192.0.2.53:53 > 10.0.1.10:5000",
		"    expect: {acl: default, rule: 100}",
		"  - at: 2s",
		"    connect: tcp 198.51.100.7:50000 > 10.0.1.10:80",
		"    expect: {stage: sg}",
		"  - at: 3s",
		"    connect: icmp 10.0.1.10 > 198.51.100.7",
		"    expect: CONNECTED",
	), func(t *testing.T, f *File) {
		assert.Equal(t, flow.Allow, f.Steps[0].Expect.Verdict)
		assert.Equal(t, flow.Drop, f.Steps[1].Expect.Verdict)
		assert.Equal(t, "100", f.Steps[1].Expect.Rule)
		assert.Equal(t, Timeout, f.Steps[2].Expect.Outcome)
		assert.Equal(t, uint16(50000), f.Steps[2].Connect.SrcPort)
		assert.Equal(t, Connected, f.Steps[3].Expect.Outcome)
		assert.Equal(t, vpc.Dial{Proto: flow.ICMP, Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("198.51.100.7")}, f.Steps[3].Connect.Dial)
	}},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			f, _, err := Parse("ok.yaml", []byte(tc.doc))
			require.NoError(t, err)
			require.NotNil(t, f)
			tc.check(t, f)
		})
	}
}

// JSON is read as the same document, with positions in the JSON text.
func TestParseJSON(t *testing.T) {
	doc := "{\n" +
		"\t\"name\": \"json\",\n" +
		"\t\"security_groups\": [{\"id\": \"sg-web\", \"ingress\": [{\"protocol\": \"tcp\", \"from_port\": 80, \"to_port\": 80, \"cidr_blocks\": [\"0.0.0.0/0\"]}]}],\n" +
		"\t\"subnets\": [{\"id\": \"subnet-a\", \"cidr_block\": \"10.0.1.0/24\"}],\n" +
		"\t\"interfaces\": [{\"id\": \"eni-a\", \"subnet\": \"subnet-a\", \"private_ips\": [\"10.0.1.10\"], \"security_groups\": [\"sg-web\"], \"listening\": [\"tcp/80\"]}],\n" +
		"\t\"steps\": [\n" +
		"\t\t{\"at\": \"0s\", \"packet\": \"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]\", \"expect\": \"allow\"},\n" +
		"\t\t{\"at\": \"1s\", \"connect\": \"tcp 198.51.100.7 > 10.0.1.10:80\", \"expect\": {\"outcome\": \"connected\"}}\n" +
		"\t]\n" +
		"}\n"
	f, ws, err := Parse("s.json", []byte(doc))
	require.NoError(t, err)
	assert.Empty(t, ws)
	assert.Equal(t, "json", f.Name)
	require.Len(t, f.Steps, 2)
	assert.Equal(t, Pos{"s.json", 7, 3}, f.Steps[0].Pos)
	assert.Equal(t, flow.Allow, f.Steps[0].Expect.Verdict)
	assert.Equal(t, Connected, f.Steps[1].Expect.Outcome)

	// Errors point into the JSON text; a tab counts as one column.
	bad := strings.Replace(doc, `"to_port": 80`, `"to_port": 80000`, 1)
	_, _, err = Parse("s.json", []byte(bad))
	errs := Errors(err)
	require.Len(t, errs, 1, "%v", err)
	assert.Equal(t, "s.json:3:"+strconv.Itoa(strings.Index(strings.Split(bad, "\n")[2], "80000")+1), errs[0].Pos.String())
	assert.Contains(t, errs[0].Msg, "to_port 80000")
}

// Warnings: what AWS would change (host bits) or object to (quotas), and
// what is legal but likely not meant.
func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, doc, at string
		msg           []string
	}{
		{"host bits in a group rule", sgRule("{protocol: tcp, from_port: 1, to_port: 2, cidr_blocks: [10.0.0.1/8]}"), "10.0.0.1/8",
			[]string{"cidr_blocks 10.0.0.1/8", "host bits", "10.0.0.0/8", "NACL-5"}},
		{"host bits in a NACL rule", aclRule(`{rule_no: 100, action: allow, protocol: "-1", cidr_block: 10.0.0.1/24}`), "10.0.0.1/24",
			[]string{"nacl acl-public ingress rule 100", "cidr_block 10.0.0.1/24", "10.0.0.0/24"}},
		{"host bits in a subnet", "name: t\nsubnets:\n  - {id: s, cidr_block: 10.0.1.9/24}\n", "10.0.1.9/24", []string{"subnet s", "10.0.1.0/24"}},
		{"host bits in a prefix list", "name: t\nprefix_lists:\n  - {id: pl, entries: [\"2001:db8::1/64\"]}\n", `"2001`, []string{"entries 2001:db8::1/64", "2001:db8::/64"}},
		{"more than 5 groups", "name: t\nsecurity_groups: [{id: a}, {id: b}, {id: c}, {id: d}, {id: e}, {id: f}]\nsubnets: [{id: s, cidr_block: 10.0.0.0/24}]\n" +
			"interfaces: [{id: i, subnet: s, private_ips: [10.0.0.9], security_groups: [a, b, c, d, e, f]}]\n", "[a, b", []string{"6 security groups", "quota"}},
		{"listening twice", iface("{id: eni-b, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web], listening: [tcp/80, tcp/80]}"), "tcp/80, ^tcp/80]", []string{"listening tcp/80", "twice"}},
		{"address of a subnet without interface", withSteps("  - at: 1s", "    packet: tcp 10.0.1.10:1 > 10.0.1.99:80 [S]"), "tcp 10.0.1.10", []string{"10.0.1.99", "subnet subnet-a", "no interface"}},
		{"empty change", withSteps("  - at: 1s", "    change: {}"), "{}", []string{"changes nothing"}},
		{"NACL rule quota", aclRule(naclRules(21)...), "id: acl-public", []string{"nacl acl-public", "quota"}},
		// Warnings about one rule stand at its peer; a quota's at the object.
		{"icmp rule that never matches", sgRule(`{protocol: icmp, from_port: 8, to_port: 0, ipv6_cidr_blocks: ["::/0"]}`), `"::/0"`, []string{"never matches"}},
		{"a group rule given twice", sgRule(`{protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: [10.0.0.0/8, 10.0.0.0/8]}`), "10.0.0.0/8, ^10.0.0.0/8",
			[]string{"ingress rule 1: the same rule as rule 0", "SG-13a"}},
		{"host bits in an ACL rule", aclRule(`{rule_no: 100, action: allow, protocol: "-1", cidr_block: 10.0.0.1/24}`), "10.0.0.1/24",
			[]string{"nacl acl-public ingress rule 100", "host bits"}},
		{"host bits in an IPv6 ACL rule", aclRule(`{rule_no: 100, action: allow, protocol: "-1", ipv6_cidr_block: "2001:db8::1/64"}`), `"2001:db8::1/64"`,
			[]string{"ipv6_cidr_block 2001:db8::1/64", "host bits"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ws, err := Parse("w.yaml", []byte(tc.doc))
			require.NoError(t, err)
			require.NotNil(t, f)
			ws = withoutUnused(ws) // the small files declare what they do not attach
			require.Len(t, ws, 1, "%v", ws)
			assert.Equal(t, "w.yaml:"+locate(t, tc.doc, tc.at), ws[0].Pos.String(), ws[0].String())
			for _, m := range tc.msg {
				assert.Contains(t, ws[0].Msg, m)
			}
		})
	}
}

// withoutUnused drops the warnings about ACLs and groups nothing uses.
func withoutUnused(ws []Warning) []Warning {
	var out []Warning
	for _, w := range ws {
		if !strings.Contains(w.Msg, "so its rules never apply") {
			out = append(out, w)
		}
	}
	return out
}

// An ACL that no subnet uses and a group that no interface carries, at
// any time of the timeline, are warned about at their declaration; one
// that a later change attaches is not.
func TestWarnUnused(t *testing.T) {
	doc := `name: t
security_groups:
  - {id: sg-used}
  - {id: sg-later}
  - {id: sg-never}
network_acls:
  - {id: acl-used}
  - {id: acl-later}
  - {id: acl-never}
subnets: [{id: s, cidr_block: 10.0.1.0/24, network_acl: acl-used}]
interfaces: [{id: i, subnet: s, private_ips: [10.0.1.10], security_groups: [sg-used]}]
steps:
  - at: 1s
    change:
      subnets: [{id: s, network_acl: acl-later}]
      interfaces: [{id: i, security_groups: [sg-later]}]
  - at: 2s
    change:
      network_acls: [{id: acl-new}]
`
	_, ws, err := Parse("u.yaml", []byte(doc))
	require.NoError(t, err)
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	assert.Equal(t, []string{
		"u.yaml:5:5: security group sg-never: no interface carries this group, at the start or after any change, so its rules never apply (and rules that name it as a peer match no address); an interface lists its groups in security_groups",
		"u.yaml:9:5: nacl acl-never: no subnet uses this network ACL, at the start or after any change, so its rules never apply; a subnet names its ACL in network_acl (the link Terraform writes as the ACL's subnet_ids)",
		"u.yaml:19:22: nacl acl-new: no subnet uses this network ACL, at the start or after any change, so its rules never apply; a subnet names its ACL in network_acl (the link Terraform writes as the ACL's subnet_ids)",
	}, got)
}

// A change replaces a whole group or ACL: one that leaves out a direction
// that had rules removes them, with a warning; ingress: [] removes them
// without one. Change.Diffs says what each replacement added and removed.
func TestChangeDiffs(t *testing.T) {
	doc := `name: t
security_groups:
  - id: sg-web
    ingress: [{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}]
    egress: [{protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: [0.0.0.0/0]}]
network_acls:
  - id: acl-web
    ingress: [{rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}]
    egress: [{rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}]
subnets: [{id: s, cidr_block: 10.0.1.0/24, network_acl: acl-web}]
interfaces: [{id: i, subnet: s, private_ips: [10.0.1.10], security_groups: [sg-web]}]
steps:
  - at: 1s
    change:
      network_acls:
        - id: acl-web
          egress:
            - {rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
            - {rule_no: 110, action: deny, protocol: tcp, from_port: 22, to_port: 22, cidr_block: 0.0.0.0/0}
  - at: 2s
    change:
      security_groups:
        - id: sg-web
          ingress: []
          egress: [{protocol: tcp, from_port: 443, to_port: 443, cidr_blocks: [0.0.0.0/0]}]
`
	f, ws, err := Parse("c.yaml", []byte(doc))
	require.NoError(t, err)
	require.Len(t, ws, 1, "%v", ws)
	assert.Equal(t, "c.yaml:16:11", ws[0].Pos.String())
	assert.Contains(t, ws[0].Msg, "nacl acl-web: this change gives no ingress rules")
	assert.Contains(t, ws[0].Msg, "removes its 1 ingress rule(s) (100 allow -1 0.0.0.0/0)")
	assert.Contains(t, ws[0].Msg, "ingress: [] to remove them on purpose")

	require.Len(t, f.Steps, 2)
	assert.Equal(t, []RuleDiff{{Kind: "network ACL", ID: "acl-web",
		Added:   []string{"egress 110 deny tcp 22 0.0.0.0/0"},
		Removed: []string{"ingress 100 allow -1 0.0.0.0/0"}}}, f.Steps[0].Change.Diffs)
	assert.Equal(t, []RuleDiff{{Kind: "security group", ID: "sg-web",
		Added:   []string{"egress tcp 443 to 0.0.0.0/0"},
		Removed: []string{"ingress tcp 80 from 0.0.0.0/0", "egress -1 to 0.0.0.0/0"}}}, f.Steps[1].Change.Diffs)

	rep, err := Run(f)
	require.NoError(t, err)
	assert.Equal(t, "network ACL acl-web replaced (applies to the next packet)\n  + egress 110 deny tcp 22 0.0.0.0/0\n  - ingress 100 allow -1 0.0.0.0/0",
		rep.Results[0].Explain())
}

// naclRules returns n distinct allow rules.
func naclRules(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, `{rule_no: `+strconv.Itoa(i)+`, action: allow, protocol: "-1", cidr_block: 10.`+strconv.Itoa(i)+`.0.0/16}`)
	}
	return out
}

func TestParseConnect(t *testing.T) {
	a := netip.MustParseAddr
	for _, tc := range []struct {
		in   string
		want Connect
		err  string
	}{
		// Valid forms.
		{in: "tcp 198.51.100.7 > 10.0.1.10:8080", want: Connect{Dial: vpc.Dial{Proto: flow.TCP, Src: a("198.51.100.7"), Dst: a("10.0.1.10"), DstPort: 8080}}},
		{in: "TCP 198.51.100.7:50000>10.0.1.10:80", want: Connect{Dial: vpc.Dial{Proto: flow.TCP, Src: a("198.51.100.7"), SrcPort: 50000, Dst: a("10.0.1.10"), DstPort: 80}}},
		{in: "tcp [2001:db8::7]:50000 > [2001:db8:1::10]:443", want: Connect{Dial: vpc.Dial{Proto: flow.TCP, Src: a("2001:db8::7"), SrcPort: 50000, Dst: a("2001:db8:1::10"), DstPort: 443}}},
		{in: "tcp 2001:db8::7 > [2001:db8:1::10]:443", want: Connect{Dial: vpc.Dial{Proto: flow.TCP, Src: a("2001:db8::7"), Dst: a("2001:db8:1::10"), DstPort: 443}}},
		{in: "icmp 198.51.100.7 > 10.0.1.10", want: Connect{Dial: vpc.Dial{Proto: flow.ICMP, Src: a("198.51.100.7"), Dst: a("10.0.1.10")}}},
		{in: "icmpv6 2001:db8::7 > [2001:db8:1::10]", want: Connect{Dial: vpc.Dial{Proto: flow.ICMPv6, Src: a("2001:db8::7"), Dst: a("2001:db8:1::10")}}},
		// Invalid ones.
		{in: "", err: "want PROTO CLIENT > HOST"},
		{in: "tcp 1.2.3.4 > 5.6.7.8:80 extra", err: "want PROTO CLIENT > HOST"},
		{in: "sctp 1.2.3.4 > 5.6.7.8:80", err: "tcp, icmp or icmpv6"},
		{in: "foo 1.2.3.4 > 5.6.7.8:80", err: "unknown protocol"},
		{in: "tcp 1.2.3.4 > 5.6.7.8:0", err: "1..65535"},
		{in: "tcp 1.2.3.4:0 > 5.6.7.8:80", err: "client"},
		{in: "tcp 1.2.3.4 > 5.6.7.8:99999", err: "host"},
		{in: "tcp 1.2.3.4 > [2001:db8::1]:80", err: "different families"},
		{in: "icmp 1.2.3.4:1 > 5.6.7.8", err: "no ports"},
		{in: "icmpv6 1.2.3.4 > 5.6.7.8", err: "icmpv6 is for IPv6"},
		{in: "tcp ::ffff:1.2.3.4 > 5.6.7.8:80", err: "IPv4-mapped"},
		{in: "tcp fe80::1%eth0 > [fe80::2]:80", err: "zone"},
		{in: "tcp nohost > 5.6.7.8:80", err: "not an IP address"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseConnect(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c)
			back, err := ParseConnect(c.String())
			require.NoError(t, err)
			assert.Equal(t, c, back)
		})
	}
}

// Positions, errors and warnings print as FILE:LINE:COL.
func TestPosAndErrorText(t *testing.T) {
	assert.Equal(t, "a.yaml:12:9", Pos{"a.yaml", 12, 9}.String())
	assert.Equal(t, "a.yaml:12", Pos{"a.yaml", 12, 0}.String())
	assert.Equal(t, "a.yaml", Pos{File: "a.yaml"}.String())
	assert.False(t, Pos{}.IsValid())
	e := &Error{Pos: Pos{"acl.yaml", 12, 9}, Field: "network_acls[0].ingress[0].rule_no", Msg: "nacl acl-public ingress rule_no 32767: must be 1..32766"}
	assert.Equal(t, "acl.yaml:12:9: nacl acl-public ingress rule_no 32767: must be 1..32766", e.Error())
	assert.Equal(t, "w.yaml:1:2: x", Warning{Pos{"w.yaml", 1, 2}, "x"}.String())
	assert.Nil(t, Errors(nil))
	assert.Equal(t, []*Error{e}, Errors(e))
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Error(t, err)
	assert.True(t, os.IsNotExist(err))
	assert.Empty(t, Errors(err))
}

// Aliases that expand a small file into a huge tree ("billion laughs")
// stop decoding with an error instead of running away: 300 steps, each a
// change naming 300 rules of 300 CIDRs each.
func TestAliasBomb(t *testing.T) {
	rep := func(s string, n int) string { return strings.TrimSuffix(strings.Repeat(s+", ", n), ", ") }
	doc := "name: t\nsecurity_groups:\n  - id: sg-a\n    ingress:\n" +
		"      - &r {protocol: tcp, from_port: 1, to_port: 1, cidr_blocks: [" + rep("0.0.0.0/0", 300) + "]}\n" +
		"  - id: sg-b\n    ingress: &rules [" + rep("*r", 300) + "]\n" +
		"steps:\n  - &s {at: 0s, change: {security_groups: [{id: sg-a, ingress: *rules}]}}\n" +
		"  - " + rep("*s", 1) + "\n" + strings.Repeat("  - *s\n", 300)
	_, _, err := Parse("bomb.yaml", []byte(doc))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bomb.yaml:1:1: the document is too large once its aliases are expanded")
}

// Too many errors stop decoding, with what was found so far.
func TestManyErrors(t *testing.T) {
	doc := "name: t\nsubnets:\n" + strings.Repeat("  - {id: s, cidr_block: x}\n", 500)
	_, _, err := Parse("many.yaml", []byte(doc))
	errs := Errors(err)
	require.NotEmpty(t, errs)
	assert.LessOrEqual(t, len(errs), maxErrors+1)
	assert.Contains(t, err.Error(), "too many errors")
}

// FuzzParse feeds Parse arbitrary bytes: it must never panic, and it
// returns either a file or errors, every one positioned in the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, tc := range errCases {
		f.Add([]byte(tc.doc))
	}
	for _, tc := range validCases {
		f.Add([]byte(tc.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _, err := Parse("fuzz.yaml", data)
		if err != nil {
			require.Nil(t, file)
			errs := Errors(err)
			require.NotEmpty(t, errs)
			lines := bytes.Count(data, []byte{'\n'}) + 1
			for _, e := range errs {
				require.Equal(t, "fuzz.yaml", e.Pos.File)
				require.NotEmpty(t, e.Msg)
				require.NotContains(t, e.Msg, internalError)
				// Every error has a position, inside the file.
				require.GreaterOrEqual(t, e.Pos.Line, 1, e.Error())
				require.LessOrEqual(t, e.Pos.Line, lines, e.Error())
			}
			return
		}
		require.NotNil(t, file)
		require.NotEmpty(t, file.Name)
		var at time.Duration
		for _, s := range file.Steps {
			require.GreaterOrEqual(t, s.At, at)
			require.LessOrEqual(t, s.At, MaxAt)
			at = s.At
			require.NotZero(t, s.Kind)
		}
	})
}
