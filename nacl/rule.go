package nacl

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
)

// Action is what a rule does with a packet it matches: allow it or deny it
// (NACL-4). The zero Action is not valid.
type Action uint8

// The two actions, as AWS writes them (RuleAction "allow" / "deny").
const (
	Allow Action = iota + 1
	Deny
)

// String returns "allow", "deny", or "action(N)" for an invalid value.
func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Valid reports whether a is Allow or Deny.
func (a Action) Valid() bool { return a == Allow || a == Deny }

// ParseAction reads "allow" or "deny"; case and surrounding spaces do not
// matter.
func ParseAction(s string) (Action, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	}
	return 0, fmt.Errorf("nacl: unknown action %q: want allow or deny", s)
}

// MarshalText implements [encoding.TextMarshaler]. The zero Action and
// other invalid values are an error.
func (a Action) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("nacl: cannot marshal invalid action %d", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] using [ParseAction].
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Rule is one numbered entry of a network ACL, in one direction. It is
// plain data with the fields of AWS's NetworkAclEntry (Terraform's names
// in brackets); build it by hand or from any input format, then check it
// with [ACL.Validate] or [Compile].
type Rule struct {
	// Number orders the rules of one direction: lowest first, whatever
	// the order of the slice (NACL-14). 1..32766, unique per direction;
	// 32767 and up are reserved, the `*` rules among them (NACL-1)
	// [rule_no].
	Number int
	// Action is Allow or Deny (NACL-4) [action].
	Action Action
	// Protocol is an IANA protocol number 0..255, or [flow.AnyProtocol]
	// (-1), which matches every protocol and with it every port and ICMP
	// type (NACL-3, NACL-10) [protocol].
	Protocol flow.Protocol
	// CIDR is the peer prefix: IPv4 ([cidr_block]) or IPv6
	// ([ipv6_cidr_block]), never both (NACL-5). An ingress rule matches
	// the packet's source address, an egress rule its destination
	// (NACL-9). A rule of one family never matches a packet of the other
	// (NACL-8). Host bits may be set; [Compile] clears them, as AWS does.
	CIDR netip.Prefix
	// FromPort and ToPort are an inclusive range of the packet's
	// DESTINATION port, in both directions (NACL-6) [from_port, to_port].
	// Consulted only when Protocol is TCP (6) or UDP (17), see
	// [Rule.HasPorts]; ignored (and not checked) otherwise (NACL-11).
	FromPort, ToPort int
	// ICMPType and ICMPCode select ICMP messages; -1 means any type or
	// any code of the type (NACL-7) [icmp_type, icmp_code]. A type of -1
	// needs a code of -1. Consulted only for ICMP (1), and for ICMPv6
	// (58) with an IPv6 CIDR, see [Rule.HasICMP]; ignored (and not
	// checked) otherwise (NACL-11).
	ICMPType, ICMPCode int
}

// Is6 reports whether the rule's CIDR is an IPv6 prefix.
func (r Rule) Is6() bool { return r.CIDR.Addr().Is6() }

// HasPorts reports whether the port range is part of the match: the
// protocol is TCP or UDP (NACL-11).
func (r Rule) HasPorts() bool {
	return r.Protocol == flow.Protocol(flow.TCP) || r.Protocol == flow.Protocol(flow.UDP)
}

// HasICMP reports whether the ICMP type and code are part of the match:
// the protocol is ICMP (1), or ICMPv6 (58) with an IPv6 CIDR (NACL-11).
//
// AWS documents that a rule for protocol 58 (ICMPv6) with an IPv4 CIDR
// block covers every ICMP type and code, whichever ones the rule gives. Since an IPv4 rule never matches an IPv6 packet (NACL-8)
// and ICMPv6 travels only in IPv6, such a rule matches nothing at all in
// practice; pfsim keeps the documented meaning anyway.
func (r Rule) HasICMP() bool {
	return r.Protocol == flow.Protocol(flow.ICMP) ||
		(r.Protocol == flow.Protocol(flow.ICMPv6) && r.Is6())
}

// String renders the rule on one line, the fields in the order of the AWS
// console: number, action, protocol, then the port range (TCP and UDP
// only) or "type T code C" (when ICMP fields count, [Rule.HasICMP]), then
// the CIDR:
//
//	100 allow tcp 80 0.0.0.0/0
//	120 allow tcp 1024-65535 0.0.0.0/0
//	90 deny -1 198.51.100.66/32
//	100 allow icmp type -1 code -1 0.0.0.0/0
//	130 allow gre 10.0.0.0/8
//	140 deny 253 10.0.0.0/8          (a protocol without a name prints as its number)
//
// Fields the protocol ignores are not printed (NACL-11). [ParseRule] reads
// the same syntax back.
func (r Rule) String() string {
	b := make([]byte, 0, 48)
	b = strconv.AppendInt(b, int64(r.Number), 10)
	b = append(b, ' ')
	b = append(b, r.Action.String()...)
	b = append(b, ' ')
	b = append(b, protocolText(r.Protocol)...)
	switch {
	case r.HasPorts():
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(r.FromPort), 10)
		if r.ToPort != r.FromPort {
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(r.ToPort), 10)
		}
	case r.HasICMP():
		b = append(b, " type "...)
		b = strconv.AppendInt(b, int64(r.ICMPType), 10)
		b = append(b, " code "...)
		b = strconv.AppendInt(b, int64(r.ICMPCode), 10)
	}
	b = append(b, ' ')
	b = append(b, r.CIDR.String()...)
	return string(b)
}

// protocolText is the protocol as a rule prints it: "-1", an IANA keyword,
// or the bare number when flow knows no keyword (so that the text stays
// one token that ParseRule reads back).
func protocolText(p flow.Protocol) string {
	if n, ok := p.Proto(); ok {
		s := n.String()
		if strings.HasPrefix(s, "proto ") {
			return strconv.Itoa(int(n))
		}
		return s
	}
	return p.String()
}

// ParseRule reads a rule in the syntax [Rule.String] prints:
//
//	NUMBER ACTION PROTOCOL [PORTS | type T code C] CIDR
//
// PROTOCOL is "-1", "all", a keyword ("tcp", "icmpv6", "gre") or a number.
// PORTS ("80" or "1024-65535") is required for TCP and UDP and refused for
// other protocols; "type T code C" is required exactly when
// [Rule.HasICMP] holds and refused otherwise. The rule is also checked as
// [ACL.Validate] checks one rule (number range, ports, ICMP values), so a
// rule ParseRule returns is valid on its own.
//
// For every rule whose ignored fields (NACL-11) are zero,
// ParseRule(r.String()) returns r.
func ParseRule(s string) (Rule, error) {
	fail := func(format string, args ...any) (Rule, error) {
		return Rule{}, fmt.Errorf("nacl: rule %q: "+format, append([]any{s}, args...)...)
	}
	f := strings.Fields(s)
	if len(f) < 4 {
		return fail("want NUMBER ACTION PROTOCOL [PORTS | type T code C] CIDR")
	}
	var r Rule
	var err error
	if r.Number, err = strconv.Atoi(f[0]); err != nil {
		return fail("rule_no %q: not a number", f[0])
	}
	if r.Action, err = ParseAction(f[1]); err != nil {
		return fail("action %q: want allow or deny", f[1])
	}
	if r.Protocol, err = flow.ParseProtocol(f[2]); err != nil {
		return fail("protocol %q: want -1/all, a name such as tcp, udp, icmp, icmpv6, gre, or a number 0..255", f[2])
	}
	if r.CIDR, err = netip.ParsePrefix(f[len(f)-1]); err != nil {
		return fail("cidr %q: want a prefix such as 10.0.0.0/16 or 2001:db8::/32", f[len(f)-1])
	}
	mid := f[3 : len(f)-1]
	switch {
	case r.HasPorts():
		if len(mid) != 1 {
			return fail("%s needs one port or port range, such as 80 or 1024-65535", protocolText(r.Protocol))
		}
		from, to, ok := strings.Cut(mid[0], "-")
		if !ok {
			to = from
		}
		if r.FromPort, err = strconv.Atoi(from); err != nil {
			return fail("from_port %q: not a number", from)
		}
		if r.ToPort, err = strconv.Atoi(to); err != nil {
			return fail("to_port %q: not a number", to)
		}
	case r.HasICMP():
		if len(mid) != 4 || !strings.EqualFold(mid[0], "type") || !strings.EqualFold(mid[2], "code") {
			what := "icmp"
			if r.Protocol == flow.Protocol(flow.ICMPv6) {
				what = "icmpv6 with an IPv6 CIDR"
			}
			return fail("%s needs \"type T code C\" (-1 = any)", what)
		}
		if r.ICMPType, err = strconv.Atoi(mid[1]); err != nil {
			return fail("icmp_type %q: not a number", mid[1])
		}
		if r.ICMPCode, err = strconv.Atoi(mid[3]); err != nil {
			return fail("icmp_code %q: not a number", mid[3])
		}
	default:
		if len(mid) != 0 {
			return fail("protocol %s takes no ports or ICMP type and code: AWS ignores them (NACL-11)", protocolText(r.Protocol))
		}
	}
	if probs := checkRule(&r); len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, p := range probs {
			errs[i] = fmt.Errorf("nacl: rule %q: %s", s, p.text())
		}
		return Rule{}, errors.Join(errs...)
	}
	return r, nil
}

// MarshalText implements [encoding.TextMarshaler] with the syntax of
// [Rule.String]. An invalid rule is an error, so that what is written can
// always be read back.
func (r Rule) MarshalText() ([]byte, error) {
	if probs := checkRule(&r); len(probs) > 0 {
		return nil, fmt.Errorf("nacl: cannot marshal rule %q: %s", r.String(), probs[0].text())
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] using [ParseRule].
func (r *Rule) UnmarshalText(b []byte) error {
	v, err := ParseRule(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
