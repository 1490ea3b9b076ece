package sg_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// checkMatch asserts that the compiled set and the golden model agree on
// p and returns the set's answer.
func checkMatch(t *testing.T, groups []sg.Group, r sg.Resolver, p flow.Packet, dir flow.Direction) (sg.Match, bool) {
	t.Helper()
	s, err := sg.Compile(groups, r)
	require.NoError(t, err)
	m, ok := s.Match(&p, dir)
	rm, rok := sg.Reference(groups, r, &p, dir)
	assert.Equal(t, rok, ok, "Reference disagrees on ok")
	assert.Equal(t, rm, m, "Reference disagrees on the match")
	assert.Equal(t, ok, s.Admits(&p, dir))
	return m, ok
}

// TestMatchOneRule is SG-8..SG-11: one rule, one packet.
func TestMatchOneRule(t *testing.T) {
	const (
		in  = flow.Ingress
		out = flow.Egress
	)
	tests := []struct {
		name string
		rule sg.Rule
		dir  flow.Direction
		pkt  flow.Packet
		want bool
	}{
		// SG-8: protocol -1 covers all protocols and all ports; the
		// ports written on a -1 rule are ignored.
		{"SG-8 -1 tcp", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), in, tcp("198.51.100.7", 50000, "10.0.1.10", 22, flow.SYN), true},
		{"SG-8 -1 udp", ruleCIDR(pAll, -1, -1, "0.0.0.0/0"), in, udp("198.51.100.7", 5353, "10.0.1.10", 53), true},
		{"SG-8 -1 icmp", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), in, icmp("198.51.100.7", "10.0.1.10", 8, 0), true},
		{"SG-8 -1 gre", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), in, ipproto(47, "198.51.100.7", "10.0.1.10"), true},
		{"SG-8 -1 ports 80-80 ignored", ruleCIDR(pAll, 80, 80, "0.0.0.0/0"), in, tcp("198.51.100.7", 50000, "10.0.1.10", 22, flow.SYN), true},
		{"SG-8 -1 ipv6", ruleCIDR(pAll, 0, 0, "::/0"), out, tcp("2001:db8::10", 40000, "2001:db8:1::1", 443, flow.SYN), true},
		// SG-8: otherwise the protocol number must be equal.
		{"SG-8 tcp rule, udp packet", ruleCIDR(pTCP, 53, 53, "0.0.0.0/0"), in, udp("198.51.100.7", 5353, "10.0.1.10", 53), false},
		{"SG-8 udp rule, tcp packet", ruleCIDR(pUDP, 53, 53, "0.0.0.0/0"), in, tcp("198.51.100.7", 5353, "10.0.1.10", 53, flow.SYN), false},
		{"SG-8 udp 53", ruleCIDR(pUDP, 53, 53, "0.0.0.0/0"), in, udp("198.51.100.7", 5353, "10.0.1.10", 53), true},

		// SG-9: the destination port, inclusive range, in both directions.
		{"SG-9 tcp 80 hit", ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), in, tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN), true},
		{"SG-9 tcp 80 miss 81", ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), in, tcp("198.51.100.7", 50000, "10.0.1.10", 81, flow.SYN), false},
		{"SG-9 source port does not count", ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), in, tcp("198.51.100.7", 80, "10.0.1.10", 50000, flow.SYN|flow.ACK), false},
		{"SG-9 range low edge", ruleCIDR(pTCP, 1024, 65535, "0.0.0.0/0"), in, tcp("198.51.100.7", 80, "10.0.1.10", 1024, flow.ACK), true},
		{"SG-9 range high edge", ruleCIDR(pTCP, 1024, 65535, "0.0.0.0/0"), in, tcp("198.51.100.7", 80, "10.0.1.10", 65535, flow.ACK), true},
		{"SG-9 below range", ruleCIDR(pTCP, 1024, 65535, "0.0.0.0/0"), in, tcp("198.51.100.7", 80, "10.0.1.10", 1023, flow.ACK), false},
		{"SG-9 port 0", ruleCIDR(pUDP, 0, 0, "0.0.0.0/0"), in, udp("198.51.100.7", 9, "10.0.1.10", 0), true},
		{"SG-9 egress 443 to anywhere", ruleCIDR(pTCP, 443, 443, "0.0.0.0/0"), out, tcp("10.0.1.10", 40000, "203.0.113.80", 443, flow.SYN), true},
		{"SG-9 egress 443, reply port", ruleCIDR(pTCP, 443, 443, "0.0.0.0/0"), out, tcp("10.0.1.10", 443, "203.0.113.80", 40000, flow.SYN|flow.ACK), false},

		// SG-10: ICMP type and code, -1 = any.
		{"SG-10 type 8 any code", ruleCIDR(pICMP, 8, -1, "192.0.2.0/24"), in, icmp("192.0.2.9", "10.0.1.10", 8, 0), true},
		{"SG-10 type 8, echo reply", ruleCIDR(pICMP, 8, -1, "192.0.2.0/24"), in, icmp("192.0.2.9", "10.0.1.10", 0, 0), false},
		{"SG-10 all icmp", ruleCIDR(pICMP, -1, -1, "0.0.0.0/0"), in, icmp("198.51.100.7", "10.0.1.10", 11, 1), true},
		{"SG-10 type 3 code 4 hit", ruleCIDR(pICMP, 3, 4, "0.0.0.0/0"), in, icmp("198.51.100.7", "10.0.1.10", 3, 4), true},
		{"SG-10 type 3 code 4, code 1", ruleCIDR(pICMP, 3, 4, "0.0.0.0/0"), in, icmp("198.51.100.7", "10.0.1.10", 3, 1), false},
		{"SG-10 icmpv6 echo", ruleCIDR(pICMPv6, 128, -1, "::/0"), in, icmp("2001:db8::7", "2001:db8:1::10", 128, 0), true},
		{"SG-10 icmpv6 all", ruleCIDR(pICMPv6, -1, -1, "::/0"), in, icmp("2001:db8::7", "2001:db8:1::10", 2, 0), true},
		{"SG-10 icmp rule, icmpv6 packet", ruleCIDR(pICMP, -1, -1, "::/0"), in, icmp("2001:db8::7", "2001:db8:1::10", 128, 0), false},
		{"SG-10 ICMP fields ignored on tcp", ruleCIDR(pTCP, 8, 8, "0.0.0.0/0"), in, tcp("198.51.100.7", 1, "10.0.1.10", 8, flow.SYN), true},

		// SG-9: other protocols ignore ports.
		{"SG-9 gre ignores ports", ruleCIDR(pGRE, 1000, 1000, "10.0.0.0/8"), in, ipproto(47, "10.9.9.9", "10.0.1.10"), true},
		{"SG-9 gre rule, esp packet", ruleCIDR(pGRE, 0, 0, "10.0.0.0/8"), in, ipproto(50, "10.9.9.9", "10.0.1.10"), false},
		{"SG-9 esp", ruleCIDR(pESP, -1, -1, "10.0.0.0/8"), out, ipproto(50, "10.0.1.10", "10.200.0.1"), true},

		// SG-11: inbound looks at the source, outbound at the destination.
		{"SG-11 ingress source in", ruleCIDR(pTCP, 22, 22, "203.0.113.1/32"), in, tcp("203.0.113.1", 51000, "10.0.1.10", 22, flow.SYN), true},
		{"SG-11 ingress source out", ruleCIDR(pTCP, 22, 22, "203.0.113.1/32"), in, tcp("203.0.113.2", 51000, "10.0.1.10", 22, flow.SYN), false},
		{"SG-11 ingress dst in, src out", ruleCIDR(pTCP, 22, 22, "10.0.1.0/24"), in, tcp("203.0.113.2", 51000, "10.0.1.10", 22, flow.SYN), false},
		{"SG-11 egress destination in", ruleCIDR(pTCP, 22, 22, "10.0.3.0/24"), out, tcp("10.0.1.10", 40000, "10.0.3.30", 22, flow.SYN), true},
		{"SG-11 egress source does not count", ruleCIDR(pTCP, 22, 22, "10.0.1.0/24"), out, tcp("10.0.1.10", 40000, "10.0.3.30", 22, flow.SYN), false},
		{"SG-11 prefix edges", ruleCIDR(pTCP, 22, 22, "10.0.0.0/15"), in, tcp("10.1.255.255", 1, "10.0.1.10", 22, flow.SYN), true},
		{"SG-11 just past prefix", ruleCIDR(pTCP, 22, 22, "10.0.0.0/15"), in, tcp("10.2.0.0", 1, "10.0.1.10", 22, flow.SYN), false},
		{"SG-11 host bits ignored", ruleCIDR(pTCP, 22, 22, "10.0.1.5/24"), in, tcp("10.0.1.200", 1, "10.0.1.10", 22, flow.SYN), true},
		{"SG-11 ipv6 /128", ruleCIDR(pTCP, 22, 22, "2001:db8::1/128"), in, tcp("2001:db8::1", 1, "2001:db8:1::10", 22, flow.SYN), true},
		{"SG-11 ipv6 /128 miss", ruleCIDR(pTCP, 22, 22, "2001:db8::1/128"), in, tcp("2001:db8::2", 1, "2001:db8:1::10", 22, flow.SYN), false},
		{"SG-11 ipv6 /64 high half", ruleCIDR(pTCP, 22, 22, "2001:db8:0:5::/64"), in, tcp("2001:db8:0:5:ffff:ffff:ffff:ffff", 1, "2001:db8:1::10", 22, flow.SYN), true},
		{"SG-11 ipv6 /72", ruleCIDR(pTCP, 22, 22, "2001:db8:0:5:ab00::/72"), in, tcp("2001:db8:0:5:abff::1", 1, "2001:db8:1::10", 22, flow.SYN), true},
		{"SG-11 ipv6 /72 miss", ruleCIDR(pTCP, 22, 22, "2001:db8:0:5:ab00::/72"), in, tcp("2001:db8:0:5:ac00::1", 1, "2001:db8:1::10", 22, flow.SYN), false},

		// NOT-5: families never mix.
		{"NOT-5 0.0.0.0/0 vs ipv6", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), in, tcp("2001:db8::7", 1, "2001:db8:1::10", 80, flow.SYN), false},
		{"NOT-5 ::/0 vs ipv4", ruleCIDR(pAll, 0, 0, "::/0"), in, tcp("198.51.100.7", 1, "10.0.1.10", 80, flow.SYN), false},
		{"NOT-5 ::/0 vs ipv4-mapped", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), in, tcp("::ffff:198.51.100.7", 1, "::ffff:10.0.1.10", 80, flow.SYN), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := sg.Group{ID: "sg-t"}
			if tt.dir == flow.Egress {
				g.Egress = []sg.Rule{tt.rule}
			} else {
				g.Ingress = []sg.Rule{tt.rule}
			}
			m, ok := checkMatch(t, []sg.Group{g}, nil, tt.pkt, tt.dir)
			assert.Equal(t, tt.want, ok)
			if ok {
				assert.Equal(t, sg.Match{Group: "sg-t", Rule: 0, Text: "sg-t " + tt.dir.String() + " " + tt.rule.Text(tt.dir),
					Open: tt.rule.CIDR.Bits() == 0}, m)
			}
			// A rule never matches in the other direction's list.
			_, other := checkMatch(t, []sg.Group{g}, nil, tt.pkt, tt.dir.Reverse())
			assert.False(t, other)
		})
	}
}

// TestMatchUnion is SG-13/SG-14: the interface's groups form one set; any
// rule of any group admits, and a group without rules takes nothing away.
func TestMatchUnion(t *testing.T) {
	groups := []sg.Group{
		{ID: "sg-a", Ingress: []sg.Rule{ruleCIDR(pTCP, 80, 80, "0.0.0.0/0")}},
		{ID: "sg-empty"},
		{ID: "sg-b", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "192.0.2.0/24")}},
	}
	tests := []struct {
		pkt   flow.Packet
		group string // "" = no rule admits
	}{
		{tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN), "sg-a"},
		{tcp("192.0.2.9", 50000, "10.0.1.10", 22, flow.SYN), "sg-b"},
		{tcp("198.51.100.7", 50000, "10.0.1.10", 22, flow.SYN), ""},
		{udp("192.0.2.9", 50000, "10.0.1.10", 22), ""},
	}
	for _, tt := range tests {
		m, ok := checkMatch(t, groups, nil, tt.pkt, flow.Ingress)
		assert.Equal(t, tt.group != "", ok, "%v", tt.pkt)
		assert.Equal(t, tt.group, m.Group)
	}
	// SG-15: no egress rule in any group, nothing leaves.
	_, ok := checkMatch(t, groups, nil, tcp("10.0.1.10", 1, "198.51.100.7", 80, flow.SYN), flow.Egress)
	assert.False(t, ok)
}

// TestMatchFirstInDeclarationOrder is SG-17: the reported rule is the
// first admitting one, groups then rules; Open looks at every admitting
// rule, not only the reported one.
func TestMatchFirstInDeclarationOrder(t *testing.T) {
	a := sg.Group{ID: "sg-a", Ingress: []sg.Rule{
		ruleCIDR(pTCP, 22, 22, "10.0.0.0/8"),
		ruleCIDR(pTCP, 0, 65535, "0.0.0.0/0"),
	}}
	b := sg.Group{ID: "sg-b", Ingress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	tests := []struct {
		groups []sg.Group
		pkt    flow.Packet
		want   sg.Match
	}{
		// sg-a first: its /8 rule is reported, yet the packet is Open
		// because sg-a rule 1 and sg-b rule 0 admit it too.
		{[]sg.Group{a, b}, tcp("10.1.1.1", 1, "10.0.1.10", 22, flow.SYN), sg.Match{"sg-a", 0, "sg-a ingress tcp 22 from 10.0.0.0/8", true}},
		{[]sg.Group{a, b}, tcp("10.1.1.1", 1, "10.0.1.10", 80, flow.SYN), sg.Match{"sg-a", 1, "sg-a ingress tcp 0-65535 from 0.0.0.0/0", true}},
		{[]sg.Group{a, b}, udp("10.1.1.1", 1, "10.0.1.10", 80), sg.Match{"sg-b", 0, "sg-b ingress -1 from 0.0.0.0/0", true}},
		// Group order changes only the report.
		{[]sg.Group{b, a}, tcp("10.1.1.1", 1, "10.0.1.10", 22, flow.SYN), sg.Match{"sg-b", 0, "sg-b ingress -1 from 0.0.0.0/0", true}},
		// Only the /8 rule admits: not Open.
		{[]sg.Group{{ID: "sg-c", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "10.0.0.0/8"), ruleCIDR(pTCP, 80, 80, "0.0.0.0/0")}}},
			tcp("10.1.1.1", 1, "10.0.1.10", 22, flow.SYN), sg.Match{"sg-c", 0, "sg-c ingress tcp 22 from 10.0.0.0/8", false}},
		// Open from a later rule of another group.
		{[]sg.Group{{ID: "sg-c", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "10.0.0.0/8")}}, {ID: "sg-d", Ingress: []sg.Rule{ruleCIDR(pTCP, 20, 30, "0.0.0.0/0")}}},
			tcp("10.1.1.1", 1, "10.0.1.10", 22, flow.SYN), sg.Match{"sg-c", 0, "sg-c ingress tcp 22 from 10.0.0.0/8", true}},
	}
	for _, tt := range tests {
		m, ok := checkMatch(t, tt.groups, nil, tt.pkt, flow.Ingress)
		require.True(t, ok)
		assert.Equal(t, tt.want, m)
	}
}

// TestMatchReferences is SG-19..SG-21 and TRACE-H: a group reference
// admits the private addresses of the interfaces carrying the group; a
// prefix list admits its entries.
func TestMatchReferences(t *testing.T) {
	sgDB := sg.Group{ID: "sg-db", Ingress: []sg.Rule{ruleGroup(pTCP, 5432, 5432, "sg-web")}}
	db := []sg.Group{sgDB}

	// H1: 10.0.1.10 carries sg-web: admitted at eni-db.
	m, ok := checkMatch(t, db, traceRes, tcp("10.0.1.10", 45000, "10.0.3.30", 5432, flow.SYN), flow.Ingress)
	require.True(t, ok)
	assert.Equal(t, sg.Match{Group: "sg-db", Rule: 0, Text: "sg-db ingress tcp 5432 from sg-web"}, m)
	// H3: 10.0.1.11 carries sg-other, not sg-web: dropped.
	_, ok = checkMatch(t, db, traceRes, tcp("10.0.1.11", 45001, "10.0.3.30", 5432, flow.SYN), flow.Ingress)
	assert.False(t, ok)
	// H4: sg-db has no egress rules: the db cannot open connections.
	_, ok = checkMatch(t, db, traceRes, tcp("10.0.3.30", 46000, "10.0.1.10", 80, flow.SYN), flow.Egress)
	assert.False(t, ok)

	// A reference never counts as open (U2), even for a big group.
	res := sg.StaticResolver{Groups: map[string][]netip.Addr{}, PrefixLists: traceRes.PrefixLists}
	var members []netip.Addr
	for i := range 300 {
		members = append(members, netip.AddrFrom4([4]byte{10, 0, byte(i / 100), byte(i%100*2 + 1)}))
	}
	members = append(members, addr("2001:db8::5"), addr("2001:db8::9"), addr("2001:db8::7"))
	res.Groups["sg-app"] = members
	// SG-21: a self reference (the Terraform `self`) names the group itself.
	app := []sg.Group{{ID: "sg-app", Ingress: []sg.Rule{ruleGroup(pAll, 0, 0, "sg-app")}, Egress: []sg.Rule{rulePL(pTCP, 1024, 65535, "pl-office")}}}
	tests := []struct {
		pkt  flow.Packet
		dir  flow.Direction
		want bool
	}{
		{tcp("10.0.0.1", 1, "10.0.9.9", 80, flow.SYN), flow.Ingress, true},
		{tcp("10.0.2.199", 1, "10.0.9.9", 80, flow.SYN), flow.Ingress, true},
		{tcp("10.0.2.198", 1, "10.0.9.9", 80, flow.SYN), flow.Ingress, false},
		{tcp("10.0.3.1", 1, "10.0.9.9", 80, flow.SYN), flow.Ingress, false},
		{tcp("10.0.0.0", 1, "10.0.9.9", 80, flow.SYN), flow.Ingress, false},
		{tcp("2001:db8::7", 1, "2001:db8::1", 80, flow.SYN), flow.Ingress, true},
		{tcp("2001:db8::8", 1, "2001:db8::1", 80, flow.SYN), flow.Ingress, false},
		// The prefix list holds an IPv4 and an IPv6 entry.
		{tcp("10.0.0.1", 1, "192.0.2.77", 8443, flow.SYN), flow.Egress, true},
		{tcp("10.0.0.1", 1, "192.0.3.77", 8443, flow.SYN), flow.Egress, false},
		{tcp("10.0.0.1", 1, "192.0.2.77", 443, flow.SYN), flow.Egress, false},
		{tcp("2001:db8::7", 1, "2001:db8:aa:ff::1", 8443, flow.SYN), flow.Egress, true},
		{tcp("2001:db8::7", 1, "2001:db8:ab::1", 8443, flow.SYN), flow.Egress, false},
	}
	for _, tt := range tests {
		m, ok := checkMatch(t, app, res, tt.pkt, tt.dir)
		assert.Equal(t, tt.want, ok, "%v %v", tt.dir, tt.pkt)
		assert.False(t, m.Open)
	}

	// A group no interface carries admits nothing.
	empty := sg.StaticResolver{Groups: map[string][]netip.Addr{"sg-web": nil}}
	_, ok = checkMatch(t, db, empty, tcp("10.0.1.10", 45000, "10.0.3.30", 5432, flow.SYN), flow.Ingress)
	assert.False(t, ok)
}

// TestCompileErrors: invalid input yields a nil Set and errors that say
// what and where (SG-26, IN-5).
func TestCompileErrors(t *testing.T) {
	web := sgWeb()
	db := sg.Group{ID: "sg-db", Ingress: []sg.Rule{ruleGroup(pTCP, 5432, 5432, "sg-nope")}, Egress: []sg.Rule{rulePL(pTCP, 443, 443, "pl-nope")}}
	seventeen := make([]sg.Group, 17)
	for i := range seventeen {
		seventeen[i] = sg.Group{ID: fmt.Sprintf("sg-%d", i)}
	}
	tests := []struct {
		name   string
		groups []sg.Group
		res    sg.Resolver
		is     []error  // errors.Is targets
		fields []string // RuleError fields, in order
		text   string   // substring of the message
	}{
		// SG-26: 1..16 groups.
		{"no groups", nil, nil, []error{sg.ErrGroupCount}, nil, "0 security groups"},
		{"17 groups", seventeen, nil, []error{sg.ErrGroupCount}, nil, "17 security groups"},
		// Ids are distinct.
		{"duplicate", []sg.Group{web, web}, nil, []error{sg.ErrDuplicateGroup}, []string{"id"}, "security group sg-web: id: attached to the interface more than once"},
		// IN-5: references the resolver does not know.
		{"unknown refs", []sg.Group{db}, traceRes, []error{sg.ErrUnknownGroup, sg.ErrUnknownPrefixList}, []string{"security_groups", "prefix_list_ids"},
			"security group sg-db ingress rule 0: security_groups sg-nope: unknown security group"},
		{"references, no resolver", []sg.Group{db}, nil, []error{sg.ErrUnknownGroup, sg.ErrUnknownPrefixList}, []string{"security_groups", "prefix_list_ids"}, "no Resolver"},
		// Validation errors of every group come through.
		{"invalid rules", []sg.Group{web, {ID: "sg-x", Egress: []sg.Rule{ruleCIDR(pUDP, 0, 65536, "0.0.0.0/0")}}, {}}, nil, nil, []string{"to_port", "id"}, "sg-x egress rule 0: to_port 65536"},
		// The resolver's answers are outside input too.
		{"bad prefix list entry", []sg.Group{{ID: "sg-y", Egress: []sg.Rule{rulePL(pAll, 0, 0, "pl-bad")}}},
			sg.StaticResolver{PrefixLists: map[string][]netip.Prefix{"pl-bad": {pfx("10.0.0.0/8"), {}}}}, nil, []string{"prefix_list_ids"}, "entry 1 of the prefix list is not a valid prefix"},
		{"bad member address", []sg.Group{{ID: "sg-y", Egress: []sg.Rule{ruleGroup(pAll, 0, 0, "sg-z")}}},
			sg.StaticResolver{Groups: map[string][]netip.Addr{"sg-z": {{}}}}, nil, []string{"security_groups"}, "member address 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sg.Compile(tt.groups, tt.res)
			require.Error(t, err)
			assert.Nil(t, s)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			if tt.fields != nil {
				var got []string
				for _, re := range ruleErrors(t, err) {
					got = append(got, re.Field)
				}
				assert.Equal(t, tt.fields, got)
			}
			assert.Contains(t, err.Error(), tt.text)
		})
	}
	// errors.As finds the position of an unknown reference.
	_, err := sg.Compile([]sg.Group{db}, traceRes)
	var re *sg.RuleError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, sg.RuleError{Group: "sg-db", Direction: flow.Ingress, Index: 0, Field: "security_groups", Value: "sg-nope", Err: sg.ErrUnknownGroup}, *re)

	// MustCompile panics on the same input; it is for literals only.
	assert.Panics(t, func() { sg.MustCompile(nil, nil) })
}

// TestSetGroups: the ids for explanations, in the order given.
func TestSetGroups(t *testing.T) {
	s := sg.MustCompile([]sg.Group{sgWeb(), {ID: "sg-admin"}}, nil)
	assert.Equal(t, "sg-web, sg-admin", s.Groups())
	ids := s.GroupIDs()
	assert.Equal(t, []string{"sg-web", "sg-admin"}, ids)
	ids[0] = "changed" // a copy: the set stays immutable
	assert.Equal(t, "sg-web", s.GroupIDs()[0])
}

// TestOddInput: nil sets, nil packets, unknown directions and invalid
// addresses answer "no" without panicking.
func TestOddInput(t *testing.T) {
	s := sg.MustCompile([]sg.Group{sgWeb()}, nil)
	p := tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN)
	var zero flow.Packet
	var nilSet *sg.Set
	for _, f := range []func() bool{
		func() bool { _, ok := s.Match(nil, flow.Ingress); return ok },
		func() bool { _, ok := s.Match(&p, flow.Direction(7)); return ok },
		func() bool { _, ok := s.Match(&zero, flow.Ingress); return ok },
		func() bool { _, ok := nilSet.Match(&p, flow.Ingress); return ok },
		func() bool { _, ok := (&sg.Set{}).Match(&p, flow.Ingress); return ok },
		func() bool { return s.Untracked(&p, flow.Direction(7)) },
		func() bool { return s.AnswersUntracked(&p, flow.Direction(7)) },
		func() bool { return s.OpenReverse(&p, flow.Direction(7)) },
		func() bool { return s.OpenReverse(nil, flow.Ingress) },
		func() bool { return nilSet.Untracked(&p, flow.Ingress) },
		func() bool { return nilSet.AnswersUntracked(&p, flow.Ingress) },
		func() bool { return (&sg.Set{}).Untracked(&p, flow.Ingress) },
		func() bool { _, ok := sg.Reference([]sg.Group{sgWeb()}, nil, &p, flow.Direction(7)); return ok },
	} {
		assert.NotPanics(t, func() { assert.False(t, f()) })
	}
	assert.Equal(t, "", nilSet.Groups())
	assert.Nil(t, nilSet.GroupIDs())
	// Sanity: the same packet is admitted the normal way.
	_, ok := s.Match(&p, flow.Ingress)
	assert.True(t, ok)
}

// TestMatchAddressSets exercises the merged ranges a prefix list or a
// group's members compile to: gaps of one address, adjacent and nested
// prefixes, the top of the address space, and IPv6 ranges that carry
// across the middle of the address.
func TestMatchAddressSets(t *testing.T) {
	res := sg.StaticResolver{
		Groups: map[string][]netip.Addr{
			"sg-m": {addr("10.0.0.1"), addr("10.0.0.3"), addr("10.0.0.4"), addr("255.255.255.255"), addr("255.255.255.254"),
				addr("2001:db8::1"), addr("2001:db8::3"), addr("2001:db8::ffff:ffff:ffff:ffff"), addr("2001:db8:0:1::")},
		},
		PrefixLists: map[string][]netip.Prefix{
			"pl-m": {pfx("10.1.0.0/25"), pfx("10.1.0.128/25"), pfx("10.2.0.0/16"), pfx("10.2.3.0/24"), pfx("10.4.0.0/16"),
				pfx("2001:db8:1::/64"), pfx("2001:db8:1:1::/64"), pfx("2001:db8:2::/48"), pfx("ffff::/16")},
		},
	}
	groups := []sg.Group{{ID: "sg-t", Ingress: []sg.Rule{ruleGroup(pTCP, 22, 22, "sg-m"), rulePL(pTCP, 80, 80, "pl-m")}}}
	tests := []struct {
		src  string
		port uint16
		want bool
	}{
		{"10.0.0.0", 22, false}, {"10.0.0.1", 22, true}, {"10.0.0.2", 22, false}, {"10.0.0.3", 22, true},
		{"10.0.0.4", 22, true}, {"10.0.0.5", 22, false}, {"255.255.255.253", 22, false},
		{"255.255.255.254", 22, true}, {"255.255.255.255", 22, true},
		{"2001:db8::", 22, false}, {"2001:db8::1", 22, true}, {"2001:db8::2", 22, false}, {"2001:db8::3", 22, true},
		{"2001:db8::ffff:ffff:ffff:fffe", 22, false}, {"2001:db8::ffff:ffff:ffff:ffff", 22, true},
		{"2001:db8:0:1::", 22, true}, {"2001:db8:0:1::1", 22, false},
		{"10.0.255.255", 80, false}, {"10.1.0.0", 80, true}, {"10.1.0.127", 80, true}, {"10.1.0.128", 80, true},
		{"10.1.0.255", 80, true}, {"10.1.1.0", 80, false}, {"10.2.3.4", 80, true}, {"10.2.255.255", 80, true},
		{"10.3.0.0", 80, false}, {"10.4.0.0", 80, true}, {"10.5.0.0", 80, false},
		{"2001:db8:0:ffff:ffff:ffff:ffff:ffff", 80, false}, {"2001:db8:1::", 80, true},
		{"2001:db8:1:0:ffff:ffff:ffff:ffff", 80, true}, {"2001:db8:1:1::", 80, true},
		{"2001:db8:1:1:ffff:ffff:ffff:ffff", 80, true}, {"2001:db8:1:2::", 80, false},
		{"2001:db8:2:ffff::1", 80, true}, {"2001:db8:3::", 80, false},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 80, true}, {"fffe::", 80, false},
	}
	for _, tt := range tests {
		_, ok := checkMatch(t, groups, res, tcp(tt.src, 1, "10.9.9.9", tt.port, flow.SYN), flow.Ingress)
		assert.Equal(t, tt.want, ok, "%s port %d", tt.src, tt.port)
	}
}

// TestMatchNestedPorts: 300 nested port ranges would make the port index
// grow quadratically, so Compile keeps the plain scan; answers stay those
// of the golden model. Also the port index's edges, 0 and 65535.
func TestMatchNestedPorts(t *testing.T) {
	var rules []sg.Rule
	for i := range 300 {
		rules = append(rules, ruleCIDR(pTCP, 100+i, 65000-i, fmt.Sprintf("10.%d.0.0/16", i%200)))
	}
	rules = append(rules, ruleCIDR(pTCP, 0, 0, "0.0.0.0/0"), ruleCIDR(pUDP, 65535, 65535, "::/0"))
	groups := []sg.Group{{ID: "sg-n", Ingress: rules}}
	for _, port := range []uint16{0, 1, 99, 100, 101, 250, 399, 400, 401, 64600, 64700, 64701, 65000, 65001, 65535} {
		for _, src := range []string{"10.0.0.1", "10.150.3.3", "10.199.0.0", "10.250.0.0"} {
			checkMatch(t, groups, nil, tcp(src, 1, "10.0.1.10", port, flow.SYN), flow.Ingress)
		}
		checkMatch(t, groups, nil, udp("2001:db8::1", 1, "2001:db8::2", port), flow.Ingress)
	}
	m, ok := checkMatch(t, groups, nil, tcp("10.150.3.3", 1, "10.0.1.10", 250, flow.SYN), flow.Ingress)
	assert.True(t, ok)
	assert.Equal(t, 150, m.Rule)
}
