package nacl

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestDefaultAndCustom checks the rules of the two starting ACLs:
// NACL-23 (default: 100 allow all IPv4, 101 allow all IPv6, each way) and
// NACL-25 (custom: no numbered rules).
func TestDefaultAndCustom(t *testing.T) {
	d := Default("acl-default")
	require.NoError(t, d.Validate())
	want := mustRules(t, "100 allow -1 0.0.0.0/0", "101 allow -1 ::/0")
	assert.Equal(t, want, d.Ingress)
	assert.Equal(t, want, d.Egress)
	d.Ingress[0].Action = Deny // the two lists do not share memory
	assert.Equal(t, Allow, d.Egress[0].Action)

	c := Custom("acl-custom")
	require.NoError(t, c.Validate())
	assert.Equal(t, ACL{ID: "acl-custom"}, c)
}

// TestValidateFields checks each validation rule once: the field named,
// the message, and that errors.As finds a *RuleError.
func TestValidateFields(t *testing.T) {
	base := func() Rule { return mustRule(t, "100 allow tcp 80 0.0.0.0/0") }
	tests := []struct {
		name  string
		rule  func() Rule
		egres bool
		field string
		msg   string
	}{
		// NACL-1: rule numbers 1..32766; 32767 and up are reserved.
		{"NACL-1 rule_no 0", func() Rule { r := base(); r.Number = 0; return r }, false, FieldRuleNo,
			"nacl acl-public ingress rule_no 0: must be 1..32766"},
		{"NACL-1 rule_no 32767", func() Rule { r := base(); r.Number = 32767; return r }, false, FieldRuleNo,
			"nacl acl-public ingress rule_no 32767: must be 1..32766"},
		{"NACL-1 rule_no -5 egress", func() Rule { r := base(); r.Number = -5; return r }, true, FieldRuleNo,
			"nacl acl-public egress rule_no -5: must be 1..32766"},
		// NACL-4: allow or deny.
		{"NACL-4 action zero", func() Rule { r := base(); r.Action = 0; return r }, false, FieldAction,
			"nacl acl-public ingress rule 100: action 0: must be allow or deny"},
		// NACL-3: -1 or 0..255.
		{"NACL-3 protocol 256", func() Rule { r := base(); r.Protocol = 256; return r }, false, FieldProtocol,
			"nacl acl-public ingress rule 100: protocol 256: must be -1 (all) or 0..255"},
		{"NACL-3 protocol -2", func() Rule { r := base(); r.Protocol = -2; return r }, false, FieldProtocol,
			"nacl acl-public ingress rule 100: protocol -2: must be -1 (all) or 0..255"},
		// NACL-5: a CIDR must be given and valid.
		{"NACL-5 no CIDR", func() Rule { r := base(); r.CIDR = netip.Prefix{}; return r }, false, FieldCIDRBlock,
			"nacl acl-public ingress rule 100: cidr_block: must be set: give an IPv4 cidr_block or an IPv6 ipv6_cidr_block"},
		{"NACL-5 bad v4 length", func() Rule { r := base(); r.CIDR = netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), 33); return r }, false, FieldCIDRBlock,
			"nacl acl-public ingress rule 100: cidr_block 10.0.0.0: prefix length must be 0..32"},
		{"NACL-5 bad v6 length", func() Rule { r := base(); r.CIDR = netip.PrefixFrom(netip.MustParseAddr("2001:db8::"), 129); return r }, true, FieldIPv6CIDRBlock,
			"nacl acl-public egress rule 100: ipv6_cidr_block 2001:db8::: prefix length must be 0..128"},
		// NACL-6: TCP/UDP ports 0..65535, from <= to.
		{"NACL-6 from_port 70000", func() Rule { r := base(); r.FromPort = 70000; return r }, true, FieldFromPort,
			"nacl acl-public egress rule 100: from_port 70000: must be 0..65535"},
		{"NACL-6 from_port -1", func() Rule { r := base(); r.FromPort = -1; return r }, false, FieldFromPort,
			"nacl acl-public ingress rule 100: from_port -1: must be 0..65535"},
		{"NACL-6 to_port 65536", func() Rule { r := base(); r.ToPort = 65536; return r }, false, FieldToPort,
			"nacl acl-public ingress rule 100: to_port 65536: must be 0..65535"},
		{"NACL-6 udp to below from", func() Rule { r := mustRule(t, "100 allow udp 53 0.0.0.0/0"); r.FromPort, r.ToPort = 1024, 53; return r }, false, FieldToPort,
			"nacl acl-public ingress rule 100: to_port 53: must not be below from_port 1024"},
		// NACL-7: ICMP type and code -1..255; type -1 needs code -1 (IN-24).
		{"NACL-7 icmp_type 256", func() Rule { r := mustRule(t, "100 allow icmp type 8 code 0 0.0.0.0/0"); r.ICMPType = 256; return r }, false, FieldICMPType,
			"nacl acl-public ingress rule 100: icmp_type 256: must be -1 (any) or 0..255"},
		{"NACL-7 icmp_code -2", func() Rule { r := mustRule(t, "100 allow icmp type 8 code 0 0.0.0.0/0"); r.ICMPCode = -2; return r }, false, FieldICMPCode,
			"nacl acl-public ingress rule 100: icmp_code -2: must be -1 (any) or 0..255"},
		{"NACL-7 icmpv6 v6 type -2", func() Rule { r := mustRule(t, "100 allow icmpv6 type 128 code 0 ::/0"); r.ICMPType = -2; return r }, false, FieldICMPType,
			"nacl acl-public ingress rule 100: icmp_type -2: must be -1 (any) or 0..255"},
		{"IN-24 type -1 with code 0", func() Rule { r := mustRule(t, "100 allow icmp type -1 code -1 0.0.0.0/0"); r.ICMPCode = 0; return r }, false, FieldICMPCode,
			"nacl acl-public ingress rule 100: icmp_code 0: must be -1 when icmp_type is -1 (any type means any code)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ACL{ID: "acl-public"}
			if tt.egres {
				a.Egress = []Rule{tt.rule()}
			} else {
				a.Ingress = []Rule{tt.rule()}
			}
			err := a.Validate()
			require.Error(t, err)
			var re *RuleError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.field, re.Field)
			assert.Equal(t, "acl-public", re.ACL)
			assert.Equal(t, 0, re.Index)
			assert.Equal(t, tt.msg, re.Error())
			assert.Equal(t, tt.msg, err.Error(), "one problem, one line")
			assert.NotNil(t, errors.Unwrap(re))

			c, cerr := Compile(a)
			assert.Nil(t, c)
			assert.Equal(t, err.Error(), cerr.Error())
		})
	}
}

// TestValidateDuplicates checks NACL-1's uniqueness: a number used twice
// in one direction is an error; the same number in ingress and egress is
// not.
func TestValidateDuplicates(t *testing.T) {
	ok := ACL{ID: "acl-web",
		Ingress: mustRules(t, "100 allow tcp 80 0.0.0.0/0", "110 allow tcp 443 0.0.0.0/0"),
		Egress:  mustRules(t, "100 allow tcp 1024-65535 0.0.0.0/0", "110 allow tcp 80 0.0.0.0/0"),
	}
	require.NoError(t, ok.Validate())

	// Same number, different families: still one direction, still a duplicate.
	dup := ACL{ID: "acl-web", Ingress: mustRules(t, "100 allow tcp 80 0.0.0.0/0", "120 deny -1 10.0.0.0/8", "100 allow tcp 80 ::/0")}
	err := dup.Validate()
	var re *RuleError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, FieldRuleNo, re.Field)
	assert.Equal(t, 2, re.Index)
	assert.Equal(t, flow.Ingress, re.Direction)
	assert.Equal(t, "nacl acl-web ingress rule_no 100: used by the ingress rules at index 0 and 2: numbers are unique per direction", err.Error())
}

// TestValidateAll checks that Validate reports every problem, in order,
// each a *RuleError, and that the empty id is one of them.
func TestValidateAll(t *testing.T) {
	bad := mustRule(t, "100 allow tcp 80 0.0.0.0/0")
	bad.Number, bad.FromPort, bad.Action = 40000, 90000, 9
	a := ACL{
		Ingress: []Rule{mustRule(t, "10 allow -1 0.0.0.0/0"), bad},
		Egress:  mustRules(t, "10 allow -1 0.0.0.0/0", "10 deny -1 ::/0"),
	}
	err := a.Validate()
	require.Error(t, err)
	joined, ok := err.(interface{ Unwrap() []error })
	require.True(t, ok, "errors.Join result")
	var got []string
	for _, e := range joined.Unwrap() {
		var re *RuleError
		require.ErrorAs(t, e, &re)
		got = append(got, re.Error())
	}
	assert.Equal(t, []string{
		"nacl: id: must not be empty",
		"nacl ingress rule_no 40000: must be 1..32766",
		"nacl ingress rule 40000: action 9: must be allow or deny",
		"nacl ingress rule 40000: from_port 90000: must be 0..65535",
		"nacl egress rule_no 10: used by the egress rules at index 0 and 1: numbers are unique per direction",
	}, got)
	assert.Equal(t, strings.Join(got, "\n"), err.Error())
}

// TestValidateIgnoredFields checks NACL-11 from the validation side: the
// fields a protocol ignores are not checked, as AWS ignores them.
func TestValidateIgnoredFields(t *testing.T) {
	rules := []Rule{
		{Number: 1, Action: Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: -7, ToPort: 99999, ICMPType: 300, ICMPCode: -9},
		{Number: 2, Action: Allow, Protocol: 47, CIDR: netip.MustParsePrefix("10.0.0.0/8"), FromPort: 80, ToPort: 1},
		{Number: 3, Action: Allow, Protocol: flow.Protocol(flow.TCP), CIDR: netip.MustParsePrefix("10.0.0.0/8"), FromPort: 80, ToPort: 80, ICMPType: -1, ICMPCode: 7},
		{Number: 4, Action: Deny, Protocol: flow.Protocol(flow.ICMPv6), CIDR: netip.MustParsePrefix("10.0.0.0/8"), ICMPType: -1, ICMPCode: 3},
	}
	a := ACL{ID: "acl-x", Ingress: rules}
	assert.NoError(t, a.Validate())
}

// TestCompileInvalidKeepsPrevious shows the reload pattern: a failed
// Compile returns nil, so the caller keeps the ACL it already has.
func TestCompileInvalidKeepsPrevious(t *testing.T) {
	good := ACL{ID: "acl-web", Ingress: mustRules(t, "100 allow tcp 80 0.0.0.0/0")}
	cur := mustCompile(t, good)

	edited := good
	edited.Ingress = append(mustRules(t, "100 allow tcp 80 0.0.0.0/0"), Rule{Number: 32767, Action: Deny, Protocol: -1, CIDR: netip.MustParsePrefix("0.0.0.0/0")})
	next, err := Compile(edited)
	require.EqualError(t, err, "nacl acl-web ingress rule_no 32767: must be 1..32766")
	require.Nil(t, next)
	if next != nil {
		cur = next
	}
	p := tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN)
	assert.EqualValues(t, 100, evalc(cur, &p, flow.Ingress).RuleNumber)
}

// TestCompileCanonical checks what Compile does to the rules: sorted by
// number (NACL-14), CIDRs with host bits cleared (NACL-5), the input
// untouched, and Rules returning a copy.
func TestCompileCanonical(t *testing.T) {
	in := mustRules(t, "120 allow tcp 1024-65535 0.0.0.0/0", "90 deny -1 198.51.100.66/24", "100 allow tcp 80 2001:db8::1/32")
	a := ACL{ID: "acl-web", Ingress: in}
	c := mustCompile(t, a)
	assert.Equal(t, "acl-web", c.ID())
	assert.Equal(t, mustRules(t, "90 deny -1 198.51.100.0/24", "100 allow tcp 80 2001:db8::/32", "120 allow tcp 1024-65535 0.0.0.0/0"), c.Rules(flow.Ingress))
	assert.Empty(t, c.Rules(flow.Egress))
	assert.Equal(t, "198.51.100.66/24", in[1].CIDR.String(), "input not modified")

	rs := c.Rules(flow.Ingress)
	rs[0].Action = Allow
	assert.Equal(t, Deny, c.Rules(flow.Ingress)[0].Action, "Rules returns a copy")

	got := c.ACL()
	assert.Equal(t, "acl-web", got.ID)
	assert.Equal(t, c.Rules(flow.Ingress), got.Ingress)

	// The decision shows the canonical CIDR, as AWS would.
	p := tcp("198.51.100.66:1", "10.0.1.10:80", flow.SYN)
	assert.Equal(t, "90 deny -1 198.51.100.0/24", ruleText(c, evalc(c, &p, flow.Ingress)))
}

// TestWarnings checks NACL-32 (quota of 20 rules per direction and family,
// counting the `*` rule; at most 40) and NACL-5 (host bits accepted as
// the network).
func TestWarnings(t *testing.T) {
	numbered := func(n int, cidr string) []Rule {
		rs := make([]Rule, n)
		for i := range rs {
			rs[i] = mustRule(t, fmt.Sprintf("%d allow tcp %d %s", i+1, i+1, cidr))
		}
		return rs
	}

	// 19 numbered + * = 20: within the default quota.
	a := ACL{ID: "acl-q", Ingress: numbered(19, "0.0.0.0/0")}
	assert.Empty(t, a.Warnings())

	// 20 numbered + * = 21: over the default quota.
	a.Ingress = numbered(20, "0.0.0.0/0")
	assert.Equal(t, []Warning{{Direction: flow.Ingress, Index: -1,
		Msg: "nacl acl-q ingress: 21 IPv4 rules counting the * rule, over AWS's default quota of 20 per direction and family; it can be raised to 40 (NACL-32)"},
	}, a.Warnings())

	// Families count apart: 19 IPv4 + 19 IPv6 is fine.
	a.Ingress = append(numbered(19, "0.0.0.0/0"), numbered(19, "::/0")...)
	for i := range 19 {
		a.Ingress[19+i].Number += 100
	}
	require.NoError(t, a.Validate())
	assert.Empty(t, a.Warnings())

	// 40 numbered IPv6 egress + * = 41: over the maximum.
	a = ACL{ID: "acl-q", Egress: numbered(40, "::/0")}
	assert.Equal(t, []Warning{{Direction: flow.Egress, Index: -1,
		Msg: "nacl acl-q egress: 41 IPv6 rules counting the * rule, over AWS's maximum quota of 40 per direction and family (NACL-32)"},
	}, a.Warnings())

	// Host bits: accepted as the network, with a warning.
	// Index is the rule's place in the list as given, not its number.
	a = ACL{ID: "acl-web",
		Ingress: mustRules(t, "110 allow -1 10.0.0.0/24", "100 allow -1 10.0.0.1/24"),
		Egress:  mustRules(t, "100 allow -1 2001:db8::1/64"),
	}
	require.NoError(t, a.Validate())
	assert.Equal(t, []Warning{
		{Direction: flow.Ingress, Index: 1, Msg: "nacl acl-web ingress rule 100: cidr_block 10.0.0.1/24 has host bits set; accepted as 10.0.0.0/24, as AWS does (NACL-5)"},
		{Direction: flow.Egress, Index: 0, Msg: "nacl acl-web egress rule 100: ipv6_cidr_block 2001:db8::1/64 has host bits set; accepted as 2001:db8::/64, as AWS does (NACL-5)"},
	}, a.Warnings())

	// The default ACL draws no warning.
	d := Default("acl-default")
	assert.Empty(t, d.Warnings())
}
