package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestExplain: one sentence per kind of decision, checked whole (the
// wording is part of what teachers see) and for its key phrases.
func TestExplain(t *testing.T) {
	P := MustParsePacket
	tests := []struct {
		name    string
		d       Decision
		x       Detail
		want    string
		phrases []string
	}{
		// Network ACLs (NACL-14, NACL-15, NACL-18, NACL-19).
		{"nacl default deny of a reply, egress (TRACE-B B2)",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Egress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4}, Detail{ACL: "acl-web", Packet: P("tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]")},
			"dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)",
			[]string{"rule * (default deny)", "no rule allows tcp to port 51234", "stateless", "ephemeral ports 1024-65535"}},
		{"nacl default deny of a reply, ingress (TRACE-C C6)",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Ingress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4}, Detail{ACL: "acl-strict", Packet: P("tcp 203.0.113.80:443 > 10.0.1.10:40002 [S.]")},
			"dropped by network ACL acl-strict ingress rule * (default deny): no rule allows tcp from 203.0.113.80 to port 40002; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)",
			nil},
		{"nacl default deny of a request: no statelessness hint",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Ingress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV6}, Detail{ACL: "acl-web", Packet: P("tcp [2001:db8::7]:50000 > [2001:db8:1::10]:22 [S]")},
			"dropped by network ACL acl-web ingress rule * (default deny): no rule allows tcp from 2001:db8::7 to port 22",
			nil},
		{"nacl default deny of a udp reply",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Egress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4}, Detail{ACL: "acl-dns", Packet: P("udp 10.0.1.10:53 > 198.51.100.7:33000")},
			"dropped by network ACL acl-dns egress rule * (default deny): no rule allows udp to port 33000 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)",
			nil},
		{"nacl default deny of an echo reply, with the sg's tracking carried over (TRACE-F F2)",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Egress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4, Conntrack: CTEstablished, ConnState: StateICMP, Age: 90 * time.Second}, Detail{ACL: "acl-ping", Packet: P("icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1")},
			"dropped by network ACL acl-ping egress rule * (default deny): no rule allows icmp echo-reply to 203.0.113.12; network ACLs are stateless, so the reply to a request needs a rule of its own (an icmp rule for type 0, echo-reply); the security groups had let it through as part of a tracked connection (ICMP, opened 1m30s ago)",
			nil},
		{"nacl default deny of gre",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Ingress, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4}, Detail{ACL: "acl-web", Packet: P("gre 192.0.2.1 > 10.0.1.10")},
			"dropped by network ACL acl-web ingress rule * (default deny): no rule allows gre from 192.0.2.1",
			nil},
		{"nacl numbered deny (TRACE-E E1)",
			Decision{Verdict: Drop, Stage: StageNACL, Direction: Ingress, Reason: ReasonRule, RuleNumber: 50}, Detail{ACL: "acl-web", RuleText: "deny all from 203.0.113.99/32", Packet: P("tcp 203.0.113.99:5000 > 10.0.1.10:80 [S]")},
			"dropped by network ACL acl-web ingress rule 50 (deny all from 203.0.113.99/32)",
			nil},
		{"nacl allow",
			Decision{Verdict: Allow, Stage: StageNACL, Direction: Ingress, Reason: ReasonRule, RuleNumber: 100}, Detail{ACL: "acl-web", RuleText: "allow tcp 80 from 0.0.0.0/0"},
			"allowed by network ACL acl-web ingress rule 100 (allow tcp 80 from 0.0.0.0/0)",
			nil},
		{"nacl allow after the sg started tracking (CT-21)",
			Decision{Verdict: Allow, Stage: StageNACL, Direction: Egress, Reason: ReasonRule, RuleNumber: 100, Conntrack: CTNew, ConnState: StateSynSent}, Detail{ACL: "default"},
			"allowed by network ACL default egress rule 100; the security groups had let it through and now track its connection (SYN_SENT)",
			nil},
		{"nacl allow of an untracked flow",
			Decision{Verdict: Allow, Stage: StageNACL, Direction: Egress, Reason: ReasonRule, RuleNumber: 100, Conntrack: CTUntracked}, Detail{ACL: "default"},
			"allowed by network ACL default egress rule 100; the security groups had let it through without tracking it",
			nil},
		{"nacl without id or packet",
			Decision{Verdict: Drop, Stage: StageNACL, Reason: ReasonDefaultDeny, RuleNumber: DefaultRuleV4}, Detail{},
			"dropped by the network ACL ingress rule * (default deny): no rule allows this packet",
			nil},

		// Security groups (SG-15, SG-29, CT-3, CT-10, CT-17k, CT-20).
		{"sg no rule (TRACE-D D1)",
			Decision{Verdict: Drop, Stage: StageSG, Direction: Ingress, Reason: ReasonNoRule}, Detail{Group: "sg-web", Packet: P("tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]")},
			"dropped by security groups sg-web on ingress: no rule allows tcp from 198.51.100.7 to port 443, and no tracked connection admits it",
			nil},
		{"sg no rule on egress, several groups (TRACE-H H4)",
			Decision{Verdict: Drop, Stage: StageSG, Direction: Egress, Reason: ReasonNoRule}, Detail{Group: "sg-db,sg-monitoring", Packet: P("tcp 10.0.3.30:46000 > 10.0.1.10:80 [S]")},
			"dropped by security groups sg-db, sg-monitoring on egress: no rule allows tcp to port 80 on 10.0.1.10, and no tracked connection admits it",
			nil},
		{"sg no rule for an ICMP error: not related to any connection (NOT-9, CT-11)",
			Decision{Verdict: Drop, Stage: StageSG, Direction: Ingress, Reason: ReasonNoRule}, Detail{Group: "sg-client", Packet: P("icmp 203.0.113.80 > 10.0.1.10 type 3 code 4")},
			"dropped by security groups sg-client on ingress: no rule allows icmp type 3 code 4 from 203.0.113.80, and no tracked connection admits it (an ICMP error is never admitted as related to a tracked connection: messages such as path MTU discovery need an ICMP rule of their own)",
			nil},
		{"sg no rule, connection expired (TRACE-G G7)",
			Decision{Verdict: Drop, Stage: StageSG, Direction: Ingress, Reason: ReasonNoRule, Note: NoteExpired}, Detail{Group: "sg-ssh", Packet: P("tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]")},
			"dropped by security groups sg-ssh on ingress: no rule allows tcp from 203.0.113.1 to port 22, and its tracked connection had expired",
			[]string{"had expired"}},
		{"sg rule, new tracked connection (TRACE-G G1)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTNew, ConnState: StateSynSent}, Detail{Group: "sg-web", GroupRule: 1, RuleText: "tcp 80 from 0.0.0.0/0"},
			"allowed by security group sg-web ingress rule #1 (tcp 80 from 0.0.0.0/0); the connection is now tracked (SYN_SENT)",
			nil},
		{"sg rule, tracked anew after expiry",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTNew, Note: NoteExpired, ConnState: StateEstablished}, Detail{Group: "sg-ssh", GroupRule: 3},
			"allowed by security group sg-ssh ingress rule #3; its earlier tracked connection had expired, so the connection is tracked anew (ESTABLISHED)",
			nil},
		{"sg tracked (TRACE-C C2)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonTracked, Conntrack: CTEstablished, ConnState: StateEstablished, Age: 2 * time.Second}, Detail{Group: "sg-client"},
			"allowed by security group connection tracking: part of a connection opened 2s ago (ESTABLISHED), whatever the rules say",
			nil},
		{"sg tracked, age unknown",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Egress, Reason: ReasonTracked, Conntrack: CTEstablished, ConnState: StateSynRecv}, Detail{},
			"allowed by security group connection tracking: part of a tracked connection (SYN_RECV), whatever the rules say",
			nil},
		{"sg untracked, open both ways (CT-3, TRACE-A A1)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteOpenBothWays}, Detail{Group: "sg-web", GroupRule: 1, RuleText: "tcp 80 from 0.0.0.0/0", Packet: P("tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")},
			"allowed by security group sg-web ingress rule #1 (tcp 80 from 0.0.0.0/0); the flow is untracked: this rule is open to the whole internet (0.0.0.0/0) and an egress rule allows all ports back to it, so nothing is tracked and every packet, replies included, needs a rule of its own direction (removing the rule cuts the flow at once)",
			[]string{"untracked", "0.0.0.0/0", "egress rule allows all ports"}},
		{"sg untracked ipv6",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Egress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteOpenBothWays}, Detail{Group: "sg-web", GroupRule: 1, Packet: P("udp [2001:db8:1::10]:40000 > [2001:db8::53]:53")},
			"", []string{"(::/0) and an ingress rule allows all ports back"}},
		{"sg untracked, answers an untracked flow (U0, SG-31, TRACE-A A2)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Egress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteAnswersUntracked}, Detail{Group: "sg-web", GroupRule: 1, RuleText: "-1 to 0.0.0.0/0", Packet: P("tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]")},
			"allowed by security group sg-web egress rule #1 (-1 to 0.0.0.0/0); the flow is untracked: this packet answers an untracked flow, so it gets no reply privilege and needed this egress rule of its own; nothing is tracked",
			nil},
		{"sg untracked, an echo reply cannot start a connection (CT-10)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteCannotStart}, Detail{Group: "sg-ping", GroupRule: 1, RuleText: "icmp -1 -1 from 0.0.0.0/0", Packet: P("icmp 203.0.113.12 > 172.31.16.139 echo-reply id 1")},
			"allowed by security group sg-ping ingress rule #1 (icmp -1 -1 from 0.0.0.0/0); nothing is tracked: an echo reply cannot start a tracked connection, so the rules alone judged it",
			nil},
		{"sg untracked, a lone SYN-ACK cannot start a connection (CT-17k)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteCannotStart}, Detail{Group: "sg-web", GroupRule: 2, Packet: P("tcp 203.0.113.80:443 > 10.0.1.10:40001 [S.]")},
			"", []string{"rule #2;", "a lone SYN-ACK cannot start a tracked connection"}},
		{"sg untracked, an ICMP error cannot start a connection (CT-11)",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTUntracked, Note: NoteCannotStart}, Detail{Group: "sg-web", GroupRule: 1, Packet: P("icmp 192.0.2.1 > 10.0.1.10 type 3 code 4")},
			"", []string{"an icmp message that is not a query"}},
		{"sg untracked, no note",
			Decision{Verdict: Allow, Stage: StageSG, Direction: Ingress, Reason: ReasonRule, Conntrack: CTUntracked}, Detail{Group: "sg-web", GroupRule: 1},
			"allowed by security group sg-web ingress rule #1; the flow is untracked", nil},
		{"sg table full (CT-18, CT-20)",
			Decision{Verdict: Drop, Stage: StageSG, Direction: Egress, Reason: ReasonTableFull}, Detail{Group: "sg-web"},
			"dropped by security groups sg-web on egress: the connection table is full (connection tracking allowance exceeded), so no new connection can start",
			nil},

		// Exempt traffic (NOT-10) and decisions of no stage.
		{"exempt, metadata",
			Decision{Verdict: Allow, Stage: StageExempt, Reason: ReasonExempt, Conntrack: CTExempt, Direction: Egress}, Detail{Packet: P("tcp 10.0.1.10:40000 > 169.254.169.254:80 [S]")},
			"not filtered: traffic to an AWS service (instance metadata at 169.254.169.254) is never seen by security groups or network ACLs",
			nil},
		{"exempt, reply from Amazon DNS over IPv6",
			Decision{Verdict: Allow, Stage: StageExempt, Reason: ReasonExempt, Conntrack: CTExempt, Direction: Ingress}, Detail{Packet: P("udp [fd00:ec2::253]:53 > [2001:db8:1::10]:40000")},
			"not filtered: traffic from an AWS service (Amazon DNS at fd00:ec2::253) is never seen by security groups or network ACLs",
			nil},
		{"exempt, named by the stage",
			Decision{Verdict: Allow, Stage: StageExempt, Reason: ReasonExempt, Conntrack: CTExempt, Direction: Egress}, Detail{RuleText: "Amazon DNS at 10.0.0.2", Packet: P("udp 10.0.1.10:40000 > 10.0.0.2:53")},
			"not filtered: traffic to an AWS service (Amazon DNS at 10.0.0.2) is never seen by security groups or network ACLs",
			nil},
		{"exempt, unknown address",
			Decision{Verdict: Allow, Stage: StageExempt, Reason: ReasonExempt, Direction: Egress}, Detail{Packet: P("udp 10.0.1.10:68 > 10.0.1.1:67")},
			"not filtered: traffic to an AWS service (10.0.1.1) is never seen by security groups or network ACLs",
			nil},
		{"no stage, allowed", Decision{Verdict: Allow}, Detail{}, "allowed: no filter stands on this path", nil},
		{"zero decision", Decision{}, Detail{}, "no decision", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.Explain(&tt.x)
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			}
			for _, ph := range tt.phrases {
				assert.Contains(t, got, ph)
			}
			assert.Equal(t, got, tt.d.Explain(&tt.x), "deterministic")
			assert.NotContains(t, got, "%!", "no formatting slip")
		})
	}
}

// TestLooksLikeReply: the heuristic behind the statelessness hint.
func TestLooksLikeReply(t *testing.T) {
	for in, want := range map[string]bool{
		"tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]":      true,
		"tcp 10.0.1.10:80 > 198.51.100.7:51234 [R]":       true,
		"tcp 10.0.1.10:443 > 198.51.100.7:1024 [P.]":      true,
		"tcp 10.0.1.10:80 > 198.51.100.7:51234 [S]":       false, // no ACK, no RST
		"tcp 10.0.1.10:8080 > 198.51.100.7:51234 [S.]":    false, // not from a well-known port
		"tcp 10.0.1.10:80 > 198.51.100.7:1023 [.]":        false, // not to an ephemeral port
		"tcp 198.51.100.7:51234 > 10.0.1.10:80 [.]":       false, // the request side
		"udp 10.0.1.10:53 > 198.51.100.7:33000":           true,
		"udp 198.51.100.7:33000 > 10.0.1.10:53":           false,
		"icmp 10.0.1.10 > 198.51.100.7 echo-reply":        true,
		"icmp 10.0.1.10 > 198.51.100.7 type 14 code 0":    true, // timestamp reply
		"icmp 10.0.1.10 > 198.51.100.7 echo-request":      false,
		"icmp 10.0.1.10 > 198.51.100.7 type 3 code 3":     false,
		"icmpv6 2001:db8::1 > 2001:db8::2 echo-reply":     true,
		"icmpv6 2001:db8::1 > 2001:db8::2 echo-request":   false,
		"gre 10.0.1.10 > 198.51.100.7":                    false,
		"udp [2001:db8::1]:123 > [2001:db8::2]:40000":     true,
		"udp [2001:db8::1]:40000 > [2001:db8::2]:40001":   false,
		"tcp [2001:db8::1]:22 > [2001:db8::2]:50000 [F.]": true,
	} {
		p := MustParsePacket(in)
		assert.Equal(t, want, looksLikeReply(&p), in)
	}
}

// TestFormatDuration: ages read as people write them.
func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "0s",
		250 * time.Millisecond:          "250ms",
		time.Second:                     "1s",
		2 * time.Second:                 "2s",
		1500 * time.Millisecond:         "1.5s",
		90 * time.Second:                "1m30s",
		time.Hour:                       "1h",
		time.Hour + 5*time.Second:       "1h5s",
		432000 * time.Second:            "5d",
		432001 * time.Second:            "5d1s",
		25*time.Hour + 30*time.Minute:   "1d1h30m",
		time.Minute + 1*time.Nanosecond: "1m0.000000001s",
		-2 * time.Second:                "-2s",
	} {
		assert.Equal(t, want, formatDuration(d), d.String())
	}
}
