package nacl

import (
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestAction checks NACL-4's two actions as text: String, ParseAction
// (case-insensitive) and the text marshalling round trip.
func TestAction(t *testing.T) {
	assert.Equal(t, "allow", Allow.String())
	assert.Equal(t, "deny", Deny.String())
	assert.Equal(t, "action(0)", Action(0).String())
	assert.False(t, Action(0).Valid())

	for in, want := range map[string]Action{"allow": Allow, "ALLOW": Allow, " Deny ": Deny, "deny": Deny} {
		got, err := ParseAction(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "accept", "drop", "reject", "-1"} {
		_, err := ParseAction(in)
		assert.Error(t, err, in)
	}
	_, err := ParseAction("drop")
	assert.EqualError(t, err, `nacl: unknown action "drop": want allow or deny`)

	for _, a := range []Action{Allow, Deny} {
		b, err := a.MarshalText()
		require.NoError(t, err)
		var back Action
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, a, back)
	}
	_, err = Action(3).MarshalText()
	assert.Error(t, err)
}

// TestRuleString checks the one-line form of a rule: ports only for TCP
// and UDP, "type T code C" only where ICMP fields count (NACL-11), a
// single port without a range, unnamed protocols as numbers.
func TestRuleString(t *testing.T) {
	v4 := netip.MustParsePrefix("0.0.0.0/0")
	v6 := netip.MustParsePrefix("::/0")
	tests := []struct {
		rule Rule
		want string
	}{
		{Rule{Number: 100, Action: Allow, Protocol: 6, CIDR: v4, FromPort: 80, ToPort: 80}, "100 allow tcp 80 0.0.0.0/0"},
		{Rule{Number: 120, Action: Allow, Protocol: 6, CIDR: v4, FromPort: 1024, ToPort: 65535}, "120 allow tcp 1024-65535 0.0.0.0/0"},
		{Rule{Number: 90, Action: Deny, Protocol: -1, CIDR: netip.MustParsePrefix("198.51.100.66/32"), FromPort: 1, ToPort: 2}, "90 deny -1 198.51.100.66/32"},
		{Rule{Number: 100, Action: Allow, Protocol: 1, CIDR: v4, ICMPType: -1, ICMPCode: -1}, "100 allow icmp type -1 code -1 0.0.0.0/0"},
		{Rule{Number: 105, Action: Allow, Protocol: 58, CIDR: v6, ICMPType: 128, ICMPCode: -1}, "105 allow icmpv6 type 128 code -1 ::/0"},
		{Rule{Number: 106, Action: Allow, Protocol: 58, CIDR: v4, ICMPType: 128, ICMPCode: -1}, "106 allow icmpv6 0.0.0.0/0"},
		{Rule{Number: 110, Action: Deny, Protocol: 17, CIDR: v6, FromPort: 53, ToPort: 53}, "110 deny udp 53 ::/0"},
		{Rule{Number: 130, Action: Allow, Protocol: 47, CIDR: netip.MustParsePrefix("10.0.0.0/8")}, "130 allow gre 10.0.0.0/8"},
		{Rule{Number: 140, Action: Deny, Protocol: 253, CIDR: netip.MustParsePrefix("10.0.0.0/8")}, "140 deny 253 10.0.0.0/8"},
		{Rule{Number: 150, Action: Allow, Protocol: 6, CIDR: netip.MustParsePrefix("10.0.0.1/24"), FromPort: 22, ToPort: 22}, "150 allow tcp 22 10.0.0.1/24"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.rule.String())
	}
}

// TestParseRule checks the text syntax read back, with the aliases AWS
// and Terraform use (all, names or numbers), and its error messages.
func TestParseRule(t *testing.T) {
	ok := []struct {
		in   string
		want Rule
	}{
		{"100 allow tcp 80 0.0.0.0/0", Rule{Number: 100, Action: Allow, Protocol: 6, CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: 80, ToPort: 80}},
		{"  120  ALLOW 6 1024-65535 0.0.0.0/0 ", Rule{Number: 120, Action: Allow, Protocol: 6, CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: 1024, ToPort: 65535}},
		{"90 deny all 198.51.100.66/32", Rule{Number: 90, Action: Deny, Protocol: -1, CIDR: netip.MustParsePrefix("198.51.100.66/32")}},
		{"100 allow 1 type 3 code 4 10.0.0.0/8", Rule{Number: 100, Action: Allow, Protocol: 1, CIDR: netip.MustParsePrefix("10.0.0.0/8"), ICMPType: 3, ICMPCode: 4}},
		{"100 allow icmpv6 type -1 code -1 ::/0", Rule{Number: 100, Action: Allow, Protocol: 58, CIDR: netip.MustParsePrefix("::/0"), ICMPType: -1, ICMPCode: -1}},
		{"100 allow ipv6-icmp 0.0.0.0/0", Rule{Number: 100, Action: Allow, Protocol: 58, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
	}
	for _, tt := range ok {
		got, err := ParseRule(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}

	bad := []struct{ in, msg string }{
		{"100 allow tcp", `nacl: rule "100 allow tcp": want NUMBER ACTION PROTOCOL [PORTS | type T code C] CIDR`},
		{"x allow -1 0.0.0.0/0", `nacl: rule "x allow -1 0.0.0.0/0": rule_no "x": not a number`},
		{"100 accept -1 0.0.0.0/0", `nacl: rule "100 accept -1 0.0.0.0/0": action "accept": want allow or deny`},
		{"100 allow bogus 0.0.0.0/0", `nacl: rule "100 allow bogus 0.0.0.0/0": protocol "bogus": want -1/all, a name such as tcp, udp, icmp, icmpv6, gre, or a number 0..255`},
		{"100 allow -1 10.0.0.0", `nacl: rule "100 allow -1 10.0.0.0": cidr "10.0.0.0": want a prefix such as 10.0.0.0/16 or 2001:db8::/32`},
		{"100 allow tcp 0.0.0.0/0", `nacl: rule "100 allow tcp 0.0.0.0/0": tcp needs one port or port range, such as 80 or 1024-65535`},
		{"100 allow tcp 80 81 0.0.0.0/0", `nacl: rule "100 allow tcp 80 81 0.0.0.0/0": tcp needs one port or port range, such as 80 or 1024-65535`},
		{"100 allow tcp http 0.0.0.0/0", `nacl: rule "100 allow tcp http 0.0.0.0/0": from_port "http": not a number`},
		{"100 allow tcp 80- 0.0.0.0/0", `nacl: rule "100 allow tcp 80- 0.0.0.0/0": to_port "": not a number`},
		{"100 allow icmp 8 0.0.0.0/0", `nacl: rule "100 allow icmp 8 0.0.0.0/0": icmp needs "type T code C" (-1 = any)`},
		{"100 allow icmpv6 ::/0", `nacl: rule "100 allow icmpv6 ::/0": icmpv6 with an IPv6 CIDR needs "type T code C" (-1 = any)`},
		{"100 allow icmp type x code 0 0.0.0.0/0", `nacl: rule "100 allow icmp type x code 0 0.0.0.0/0": icmp_type "x": not a number`},
		{"100 allow icmp type 0 code x 0.0.0.0/0", `nacl: rule "100 allow icmp type 0 code x 0.0.0.0/0": icmp_code "x": not a number`},
		{"100 allow -1 80 0.0.0.0/0", `nacl: rule "100 allow -1 80 0.0.0.0/0": protocol -1 takes no ports or ICMP type and code: AWS ignores them (NACL-11)`},
		{"100 allow icmpv6 type 128 code 0 0.0.0.0/0", `nacl: rule "100 allow icmpv6 type 128 code 0 0.0.0.0/0": protocol icmpv6 takes no ports or ICMP type and code: AWS ignores them (NACL-11)`},
		// Range checks are those of Validate.
		{"32767 deny -1 0.0.0.0/0", `nacl: rule "32767 deny -1 0.0.0.0/0": rule_no 32767: must be 1..32766`},
		{"100 allow tcp 70000 0.0.0.0/0", "nacl: rule \"100 allow tcp 70000 0.0.0.0/0\": from_port 70000: must be 0..65535\nnacl: rule \"100 allow tcp 70000 0.0.0.0/0\": to_port 70000: must be 0..65535"},
		{"100 allow udp 9-8 0.0.0.0/0", `nacl: rule "100 allow udp 9-8 0.0.0.0/0": to_port 8: must not be below from_port 9`},
		{"100 allow icmp type -1 code 0 0.0.0.0/0", `nacl: rule "100 allow icmp type -1 code 0 0.0.0.0/0": icmp_code 0: must be -1 when icmp_type is -1 (any type means any code)`},
	}
	for _, tt := range bad {
		_, err := ParseRule(tt.in)
		assert.EqualError(t, err, tt.msg, tt.in)
	}
}

// TestRuleText checks MarshalText/UnmarshalText, e.g. inside JSON, and
// that an invalid rule cannot be written.
func TestRuleText(t *testing.T) {
	rs := mustRules(t, "100 allow tcp 80 0.0.0.0/0", "110 deny icmpv6 type 128 code -1 2001:db8::/32")
	b, err := json.Marshal(rs)
	require.NoError(t, err)
	assert.JSONEq(t, `["100 allow tcp 80 0.0.0.0/0", "110 deny icmpv6 type 128 code -1 2001:db8::/32"]`, string(b))
	var back []Rule
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, rs, back)

	_, err = Rule{Number: 0, Action: Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("::/0")}.MarshalText()
	assert.EqualError(t, err, `nacl: cannot marshal rule "0 allow -1 ::/0": rule_no 0: must be 1..32766`)
	assert.Error(t, json.Unmarshal([]byte(`["100 allow tcp 0.0.0.0/0"]`), &back))
}
