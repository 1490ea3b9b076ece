package sg_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// TestRuleText renders rules as explanations print them.
func TestRuleText(t *testing.T) {
	tests := []struct {
		rule sg.Rule
		dir  flow.Direction
		want string
	}{
		// The forms the brief and spec use.
		{ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), flow.Ingress, "tcp 80 from 0.0.0.0/0"},
		{ruleGroup(pTCP, 5432, 5432, "sg-web"), flow.Ingress, "tcp 5432 from sg-web"},
		{ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), flow.Egress, "-1 to 0.0.0.0/0"},
		{ruleCIDR(pICMP, 8, -1, "192.0.2.0/24"), flow.Ingress, "icmp type 8 code -1 from 192.0.2.0/24"},
		{rulePL(pTCP, 1024, 65535, "pl-office"), flow.Egress, "tcp 1024-65535 to pl-office"},
		// All ICMP, ICMPv6, UDP, IPv6 peers.
		{ruleCIDR(pICMP, -1, -1, "0.0.0.0/0"), flow.Ingress, "icmp all from 0.0.0.0/0"},
		{ruleCIDR(pICMPv6, 128, 0, "::/0"), flow.Ingress, "icmpv6 type 128 code 0 from ::/0"},
		{ruleCIDR(pUDP, 53, 53, "2001:db8::/32"), flow.Egress, "udp 53 to 2001:db8::/32"},
		// Ports are not printed where they are ignored (SG-3).
		{ruleCIDR(pAll, -1, -1, "::/0"), flow.Egress, "-1 to ::/0"},
		{ruleCIDR(pGRE, 5, 9, "10.0.0.0/8"), flow.Ingress, "gre from 10.0.0.0/8"},
		{ruleCIDR(flow.Protocol(200), 0, 0, "10.0.0.0/8"), flow.Ingress, "proto 200 from 10.0.0.0/8"},
		// The CIDR is printed as written, host bits and all.
		{ruleCIDR(pTCP, 22, 22, "10.0.1.5/24"), flow.Ingress, "tcp 22 from 10.0.1.5/24"},
		// Invalid rules still render.
		{sg.Rule{Protocol: pTCP, FromPort: 1, ToPort: 2}, flow.Ingress, "tcp 1-2 from (no peer)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.rule.Text(tt.dir))
	}
	// String has no direction: it says "peer".
	assert.Equal(t, "tcp 80 peer 0.0.0.0/0", ruleCIDR(pTCP, 80, 80, "0.0.0.0/0").String())
}

// ruleErrors flattens a joined error into its *RuleError values.
func ruleErrors(t *testing.T, err error) []*sg.RuleError {
	t.Helper()
	var out []*sg.RuleError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var re *sg.RuleError
		require.True(t, errors.As(e, &re), "not a RuleError: %v", e)
		out = append(out, re)
	}
	walk(err)
	return out
}

// TestValidate checks each rule field against AWS's limits; every error
// names group, direction, index and the Terraform field.
func TestValidate(t *testing.T) {
	ok1 := ruleCIDR(pTCP, 80, 80, "0.0.0.0/0")
	ok2 := ruleCIDR(pTCP, 443, 443, "0.0.0.0/0")
	tests := []struct {
		name  string
		rule  sg.Rule
		field string // "" = valid
		msg   string // substring of the error text
	}{
		// SG-2: protocol -1 or 0..255.
		{"protocol 300", sg.Rule{Protocol: 300, CIDR: cidr("0.0.0.0/0")}, "protocol", "protocol 300: must be -1 (all) or a protocol number 0..255"},
		{"protocol -2", sg.Rule{Protocol: -2, CIDR: cidr("0.0.0.0/0")}, "protocol", "protocol -2"},
		{"protocol 255", sg.Rule{Protocol: 255, CIDR: cidr("0.0.0.0/0")}, "", ""},
		// SG-9: TCP/UDP ports 0..65535, from <= to.
		{"tcp to_port 70000", ruleCIDR(pTCP, 80, 70000, "0.0.0.0/0"), "to_port",
			"security group sg-web ingress rule 2: to_port 70000: must be 0..65535"},
		{"tcp from_port -1", ruleCIDR(pTCP, -1, 80, "0.0.0.0/0"), "from_port", "from_port -1: must be 0..65535"},
		{"udp to_port 65536", ruleCIDR(pUDP, 0, 65536, "0.0.0.0/0"), "to_port", "to_port 65536"},
		{"tcp from above to", ruleCIDR(pTCP, 90, 80, "0.0.0.0/0"), "to_port", "to_port 80: must not be below from_port 90"},
		{"tcp 0-65535", ruleCIDR(pTCP, 0, 65535, "0.0.0.0/0"), "", ""},
		{"tcp 0-0", ruleCIDR(pTCP, 0, 0, "0.0.0.0/0"), "", ""},
		// SG-4: ICMP type and code -1..255; type -1 needs code -1.
		{"icmp type 256", ruleCIDR(pICMP, 256, -1, "0.0.0.0/0"), "from_port", "ICMP type"},
		{"icmp code -2", ruleCIDR(pICMP, 8, -2, "0.0.0.0/0"), "to_port", "ICMP code"},
		{"icmp type -1 code 0", ruleCIDR(pICMP, -1, 0, "0.0.0.0/0"), "to_port", "(SG-4)"},
		{"icmpv6 type -1 code 4", ruleCIDR(pICMPv6, -1, 4, "::/0"), "to_port", "(SG-4)"},
		{"icmp all", ruleCIDR(pICMP, -1, -1, "0.0.0.0/0"), "", ""},
		{"icmp type 8 any code", ruleCIDR(pICMP, 8, -1, "0.0.0.0/0"), "", ""},
		{"icmpv6 128/0", ruleCIDR(pICMPv6, 128, 0, "::/0"), "", ""},
		// SG-3, IN-3, IN-8: ports are ignored for -1 and other protocols.
		{"-1 with 0/0", ruleCIDR(pAll, 0, 0, "0.0.0.0/0"), "", ""},
		{"-1 with -1/-1", ruleCIDR(pAll, -1, -1, "0.0.0.0/0"), "", ""},
		{"-1 with junk ports", ruleCIDR(pAll, 5, 70000, "0.0.0.0/0"), "", ""},
		{"gre with junk ports", ruleCIDR(pGRE, 99999, -7, "0.0.0.0/0"), "", ""},
		// SG-5: exactly one peer.
		{"no peer", sg.Rule{Protocol: pAll}, "peer", "none of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups is set"},
		{"cidr and group", sg.Rule{Protocol: pAll, CIDR: cidr("10.0.0.0/8"), Group: "sg-x"}, "peer", "cidr_blocks and security_groups are set together"},
		{"prefix list and group", sg.Rule{Protocol: pAll, PrefixList: "pl-x", Group: "sg-x"}, "peer", "prefix_list_ids and security_groups"},
		{"ipv6 cidr and prefix list", sg.Rule{Protocol: pAll, CIDR: cidr("::/0"), PrefixList: "pl-x"}, "peer", "ipv6_cidr_blocks and prefix_list_ids"},
		{"prefix list alone", rulePL(pAll, 0, 0, "pl-x"), "", ""},
		{"group alone", ruleGroup(pAll, 0, 0, "sg-x"), "", ""},
		// SG-5: the CIDR must be valid, field by family.
		{"ipv4 /33", sg.Rule{Protocol: pAll, CIDR: netip.PrefixFrom(addr("10.0.0.0"), 33)}, "cidr_blocks", "cidr_blocks 10.0.0.0: prefix length out of range"},
		{"ipv6 /129", sg.Rule{Protocol: pAll, CIDR: netip.PrefixFrom(addr("2001:db8::"), 129)}, "ipv6_cidr_blocks", "ipv6_cidr_blocks 2001:db8::"},
		// SG-7: description up to 255 characters (not bytes).
		{"description 256", sg.Rule{Protocol: pAll, CIDR: cidr("::/0"), Description: strings.Repeat("x", 256)}, "description", "256 characters"},
		{"description 255", sg.Rule{Protocol: pAll, CIDR: cidr("::/0"), Description: strings.Repeat("x", 255)}, "", ""},
		{"description 255 runes", sg.Rule{Protocol: pAll, CIDR: cidr("::/0"), Description: strings.Repeat("é", 255)}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The rule sits at index 2 of the ingress rules.
			g := sg.Group{ID: "sg-web", Ingress: []sg.Rule{ok1, ok2, tt.rule}}
			err := g.Validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			res := ruleErrors(t, err)
			require.Len(t, res, 1, "%v", err)
			re := res[0]
			assert.Equal(t, "sg-web", re.Group)
			assert.Equal(t, flow.Ingress, re.Direction)
			assert.Equal(t, 2, re.Index)
			assert.Equal(t, tt.field, re.Field)
			assert.Contains(t, re.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(re.Error(), "security group sg-web ingress rule 2: "+tt.field), re.Error())
			assert.NotNil(t, errors.Unwrap(re))
		})
	}
}

// TestValidateGroup covers group-level errors and that every problem of a
// group is reported, each with its own position.
func TestValidateGroup(t *testing.T) {
	// An empty id is an error about the group (Index -1).
	g := sg.Group{Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	res := ruleErrors(t, g.Validate())
	require.Len(t, res, 1)
	assert.Equal(t, "id", res[0].Field)
	assert.Equal(t, -1, res[0].Index)
	assert.Equal(t, "security group (no id): id: must not be empty", res[0].Error())

	// Three bad rules in two directions: three errors, in order.
	g = sg.Group{
		ID:      "sg-bad",
		Ingress: []sg.Rule{ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"), ruleCIDR(pTCP, 80, 70000, "0.0.0.0/0")},
		Egress:  []sg.Rule{{Protocol: pAll}, ruleCIDR(pICMP, -1, 3, "0.0.0.0/0")},
	}
	res = ruleErrors(t, g.Validate())
	require.Len(t, res, 3)
	assert.Equal(t, [3]string{"ingress 1 to_port", "egress 0 peer", "egress 1 to_port"}, [3]string{
		res[0].Direction.String() + " 1 " + res[0].Field,
		res[1].Direction.String() + " 0 " + res[1].Field,
		res[2].Direction.String() + " 1 " + res[2].Field,
	})
	assert.Equal(t, 1, res[0].Index)
	assert.Equal(t, 0, res[1].Index)
	assert.Equal(t, 1, res[2].Index)

	// A rule with several bad fields reports each.
	g = sg.Group{ID: "sg-x", Ingress: []sg.Rule{{Protocol: pTCP, FromPort: -5, ToPort: 70000}}}
	res = ruleErrors(t, g.Validate())
	require.Len(t, res, 3)
	assert.Equal(t, "from_port", res[0].Field)
	assert.Equal(t, "to_port", res[1].Field)
	assert.Equal(t, "peer", res[2].Field)
}

// TestWarnings: the rule quota (SG-25) and suspicious but legal rules.
func TestWarnings(t *testing.T) {
	many := func(n int, c string) []sg.Rule {
		rs := make([]sg.Rule, n)
		for i := range rs {
			rs[i] = ruleCIDR(pTCP, 1000+i, 1000+i, c)
		}
		return rs
	}
	// 60 IPv4 rules per direction is the quota: no warning.
	assert.Empty(t, sg.Warnings(&sg.Group{ID: "sg-a", Ingress: many(60, "10.0.0.0/8")}))
	// 61 IPv4 ingress rules: one warning.
	w := sg.Warnings(&sg.Group{ID: "sg-a", Ingress: many(61, "10.0.0.0/8")})
	require.Len(t, w, 1)
	assert.Equal(t, sg.Warning{Direction: flow.Ingress, Index: -1,
		Msg: "security group sg-a: 61 ingress IPv4 rules: more than AWS's default quota of 60 per direction and family (SG-25)"}, w[0])
	assert.Equal(t, w[0].Msg, w[0].String())
	// The quota is per family: 40 IPv4 + 40 IPv6 rules are fine.
	assert.Empty(t, sg.Warnings(&sg.Group{ID: "sg-a", Egress: append(many(40, "10.0.0.0/8"), many(40, "2001:db8::/32")...)}))
	// A group reference counts for both families (pfsim's choice).
	rs := append(many(60, "2001:db8::/32"), ruleGroup(pTCP, 1, 1, "sg-b"))
	w = sg.Warnings(&sg.Group{ID: "sg-a", Egress: rs})
	require.Len(t, w, 1)
	assert.Contains(t, w[0].Msg, "61 egress IPv6 rules")

	// Host bits: matches as the network.
	w = sg.Warnings(&sg.Group{ID: "sg-a", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "10.0.1.5/24")}})
	assert.Equal(t, []sg.Warning{{Direction: flow.Ingress, Index: 0, Msg: "security group sg-a ingress rule 0: cidr_blocks 10.0.1.5/24 has host bits set; it matches as 10.0.1.0/24"}}, w)
	// ICMP of the wrong family never matches.
	w = sg.Warnings(&sg.Group{ID: "sg-a", Ingress: []sg.Rule{ruleCIDR(pICMPv6, -1, -1, "0.0.0.0/0"), ruleCIDR(pICMP, -1, -1, "::/0")}})
	assert.Equal(t, []sg.Warning{
		{Direction: flow.Ingress, Index: 0, Msg: "security group sg-a ingress rule 0: icmpv6 with cidr_blocks 0.0.0.0/0 never matches"},
		{Direction: flow.Ingress, Index: 1, Msg: "security group sg-a ingress rule 1: icmp with ipv6_cidr_blocks ::/0 never matches"},
	}, w)

	// A rule given twice: the description does not make it another rule,
	// ports do; for -1 the ports play no part (SG-3), so 0-0 and 0-65535
	// are the same rule. Each direction is on its own.
	desc := ruleCIDR(pTCP, 22, 22, "10.0.0.0/8")
	desc.Description = "admins"
	w = sg.Warnings(&sg.Group{ID: "sg-a",
		Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "10.0.0.0/8"), ruleCIDR(pTCP, 22, 23, "10.0.0.0/8"), desc},
		Egress:  []sg.Rule{ruleCIDR(flow.AnyProtocol, 0, 0, "0.0.0.0/0"), ruleCIDR(flow.AnyProtocol, 0, 65535, "0.0.0.0/0"), ruleCIDR(pTCP, 22, 22, "10.0.0.0/8")}})
	assert.Equal(t, []sg.Warning{
		{Direction: flow.Ingress, Index: 2, Msg: "security group sg-a ingress rule 2: the same rule as rule 0 (tcp 22 from 10.0.0.0/8); AWS refuses a duplicate, and the copy changes no verdict (SG-13a)"},
		{Direction: flow.Egress, Index: 1, Msg: "security group sg-a egress rule 1: the same rule as rule 0 (-1 to 0.0.0.0/0); AWS refuses a duplicate, and the copy changes no verdict (SG-13a)"},
	}, w)
}
