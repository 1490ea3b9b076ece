package flow_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// ParsePacket reads the packet text of scenario files; String prints it
// back in canonical form.
func ExampleParsePacket() {
	p, err := flow.ParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Proto, p.Src, p.DstPort, p.Flags)
	fmt.Println(p)

	// Errors say which token is wrong.
	_, err = flow.ParsePacket("tcp 198.51.100.7:http > 10.0.1.10:80 [S]")
	fmt.Println(err)
	var pe *flow.ParseError
	if errors.As(err, &pe) {
		fmt.Println("token", pe.Index, "at byte", pe.Offset)
	}
	// Output:
	// tcp 198.51.100.7 80 S
	// tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]
	// packet "tcp 198.51.100.7:http > 10.0.1.10:80 [S]": token 2 "198.51.100.7:http": bad port "http": want a number 0..65535
	// token 2 at byte 4
}

// A reply's key is the reverse of its request's key: that is how a
// connection table recognises replies.
func ExampleKey_Reverse() {
	request := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1")
	reply := request.Reverse()
	fmt.Println(reply)
	fmt.Println(request.Key())
	fmt.Println(reply.Key())
	fmt.Println(reply.Key() == request.Key().Reverse())

	c1, _ := request.Key().Canonical()
	c2, _ := reply.Key().Canonical()
	fmt.Println(c1 == c2)
	// Output:
	// icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1
	// icmp 203.0.113.12 > 172.31.16.139 id 1
	// icmp 172.31.16.139 > 203.0.113.12 id 1
	// true
	// true
}

// Explain turns a decision into a sentence for a learner. Here the reply
// of a web server leaves through a network ACL that only allows port 80
// outbound (TRACE-B).
func ExampleDecision_Explain() {
	d := flow.Decision{
		Verdict:    flow.Drop,
		Stage:      flow.StageNACL,
		Direction:  flow.Egress,
		Reason:     flow.ReasonDefaultDeny,
		ACL:        "acl-web",
		RuleNumber: flow.DefaultRuleV4,
		GroupRule:  -1,
		Packet:     flow.MustParsePacket("tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]"),
	}
	fmt.Println(d.Explain())

	tracked := flow.Decision{
		Verdict: flow.Allow, Stage: flow.StageSG, Direction: flow.Ingress,
		Reason: flow.ReasonTracked, Conntrack: flow.CTEstablished,
		ConnState: "ESTABLISHED", Age: 2 * time.Second, GroupRule: -1,
	}
	fmt.Println(tracked.Explain())
	// Output:
	// dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)
	// allowed by security group connection tracking: part of a connection opened 2s ago (ESTABLISHED), whatever the rules say
}

// A pipeline runs a packet through the stages of one interface; Trace
// keeps every stage's decision for ExplainTrace.
func ExamplePipeline_Trace() {
	nacl := fixed{flow.Decision{Verdict: flow.Allow, Stage: flow.StageNACL, Reason: flow.ReasonRule,
		ACL: "acl-web", RuleNumber: 100, RuleText: "allow tcp 80 from 0.0.0.0/0", GroupRule: -1}}
	sg := fixed{flow.Decision{Verdict: flow.Allow, Stage: flow.StageSG, Reason: flow.ReasonRule,
		Conntrack: flow.CTNew, Group: "sg-web", GroupRule: 0, RuleText: "tcp 80 from 198.51.100.0/24", ConnState: "SYN_SENT"}}
	pl := flow.NewPipeline(nacl, sg) // outermost first

	p := flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // simulated time
	fmt.Println(flow.ExplainTrace(pl.Trace(&p, flow.Ingress, now, nil)))
	// Output:
	// allowed by network ACL acl-web ingress rule 100 (allow tcp 80 from 0.0.0.0/0); then allowed by security group sg-web ingress rule #1 (tcp 80 from 198.51.100.0/24); the connection is now tracked (SYN_SENT)
}

// fixed is a stage that always decides the same way, in the direction it
// is asked about.
type fixed struct{ d flow.Decision }

func (f fixed) Evaluate(_ *flow.Packet, dir flow.Direction, _ time.Time) flow.Decision {
	d := f.d
	d.Direction = dir
	return d
}
