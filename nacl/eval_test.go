package nacl

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestMatchOneRule checks the match conditions of NACL-8..13 one at a
// time: an ACL with a single allow rule either allows the packet by that
// rule or lets it fall to the `*` rule.
func TestMatchOneRule(t *testing.T) {
	const (
		client  = "198.51.100.7:50000"
		server  = "10.0.1.10:80"
		client6 = "[2001:db8:c::7]:50000"
		server6 = "[2001:db8:1::10]:80"
	)
	tests := []struct {
		name  string
		rule  string
		edit  func(*Rule) // sets fields the text syntax cannot (ignored ones)
		dir   flow.Direction
		pkt   flow.Packet
		match bool
	}{
		// NACL-8: a rule matches only packets of its own address family.
		{"NACL-8 v4 rule, v4 packet", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, tcp(client, server, flow.SYN), true},
		{"NACL-8 v4 rule, v6 packet", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, tcp(client6, server6, flow.SYN), false},
		{"NACL-8 v6 rule, v4 packet", "100 allow -1 ::/0", nil, flow.Ingress, tcp(client, server, flow.SYN), false},
		{"NACL-8 v6 rule, v6 packet", "100 allow -1 ::/0", nil, flow.Egress, tcp(server6, client6, flow.SYN|flow.ACK), true},
		{"NACL-8 v4-mapped v6 rule, v4 packet", "100 allow -1 ::ffff:0:0/96", nil, flow.Ingress, tcp(client, server, flow.SYN), false},

		// NACL-9: ingress rules look at the source, egress rules at the destination.
		{"NACL-9 ingress, source inside", "100 allow -1 198.51.100.0/24", nil, flow.Ingress, tcp(client, server, flow.SYN), true},
		{"NACL-9 ingress, only destination inside", "100 allow -1 10.0.1.0/24", nil, flow.Ingress, tcp(client, server, flow.SYN), false},
		{"NACL-9 egress, destination inside", "100 allow -1 198.51.100.0/24", nil, flow.Egress, tcp(server, client, flow.SYN|flow.ACK), true},
		{"NACL-9 egress, only source inside", "100 allow -1 10.0.1.0/24", nil, flow.Egress, tcp(server, client, flow.SYN|flow.ACK), false},
		{"NACL-9 /32 hit", "100 allow -1 198.51.100.7/32", nil, flow.Ingress, tcp(client, server, flow.SYN), true},
		{"NACL-9 /32 neighbour", "100 allow -1 198.51.100.8/32", nil, flow.Ingress, tcp(client, server, flow.SYN), false},
		{"NACL-9 v6 /64 hit", "100 allow -1 2001:db8:c::/64", nil, flow.Ingress, tcp(client6, server6, flow.SYN), true},
		{"NACL-9 v6 /127 miss in low half", "100 allow -1 2001:db8:c::4/127", nil, flow.Ingress, tcp(client6, server6, flow.SYN), false},

		// NACL-10: -1 matches every protocol; a number matches only itself.
		{"NACL-10 -1 matches tcp", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, tcp(client, server, 0), true},
		{"NACL-10 -1 matches udp", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, udp(client, "10.0.1.10:53"), true},
		{"NACL-10 -1 matches icmp", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 8, 0), true},
		{"NACL-10 -1 matches gre", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, ipPacket(47, "198.51.100.7", "10.0.1.10"), true},
		{"NACL-10 -1 matches protocol 0", "100 allow -1 0.0.0.0/0", nil, flow.Ingress, ipPacket(0, "198.51.100.7", "10.0.1.10"), true},
		{"NACL-10 tcp rule, udp packet", "100 allow tcp 0-65535 0.0.0.0/0", nil, flow.Ingress, udp(client, server), false},
		{"NACL-10 udp rule, tcp packet", "100 allow udp 0-65535 0.0.0.0/0", nil, flow.Ingress, tcp(client, server, flow.SYN), false},
		{"NACL-10 gre rule, gre packet", "100 allow gre 0.0.0.0/0", nil, flow.Ingress, ipPacket(47, "198.51.100.7", "10.0.1.10"), true},
		{"NACL-10 gre rule, esp packet", "100 allow gre 0.0.0.0/0", nil, flow.Ingress, ipPacket(50, "198.51.100.7", "10.0.1.10"), false},
		{"NACL-10 icmp rule, icmpv6 packet", "100 allow icmp type -1 code -1 ::/0", nil, flow.Ingress, icmp("2001:db8:c::7", "2001:db8:1::10", 128, 0), false},

		// NACL-11: ports and ICMP fields count only for 6, 17, 1 and 58 with an IPv6 CIDR.
		{"NACL-11 -1 ignores ports", "100 allow -1 0.0.0.0/0", func(r *Rule) { r.FromPort, r.ToPort = 22, 22 }, flow.Ingress, tcp(client, server, flow.SYN), true},
		{"NACL-11 -1 ignores icmp fields", "100 allow -1 0.0.0.0/0", func(r *Rule) { r.ICMPType, r.ICMPCode = 0, 0 }, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 8, 0), true},
		{"NACL-11 gre ignores ports", "100 allow gre 0.0.0.0/0", func(r *Rule) { r.FromPort, r.ToPort = 80, 80 }, flow.Ingress, ipPacket(47, "198.51.100.7", "10.0.1.10"), true},
		{"NACL-11 icmpv6 with v6 CIDR consults type", "100 allow icmpv6 type 128 code -1 ::/0", nil, flow.Ingress, icmp("2001:db8:c::7", "2001:db8:1::10", 129, 0), false},
		// An ICMPv6 rule with an IPv4 CIDR ignores type and code, but it
		// can only meet an IPv4 packet (NACL-8) carrying protocol 58,
		// which real traffic never does: in practice it matches nothing.
		{"NACL-11 icmpv6 with v4 CIDR ignores type", "100 allow icmpv6 0.0.0.0/0", func(r *Rule) { r.ICMPType, r.ICMPCode = 128, 0 },
			flow.Ingress, flow.Packet{Proto: flow.ICMPv6, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"), ICMPType: 3}, true},
		{"NACL-11 icmpv6 with v4 CIDR never meets an IPv6 packet", "100 allow icmpv6 0.0.0.0/0", nil, flow.Ingress, icmp("2001:db8:c::7", "2001:db8:1::10", 128, 0), false},
		{"NACL-11 icmp with v6 CIDR consults type", "100 allow icmp type 8 code -1 ::/0", nil, flow.Ingress,
			flow.Packet{Proto: flow.ICMP, Src: netip.MustParseAddr("2001:db8:c::7"), Dst: netip.MustParseAddr("2001:db8:1::10"), ICMPType: 0}, false},

		// NACL-12: the DESTINATION port lies in From..To, in both directions.
		{"NACL-12 tcp 80, dst 80", "100 allow tcp 80 0.0.0.0/0", nil, flow.Ingress, tcp(client, server, flow.SYN), true},
		{"NACL-12 tcp 80, dst 81", "100 allow tcp 80 0.0.0.0/0", nil, flow.Ingress, tcp(client, "10.0.1.10:81", flow.SYN), false},
		{"NACL-12 tcp 80 egress, reply from port 80", "100 allow tcp 80 0.0.0.0/0", nil, flow.Egress, tcp(server, client, flow.SYN|flow.ACK), false},
		{"NACL-12 tcp 1024-65535, dst 1024", "100 allow tcp 1024-65535 0.0.0.0/0", nil, flow.Egress, tcp(server, "198.51.100.7:1024", flow.ACK), true},
		{"NACL-12 tcp 1024-65535, dst 1023", "100 allow tcp 1024-65535 0.0.0.0/0", nil, flow.Egress, tcp(server, "198.51.100.7:1023", flow.ACK), false},
		{"NACL-12 tcp 1024-65535, dst 65535", "100 allow tcp 1024-65535 0.0.0.0/0", nil, flow.Egress, tcp(server, "198.51.100.7:65535", flow.ACK), true},
		{"NACL-12 tcp 0-0, dst 0", "100 allow tcp 0 0.0.0.0/0", nil, flow.Ingress, tcp(client, "10.0.1.10:0", 0), true},
		{"NACL-12 udp 53", "100 allow udp 53 0.0.0.0/0", nil, flow.Ingress, udp(client, "10.0.1.10:53"), true},
		{"NACL-12 udp 53, dst 54", "100 allow udp 53 0.0.0.0/0", nil, flow.Ingress, udp(client, "10.0.1.10:54"), false},
		{"NACL-12 icmp any", "100 allow icmp type -1 code -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 11, 1), true},
		{"NACL-12 icmp type 8, any code", "100 allow icmp type 8 code -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 8, 5), true},
		{"NACL-12 icmp type 8, echo reply", "100 allow icmp type 8 code -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 0, 0), false},
		{"NACL-12 icmp type 3 code 4", "100 allow icmp type 3 code 4 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 3, 4), true},
		{"NACL-12 icmp type 3 code 4, code 1", "100 allow icmp type 3 code 4 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 3, 1), false},
		{"NACL-12 icmp type 3, any code, code 255", "100 allow icmp type 3 code -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 3, 255), true},
		{"NACL-12 icmp type 3, any code, type 4", "100 allow icmp type 3 code -1 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 4, 0), false},
		{"NACL-12 icmp type 255 code 255", "100 allow icmp type 255 code 255 0.0.0.0/0", nil, flow.Ingress, icmp("198.51.100.7", "10.0.1.10", 255, 255), true},
		{"NACL-12 icmpv6 type 128 code 0", "100 allow icmpv6 type 128 code 0 ::/0", nil, flow.Ingress, icmp("2001:db8:c::7", "2001:db8:1::10", 128, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRule(t, tt.rule)
			if tt.edit != nil {
				tt.edit(&r)
			}
			a := ACL{ID: "acl-t"}
			if tt.dir == flow.Egress {
				a.Egress = []Rule{r}
			} else {
				a.Ingress = []Rule{r}
			}
			d := decide(t, a, tt.pkt, tt.dir)
			if tt.match {
				assert.Equal(t, ruleHit("acl-t", tt.dir, flow.Allow, 100, r.String()), d)
			} else {
				peer := tt.pkt.Src
				if tt.dir == flow.Egress {
					peer = tt.pkt.Dst
				}
				assert.Equal(t, starDrop("acl-t", tt.dir, peer.Is6()), d)
			}
		})
	}
}

// TestStateless checks NACL-13 and NACL-19: TCP flags and the packets
// seen before are not inputs, so every flag combination and every repeat
// of a packet gets the same decision.
func TestStateless(t *testing.T) {
	a := ACL{ID: "acl-web", Ingress: mustRules(t, "100 allow tcp 80 0.0.0.0/0"), Egress: mustRules(t, "100 allow tcp 80 0.0.0.0/0")}
	c := mustCompile(t, a)
	for _, flags := range []flow.TCPFlags{0, flow.SYN, flow.SYN | flow.ACK, flow.ACK, flow.PSH | flow.ACK, flow.FIN | flow.ACK, flow.RST, 0xff} {
		in := tcp("198.51.100.7:50000", "10.0.1.10:80", flags)
		out := in.Reverse()
		for range 3 { // the same packet again: still judged on its own
			assert.Equal(t, flow.Allow, evalc(c, &in, flow.Ingress).Verdict, "flags %s", flags)
			assert.Equal(t, flow.Drop, evalc(c, &out, flow.Egress).Verdict, "reply, flags %s", flags)
		}
	}
}

// TestFirstMatchByNumber checks NACL-14 and NACL-17: the lowest-numbered
// matching rule decides, allow or deny, whatever the order of the list
// (NOT-4); later rules are never consulted.
func TestFirstMatchByNumber(t *testing.T) {
	p := tcp("198.51.100.66:50020", "10.0.1.10:80", flow.SYN)
	tests := []struct {
		name   string
		rules  []string
		want   flow.Verdict
		number int
	}{
		// A deny numbered before the allow wins.
		{"deny 90 before allow 100", []string{"90 deny -1 198.51.100.66/32", "100 allow -1 0.0.0.0/0"}, flow.Drop, 90},
		// The same, listed the other way round.
		{"listed allow first", []string{"100 allow -1 0.0.0.0/0", "90 deny -1 198.51.100.66/32"}, flow.Drop, 90},
		// A deny numbered after a matching allow is never reached.
		{"allow 100 before deny 110", []string{"100 allow -1 0.0.0.0/0", "110 deny -1 198.51.100.66/32"}, flow.Allow, 100},
		{"listed deny first", []string{"110 deny -1 198.51.100.66/32", "100 allow -1 0.0.0.0/0"}, flow.Allow, 100},
		// A rule that does not match is skipped, whatever its number.
		{"non-matching low rule skipped", []string{"1 deny tcp 22 0.0.0.0/0", "32766 allow tcp 80 0.0.0.0/0"}, flow.Allow, 32766},
		// A narrower allow before a wider deny.
		{"narrow allow, wide deny", []string{"200 deny -1 0.0.0.0/0", "50 allow tcp 80 198.51.100.0/24"}, flow.Allow, 50},
		// Among several matches the lowest number decides.
		{"three matches", []string{"300 allow -1 0.0.0.0/0", "20 deny tcp 0-65535 198.51.100.0/24", "10 allow tcp 80 198.51.100.66/32"}, flow.Allow, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ACL{ID: "acl-t", Ingress: mustRules(t, tt.rules...)}
			d := decide(t, a, p, flow.Ingress)
			assert.Equal(t, tt.want, d.Verdict)
			assert.Equal(t, tt.number, d.RuleNumber)
			assert.Equal(t, flow.ReasonRule, d.Reason)
		})
	}
}

// TestDefaultRule checks NACL-15 and NACL-16: a packet no numbered rule
// matches is dropped by the `*` rule of its family, numbered 32767 (IPv4)
// or 32768 (IPv6), even in an ACL that declares only IPv4 rules.
func TestDefaultRule(t *testing.T) {
	v4only := ACL{ID: "acl-v4", Ingress: mustRules(t, "100 allow -1 0.0.0.0/0"), Egress: mustRules(t, "100 allow -1 0.0.0.0/0")}
	tests := []struct {
		name string
		acl  ACL
		pkt  flow.Packet
		dir  flow.Direction
		v6   bool
	}{
		// An IPv6 packet against an IPv4-only ACL: rule * for IPv6.
		{"v6 packet, v4-only ACL, ingress", v4only, tcp("[2001:db8:c::7]:50000", "[2001:db8:1::10]:80", flow.SYN), flow.Ingress, true},
		{"v6 packet, v4-only ACL, egress", v4only, tcp("[2001:db8:1::10]:80", "[2001:db8:c::7]:50000", flow.SYN|flow.ACK), flow.Egress, true},
		// A custom ACL has no rules: everything is dropped (NACL-25).
		{"custom ACL, v4", Custom("acl-v4"), tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), flow.Ingress, false},
		{"custom ACL, v6", Custom("acl-v4"), icmp("2001:db8:1::10", "2001:db8:c::7", 128, 0), flow.Egress, true},
		// A rule of the right family that does not match.
		{"v4 miss", ACL{ID: "acl-v4", Ingress: mustRules(t, "100 allow tcp 443 0.0.0.0/0")}, tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), flow.Ingress, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, tt.acl, tt.pkt, tt.dir)
			assert.Equal(t, starDrop("acl-v4", tt.dir, tt.v6), d)
			assert.Equal(t, "*", evalc(mustCompile(t, tt.acl), &tt.pkt, tt.dir).RuleLabel())
		})
	}
	// The IPv6 `*` rule is numbered 32768 in AWS's API (NACL-15).
	d := decide(t, v4only, tcp("[2001:db8:c::7]:50000", "[2001:db8:1::10]:80", flow.SYN), flow.Ingress)
	assert.Equal(t, 32768, d.RuleNumber)
	assert.Equal(t, "* deny all ::/0", d.RuleText)
}

// TestDefaultACL checks NACL-22 and NACL-23: the default ACL allows IPv4
// (rule 100) and IPv6 (rule 101) traffic of every protocol both ways.
func TestDefaultACL(t *testing.T) {
	a := Default("acl-default")
	pkts := []struct {
		pkt flow.Packet
		v6  bool
	}{
		{tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), false},
		{udp("10.0.1.10:33333", "203.0.113.53:53"), false},
		{icmp("198.51.100.7", "10.0.1.10", 8, 0), false},
		{ipPacket(47, "10.0.1.10", "203.0.113.1"), false},
		{tcp("[2001:db8:c::7]:50000", "[2001:db8:1::10]:443", flow.SYN), true},
		{icmp("2001:db8:c::7", "2001:db8:1::10", 128, 0), true},
		{ipPacket(50, "2001:db8:c::7", "2001:db8:1::10"), true},
	}
	for _, tt := range pkts {
		for _, dir := range directions {
			d := decide(t, a, tt.pkt, dir)
			want := ruleHit("acl-default", dir, flow.Allow, 100, "100 allow -1 0.0.0.0/0")
			if tt.v6 {
				want = ruleHit("acl-default", dir, flow.Allow, 101, "101 allow -1 ::/0")
			}
			assert.Equal(t, want, d, "%s %s", tt.pkt.Key(), dir)
		}
	}
}

// TestTraceB is TRACE-B (NACL-19/20/21): a custom ACL that allows tcp/80
// in and out lets the client's SYN in but drops the server's SYN-ACK at
// the outbound `*` rule, because the reply goes to the client's ephemeral
// port. Outbound rule 110 for tcp 1024-65535 fixes it.
func TestTraceB(t *testing.T) {
	web := ACL{
		ID:      "acl-web",
		Ingress: mustRules(t, "100 allow tcp 80 0.0.0.0/0"),
		Egress:  mustRules(t, "100 allow tcp 80 0.0.0.0/0"),
	}
	syn := tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN)
	synAck := tcp("10.0.1.10:80", "198.51.100.7:50000", flow.SYN|flow.ACK)

	// B1, B3: the SYN is allowed in by inbound rule 100.
	assert.Equal(t, ruleHit("acl-web", flow.Ingress, flow.Allow, 100, "100 allow tcp 80 0.0.0.0/0"), decide(t, web, syn, flow.Ingress))
	// B2, B4: the SYN-ACK goes to port 50000; outbound 100 wants port 80; `*` drops it.
	assert.Equal(t, starDrop("acl-web", flow.Egress, false), decide(t, web, synAck, flow.Egress))

	// The fix: outbound 110 allows the ephemeral ports AWS recommends (NACL-21).
	web.Egress = append(web.Egress, mustRule(t, "110 allow tcp 1024-65535 0.0.0.0/0"))
	assert.Equal(t, ruleHit("acl-web", flow.Egress, flow.Allow, 110, "110 allow tcp 1024-65535 0.0.0.0/0"), decide(t, web, synAck, flow.Egress))
	// Outbound 100 still covers the instance's own requests to port 80.
	out := tcp("10.0.1.10:40000", "203.0.113.80:80", flow.SYN)
	assert.Equal(t, 100, decide(t, web, out, flow.Egress).RuleNumber)

	// A Linux-only range (32768-65535) would miss a client behind a NAT
	// gateway, whose ports start at 1024.
	linuxOnly := web
	linuxOnly.Egress = mustRules(t, "100 allow tcp 80 0.0.0.0/0", "110 allow tcp 32768-65535 0.0.0.0/0")
	natReply := tcp("10.0.1.10:80", "198.51.100.7:2048", flow.SYN|flow.ACK)
	assert.Equal(t, flow.Drop, decide(t, linuxOnly, natReply, flow.Egress).Verdict)
	assert.Equal(t, flow.Allow, decide(t, web, natReply, flow.Egress).Verdict)
}

// TestTraceE is TRACE-E (NACL-14, NACL-17): blocking one address works
// with a deny numbered before the allow (acl-block), not after it
// (acl-block-wrong), and the order rules are listed in changes nothing.
func TestTraceE(t *testing.T) {
	block := ACL{
		ID:      "acl-block",
		Ingress: mustRules(t, "90 deny -1 198.51.100.66/32", "100 allow -1 0.0.0.0/0"),
		Egress:  mustRules(t, "100 allow -1 0.0.0.0/0"),
	}
	wrong := ACL{
		ID:      "acl-block-wrong",
		Ingress: mustRules(t, "100 allow -1 0.0.0.0/0", "110 deny -1 198.51.100.66/32"),
		Egress:  mustRules(t, "100 allow -1 0.0.0.0/0"),
	}
	wrongReordered := wrong
	wrongReordered.Ingress = mustRules(t, "110 deny -1 198.51.100.66/32", "100 allow -1 0.0.0.0/0")

	e1 := tcp("198.51.100.66:50020", "10.0.1.10:80", flow.SYN)
	e2 := tcp("198.51.100.7:50021", "10.0.1.10:80", flow.SYN)
	e3 := tcp("198.51.100.66:50022", "10.0.1.10:80", flow.SYN)
	e4 := tcp("198.51.100.66:50022", "10.0.1.10:80", flow.PSH|flow.ACK)

	// E1: the attacker is dropped by inbound 90.
	assert.Equal(t, ruleHit("acl-block", flow.Ingress, flow.Drop, 90, "90 deny -1 198.51.100.66/32"), decide(t, block, e1, flow.Ingress))
	// E2: everyone else is allowed by 100.
	assert.Equal(t, ruleHit("acl-block", flow.Ingress, flow.Allow, 100, "100 allow -1 0.0.0.0/0"), decide(t, block, e2, flow.Ingress))
	// E3, E4: with the deny after the allow, 110 is never reached.
	for _, a := range []ACL{wrong, wrongReordered} {
		for _, p := range []flow.Packet{e3, e4} {
			assert.Equal(t, ruleHit("acl-block-wrong", flow.Ingress, flow.Allow, 100, "100 allow -1 0.0.0.0/0"), decide(t, a, p, flow.Ingress))
		}
	}
	// E6: after switching the subnet to acl-block, the next packet of the
	// open connection is dropped (NACL-28/29): nothing is remembered.
	assert.Equal(t, flow.Drop, decide(t, block, e4, flow.Ingress).Verdict)
	assert.Equal(t, 90, decide(t, block, e4, flow.Ingress).RuleNumber)
}

// TestOddInputs checks that Evaluate never panics and stays with the
// golden model on input a caller should not send: an out-of-range
// direction (read as ingress, as flow.Direction.String does), a packet
// without addresses (no rule matches; the IPv4 `*` rule drops it), a
// zoned IPv6 peer (the zone is ignored) and an IPv4-mapped IPv6 peer
// (IPv6 rules apply).
func TestOddInputs(t *testing.T) {
	a := ACL{ID: "acl-t",
		Ingress: mustRules(t, "100 allow -1 0.0.0.0/0", "110 allow -1 fe80::/10", "120 allow -1 ::ffff:0:0/96"),
		Egress:  mustRules(t, "100 deny -1 0.0.0.0/0"),
	}
	c := mustCompile(t, a)

	p := tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN)
	d := decide(t, a, p, flow.Direction(7))
	assert.Equal(t, flow.Allow, d.Verdict)
	assert.Equal(t, flow.Direction(7), d.Direction)

	var zero flow.Packet
	for _, dir := range directions {
		assert.Equal(t, starDrop("acl-t", dir, false), decide(t, a, zero, dir))
	}

	zoned := flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("fe80::1%eth0"), Dst: netip.MustParseAddr("fe80::2"), DstPort: 547}
	assert.Equal(t, 110, decide(t, a, zoned, flow.Ingress).RuleNumber)

	mapped := flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("::ffff:198.51.100.7"), Dst: netip.MustParseAddr("::ffff:10.0.1.10")}
	assert.Equal(t, 120, decide(t, a, mapped, flow.Ingress).RuleNumber)
	assert.EqualValues(t, flow.DefaultRuleV6, evalc(c, &mapped, flow.Egress).RuleNumber)
}

// TestCompiledConcurrent evaluates one compiled ACL from many goroutines;
// run with -race it shows that Evaluate only reads.
func TestCompiledConcurrent(t *testing.T) {
	c := mustCompile(t, ACL{ID: "acl-web",
		Ingress: mustRules(t, "90 deny -1 198.51.100.66/32", "100 allow tcp 80 0.0.0.0/0"),
		Egress:  mustRules(t, "100 allow tcp 1024-65535 0.0.0.0/0"),
	})
	pkts := []flow.Packet{
		tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN),
		tcp("198.51.100.66:50000", "10.0.1.10:80", flow.SYN),
		tcp("10.0.1.10:80", "198.51.100.7:50000", flow.SYN|flow.ACK),
	}
	want := []flow.Verdict{flow.Allow, flow.Drop, flow.Allow}
	dirs := []flow.Direction{flow.Ingress, flow.Ingress, flow.Egress}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				for i := range pkts {
					if d := evalc(c, &pkts[i], dirs[i]); d.Verdict != want[i] {
						errs <- ruleText(c, d)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		require.Fail(t, "wrong verdict", e)
	}
}
