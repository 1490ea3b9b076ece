package nacl

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// t0 is the simulated time tests pass; a NACL never looks at it.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// mustRule parses a rule literal of a test.
func mustRule(t testing.TB, s string) Rule {
	t.Helper()
	r, err := ParseRule(s)
	require.NoError(t, err)
	return r
}

// mustRules parses rule literals of a test.
func mustRules(t testing.TB, ss ...string) []Rule {
	t.Helper()
	rs := make([]Rule, len(ss))
	for i, s := range ss {
		rs[i] = mustRule(t, s)
	}
	return rs
}

// mustCompile compiles an ACL that a test expects to be valid.
func mustCompile(t testing.TB, a ACL) *Compiled {
	t.Helper()
	c, err := Compile(a)
	require.NoError(t, err)
	require.NotNil(t, c)
	return c
}

// tcp builds a TCP packet from "addr:port" strings (IPv6 as "[addr]:port").
func tcp(src, dst string, flags flow.TCPFlags) flow.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return flow.Packet{Proto: flow.TCP, Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port(), Flags: flags}
}

// udp builds a UDP packet from "addr:port" strings.
func udp(src, dst string) flow.Packet {
	p := tcp(src, dst, 0)
	p.Proto = flow.UDP
	return p
}

// icmp builds an ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses) packet.
func icmp(src, dst string, typ, code uint8) flow.Packet {
	s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	proto := flow.ICMP
	if s.Is6() {
		proto = flow.ICMPv6
	}
	return flow.Packet{Proto: proto, Src: s, Dst: d, ICMPType: typ, ICMPCode: code}
}

// ipPacket builds a packet of any protocol with no ports or ICMP fields.
func ipPacket(proto flow.Proto, src, dst string) flow.Packet {
	return flow.Packet{Proto: proto, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst)}
}

// evalc evaluates p with the compiled ACL and returns the decision.
func evalc(c *Compiled, p *flow.Packet, dir flow.Direction) flow.Decision {
	var d flow.Decision
	c.Evaluate(p, dir, &d)
	return d
}

// ruleText is the text Describe gives the deciding rule of d.
func ruleText(c *Compiled, d flow.Decision) string {
	var x flow.Detail
	c.Describe(&d, &x)
	return x.RuleText
}

// decide evaluates p with the compiled ACL and with the golden model,
// requires that they agree, and returns the decision in words.
func decide(t testing.TB, a ACL, p flow.Packet, dir flow.Direction) seen {
	t.Helper()
	c := mustCompile(t, a)
	got := evalc(c, &p, dir)
	want := Reference(&a, &p, dir)
	require.Equal(t, want, got, "compiled and golden disagree on %s (%s)", p.Key(), dir)
	return see(c, got)
}

// seen is a decision together with the words Describe gives it, as the
// tests compare them.
type seen struct {
	Verdict    flow.Verdict
	Stage      flow.StageKind
	Direction  flow.Direction
	Reason     flow.Reason
	ACL        string
	RuleNumber int
	RuleText   string
}

// see puts d, a decision of c, into words.
func see(c *Compiled, d flow.Decision) seen {
	var x flow.Detail
	c.Describe(&d, &x)
	return seen{Verdict: d.Verdict, Stage: d.Stage, Direction: d.Direction, Reason: d.Reason,
		ACL: x.ACL, RuleNumber: int(d.RuleNumber), RuleText: x.RuleText}
}

// ruleHit is what a numbered rule's decision reads.
func ruleHit(acl string, dir flow.Direction, v flow.Verdict, number int, text string) seen {
	return seen{
		Verdict: v, Stage: flow.StageNACL, Direction: dir, Reason: flow.ReasonRule,
		ACL: acl, RuleNumber: number, RuleText: text,
	}
}

// starDrop is what the `*` rule's decision reads.
func starDrop(acl string, dir flow.Direction, v6 bool) seen {
	d := seen{
		Verdict: flow.Drop, Stage: flow.StageNACL, Direction: dir, Reason: flow.ReasonDefaultDeny,
		ACL: acl, RuleNumber: flow.DefaultRuleV4, RuleText: "* deny all 0.0.0.0/0",
	}
	if v6 {
		d.RuleNumber, d.RuleText = flow.DefaultRuleV6, "* deny all ::/0"
	}
	return d
}
