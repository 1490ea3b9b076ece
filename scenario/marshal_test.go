package scenario

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// canonical is cfg as Parse reads back what MarshalWith writes of it (see
// MarshalWith for the list): the implicit default ACL first unless cfg
// declares one, subnets' "" ACL as "default", no VPC block, empty lists
// as nil.
func canonical(cfg vpc.Config) vpc.Config {
	out := vpc.Config{}
	if !slices.ContainsFunc(cfg.NetworkACLs, func(a nacl.ACL) bool { return a.ID == DefaultACL }) {
		out.NetworkACLs = append(out.NetworkACLs, nacl.Default(DefaultACL))
	}
	for _, a := range cfg.NetworkACLs {
		a.Ingress, a.Egress = nilIfEmpty(a.Ingress), nilIfEmpty(a.Egress)
		out.NetworkACLs = append(out.NetworkACLs, a)
	}
	for _, p := range cfg.PrefixLists {
		p.Entries = nilIfEmpty(p.Entries)
		out.PrefixLists = append(out.PrefixLists, p)
	}
	for _, g := range cfg.SecurityGroups {
		g.Ingress, g.Egress = nilIfEmpty(g.Ingress), nilIfEmpty(g.Egress)
		out.SecurityGroups = append(out.SecurityGroups, g)
	}
	for _, s := range cfg.Subnets {
		if s.ACL == "" {
			s.ACL = DefaultACL
		}
		out.Subnets = append(out.Subnets, s)
	}
	for _, i := range cfg.Interfaces {
		i.IPv6Addrs, i.Listening = nilIfEmpty(i.IPv6Addrs), nilIfEmpty(i.Listening)
		out.Interfaces = append(out.Interfaces, i)
	}
	return out
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// ids that YAML would read as something else unless quoted, and plain
// AWS-shaped ones.
var trickyIDs = []string{"true", "null", "~", "1e3", "0x1F", "-1", "yes", "#x", "[x]", "{y}", "*z", "&a", "!t", "%p", "@q", "'s", `"d`, "a:b", "é", "x#y"}

func drawID(t *rapid.T, prefix string, taken []string, label string) string {
	for {
		var id string
		if rapid.IntRange(0, 4).Draw(t, label+"-tricky") == 0 {
			id = rapid.SampledFrom(trickyIDs).Draw(t, label)
		} else {
			id = prefix + strconv.FormatUint(uint64(rapid.Uint32().Draw(t, label)), 16)
		}
		if !slices.Contains(taken, id) {
			return id
		}
	}
}

var protocols = []flow.Protocol{flow.AnyProtocol, 6, 17, 1, 58, 47, 0, 253}

func drawPrefix(t *rapid.T, label string) netip.Prefix {
	if rapid.Bool().Draw(t, label+"-v6") {
		var a [16]byte
		for i := range a {
			a[i] = byte(rapid.IntRange(0, 255).Draw(t, label+"-b"))
		}
		return netip.PrefixFrom(netip.AddrFrom16(a), rapid.IntRange(0, 128).Draw(t, label+"-bits")).Masked()
	}
	a := [4]byte{byte(rapid.IntRange(0, 255).Draw(t, label+"-a")), byte(rapid.IntRange(0, 255).Draw(t, label+"-b")),
		byte(rapid.IntRange(0, 255).Draw(t, label+"-c")), byte(rapid.IntRange(0, 255).Draw(t, label+"-d"))}
	return netip.PrefixFrom(netip.AddrFrom4(a), rapid.IntRange(0, 32).Draw(t, label+"-bits")).Masked()
}

// drawICMP draws an ICMP type and code: -1 for any (a type of -1 has a
// code of -1, SG-4, IN-24).
func drawICMP(t *rapid.T, label string) (int, int) {
	typ := rapid.IntRange(-1, 255).Draw(t, label+"-type")
	if typ == -1 {
		return -1, -1
	}
	return typ, rapid.IntRange(-1, 255).Draw(t, label+"-code")
}

var descriptions = []string{"", "HTTP", "a: b # c", "é \"quoted\" 'single'", "two\nlines", "  spaces  ", "- dash", "{x}", "null", "-1"}

// genConfig draws a valid VPC in canonical form (what Parse produces):
// masked CIDRs, fields a protocol ignores at 0, whole-second timeouts.
func genConfig(t *rapid.T) vpc.Config {
	var cfg vpc.Config
	var plIDs []string
	for i := range rapid.IntRange(0, 2).Draw(t, "lists") {
		id := drawID(t, "pl-", plIDs, "pl-id")
		plIDs = append(plIDs, id)
		p := vpc.PrefixList{ID: id}
		for range rapid.IntRange(0, 3).Draw(t, fmt.Sprint("entries", i)) {
			p.Entries = append(p.Entries, drawPrefix(t, "entry"))
		}
		cfg.PrefixLists = append(cfg.PrefixLists, p)
	}
	var sgIDs []string
	n := rapid.IntRange(0, 4).Draw(t, "groups")
	for range n {
		sgIDs = append(sgIDs, drawID(t, "sg-", sgIDs, "sg-id"))
	}
	for _, id := range sgIDs {
		g := sg.Group{ID: id}
		for _, dir := range directions {
			for range rapid.IntRange(0, 5).Draw(t, "rules") {
				r := sg.Rule{Protocol: rapid.SampledFrom(protocols).Draw(t, "protocol")}
				switch p, _ := r.Protocol.Proto(); {
				case r.Protocol == flow.AnyProtocol:
				case p.HasPorts():
					r.FromPort = rapid.IntRange(0, 65535).Draw(t, "from")
					r.ToPort = rapid.IntRange(r.FromPort, 65535).Draw(t, "to")
				case p.IsICMP():
					r.FromPort, r.ToPort = drawICMP(t, "icmp")
				}
				switch k := rapid.IntRange(0, 3).Draw(t, "peer"); {
				case k == 0 || (k == 1 && len(plIDs) == 0):
					r.CIDR = drawPrefix(t, "cidr")
				case k == 1:
					r.PrefixList = rapid.SampledFrom(plIDs).Draw(t, "pl")
				default:
					r.Group = rapid.SampledFrom(sgIDs).Draw(t, "ref") // self included
				}
				r.Description = rapid.SampledFrom(descriptions).Draw(t, "description")
				if dir == flow.Egress {
					g.Egress = append(g.Egress, r)
				} else {
					g.Ingress = append(g.Ingress, r)
				}
			}
		}
		cfg.SecurityGroups = append(cfg.SecurityGroups, g)
	}
	var aclIDs []string
	for range rapid.IntRange(0, 3).Draw(t, "acls") {
		id := drawID(t, "acl-", aclIDs, "acl-id")
		if rapid.IntRange(0, 5).Draw(t, "is-default") == 0 {
			if !slices.Contains(aclIDs, DefaultACL) {
				id = DefaultACL
			}
		}
		aclIDs = append(aclIDs, id)
		a := nacl.ACL{ID: id}
		for _, dir := range directions {
			nums := rapid.SliceOfNDistinct(rapid.IntRange(1, 32766), 0, 6, rapid.ID[int]).Draw(t, "numbers")
			for _, num := range nums {
				r := nacl.Rule{Number: num, Action: rapid.SampledFrom([]nacl.Action{nacl.Allow, nacl.Deny}).Draw(t, "action"),
					Protocol: rapid.SampledFrom(protocols).Draw(t, "protocol"), CIDR: drawPrefix(t, "cidr")}
				switch p, _ := r.Protocol.Proto(); {
				case r.Protocol == flow.AnyProtocol:
				case p.HasPorts():
					r.FromPort = rapid.IntRange(0, 65535).Draw(t, "from")
					r.ToPort = rapid.IntRange(r.FromPort, 65535).Draw(t, "to")
				case p.IsICMP():
					r.ICMPType, r.ICMPCode = drawICMP(t, "icmp")
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
	// Subnets 10.0.K.0/24 inside 10.0.0.0/16, some with an IPv6 /64; the
	// VPC's block, when the file gives it, is that /16.
	if rapid.Bool().Draw(t, "vpc block") {
		cfg.CIDR = netip.MustParsePrefix("10.0.0.0/16")
	}
	var subnetIDs []string
	ks := rapid.SliceOfNDistinct(rapid.IntRange(0, 255), 0, 4, rapid.ID[int]).Draw(t, "subnets")
	for _, k := range ks {
		id := drawID(t, "subnet-", subnetIDs, "subnet-id")
		subnetIDs = append(subnetIDs, id)
		s := vpc.Subnet{ID: id, CIDR: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(k), 0}), 24)}
		if rapid.Bool().Draw(t, "ipv6") {
			s.IPv6CIDR = netip.MustParsePrefix(fmt.Sprintf("2001:db8:0:%x::/64", k))
		}
		s.ACL = rapid.SampledFrom(append([]string{"", DefaultACL}, aclIDs...)).Draw(t, "acl")
		cfg.Subnets = append(cfg.Subnets, s)
	}
	if len(sgIDs) == 0 {
		return cfg
	}
	var ifIDs []string
	taken := map[netip.Addr]bool{}
	for range rapid.IntRange(0, 4).Draw(t, "interfaces") {
		if len(cfg.Subnets) == 0 {
			break
		}
		s := rapid.SampledFrom(cfg.Subnets).Draw(t, "subnet")
		id := drawID(t, "eni-", ifIDs, "eni-id")
		ifIDs = append(ifIDs, id)
		itf := vpc.Interface{ID: id, Subnet: s.ID}
		base := s.CIDR.Addr().As4()
		for j := range rapid.IntRange(1, 3).Draw(t, "ips") {
			base[3] = byte(rapid.IntRange(4, 254).Draw(t, "host")) // not the five AWS reserves
			a := netip.AddrFrom4(base)
			if taken[a] && j > 0 {
				continue
			}
			for taken[a] {
				base[3] = byte(4 + (int(base[3])-3)%251)
				a = netip.AddrFrom4(base)
			}
			taken[a] = true
			itf.PrivateIPs = append(itf.PrivateIPs, a)
		}
		if s.IPv6CIDR.IsValid() {
			for range rapid.IntRange(0, 2).Draw(t, "ip6s") {
				b := s.IPv6CIDR.Addr().As16()
				b[15] = byte(rapid.IntRange(4, 254).Draw(t, "host6"))
				if a := netip.AddrFrom16(b); !taken[a] {
					taken[a] = true
					itf.IPv6Addrs = append(itf.IPv6Addrs, a)
				}
			}
		}
		itf.Groups = rapid.SliceOfNDistinct(rapid.SampledFrom(sgIDs), 1, 3, rapid.ID[string]).Draw(t, "groups")
		for _, l := range rapid.SliceOfNDistinct(rapid.IntRange(1, 65535), 0, 3, rapid.ID[int]).Draw(t, "listening") {
			proto := flow.TCP
			if l%3 == 0 {
				proto = flow.UDP
			}
			if !slices.Contains(itf.Listening, vpc.Port{Proto: proto, Port: uint16(l)}) {
				itf.Listening = append(itf.Listening, vpc.Port{Proto: proto, Port: uint16(l)})
			}
		}
		if rapid.Bool().Draw(t, "tracking") {
			itf.Tracking = conntrack.Config{
				TCPEstablishedTimeout: time.Duration(rapid.IntRange(60, 432000).Draw(t, "tcp")) * time.Second,
				UDPTimeout:            time.Duration(rapid.SampledFrom([]int{0, 30, 45, 60}).Draw(t, "udp")) * time.Second,
			}
		}
		cfg.Interfaces = append(cfg.Interfaces, itf)
	}
	return cfg
}

// Law: a valid VPC written by Marshal reads back, with Parse, to the same
// VPC (as MarshalWith's documentation qualifies it). Parse may warn about
// what the VPC holds (an icmp rule with an IPv6 CIDR never matches), never
// about how it was written.
func TestMarshalRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genConfig(t)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("the generator made an invalid VPC: %v", err)
		}
		data, err := MarshalWith(cfg, MarshalOptions{Name: "round trip", Note: func(k vpc.Kind, id string) string { return k.String() + " " + id + "\nfrom x.json:1:1" }})
		require.NoError(t, err)
		f, ws, err := Parse("m.yaml", data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		for _, w := range ws {
			assert.NotContains(t, w.Msg, "host bits", "%s", data)
		}
		assert.Empty(t, f.Steps)
		assert.Equal(t, canonical(cfg), canonical(Config(f)), "%s", data)
	})
}

// The text is the format as a person writes it: rules on one line each,
// peers of one rule together, `self`, comments above the objects.
func TestMarshalText(t *testing.T) {
	p := netip.MustParsePrefix
	tcp := flow.ProtocolOf(flow.TCP)
	cfg := vpc.Config{
		CIDR:        p("10.0.0.0/16"),
		PrefixLists: []vpc.PrefixList{{ID: "pl-office", Entries: []netip.Prefix{p("192.0.2.0/24"), p("2001:db8:aa::/48")}}},
		SecurityGroups: []sg.Group{
			{ID: "sg-web",
				Ingress: []sg.Rule{
					{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: p("0.0.0.0/0"), Description: "HTTP"},
					{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: p("::/0"), Description: "HTTP"},
					{Protocol: tcp, FromPort: 22, ToPort: 22, PrefixList: "pl-office"},
					{Protocol: tcp, FromPort: 22, ToPort: 22, Group: "sg-web"},
					{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: p("198.51.100.0/24")},
				},
				Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: p("0.0.0.0/0")}}},
			{ID: "sg-empty"},
		},
		NetworkACLs: []nacl.ACL{{ID: "acl-web",
			Ingress: []nacl.Rule{
				{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: p("0.0.0.0/0")},
				{Number: 110, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.ICMP), CIDR: p("0.0.0.0/0"), ICMPType: -1, ICMPCode: -1},
				{Number: 120, Action: nacl.Deny, Protocol: 47, CIDR: p("::/0")},
			}}},
		Subnets: []vpc.Subnet{{ID: "subnet-a", CIDR: p("10.0.1.0/24"), ACL: "acl-web"}, {ID: "subnet-b", CIDR: p("10.0.2.0/24"), IPv6CIDR: p("2001:db8:0:2::/64")}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-a", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
			Groups: []string{"sg-web", "sg-empty"}, Listening: []vpc.Port{{Proto: flow.TCP, Port: 80}},
			Tracking: conntrack.Config{TCPEstablishedTimeout: 350 * time.Second}}},
	}
	data, err := MarshalWith(cfg, MarshalOptions{
		Name: "imported", Header: []string{"written by a test"},
		Note: func(k vpc.Kind, id string) string {
			if id == "sg-empty" {
				return "not in the files"
			}
			return ""
		},
	})
	require.NoError(t, err)
	assert.Equal(t, `# written by a test

name: imported
vpc_cidr_block: 10.0.0.0/16
prefix_lists:
  - id: pl-office
    entries: [192.0.2.0/24, '2001:db8:aa::/48']
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0'], description: HTTP}
      - {protocol: tcp, from_port: 22, to_port: 22, prefix_list_ids: [pl-office], self: true}
      - {protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: [198.51.100.0/24]}
    egress:
      - {protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: [0.0.0.0/0]}
  # not in the files
  - id: sg-empty
network_acls:
  - id: acl-web
    ingress:
      - {rule_no: 100, action: allow, protocol: tcp, from_port: 80, to_port: 80, cidr_block: 0.0.0.0/0}
      - {rule_no: 110, action: allow, protocol: icmp, cidr_block: 0.0.0.0/0, icmp_type: -1, icmp_code: -1}
      - {rule_no: 120, action: deny, protocol: gre, ipv6_cidr_block: '::/0'}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24, network_acl: acl-web}
  - {id: subnet-b, cidr_block: 10.0.2.0/24, ipv6_cidr_block: '2001:db8:0:2::/64'}
interfaces:
  - id: eni-web
    subnet: subnet-a
    private_ips: [10.0.1.10]
    security_groups: [sg-web, sg-empty]
    listening: [tcp/80]
    connection_tracking: {tcp_established_timeout: 350}
`, string(data))
	f, _, err := Parse("m.yaml", data)
	require.NoError(t, err)
	got := Config(f)
	got.CIDR = cfg.CIDR
	assert.Equal(t, canonical(cfg), canonical(got))

	// Without options: a default name, nothing else.
	data, err = Marshal(vpc.Config{})
	require.NoError(t, err)
	assert.Equal(t, "name: a VPC\n", string(data))
	_, _, err = Parse("empty.yaml", data)
	assert.NoError(t, err, "a file without steps or objects is valid")

	// Values without text are refused.
	_, err = Marshal(vpc.Config{NetworkACLs: []nacl.ACL{{ID: "a", Ingress: []nacl.Rule{{Number: 1, CIDR: p("0.0.0.0/0")}}}}})
	assert.ErrorContains(t, err, "network ACL a ingress rule 0: action 0 has no text")
	_, err = Marshal(vpc.Config{SecurityGroups: []sg.Group{{ID: "g", Egress: []sg.Rule{{Protocol: 300}}}}})
	assert.ErrorContains(t, err, "security group g egress rule 0: protocol 300 has no text")
	assert.True(t, strings.HasPrefix(yComment([]string{"a\nb"}), "# a\n# b"))
}
