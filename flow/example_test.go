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
// outbound (TRACE-B). The decision itself is small; the names come from
// the rule set that decided (a Detail, which nacl.Compiled.Describe and
// sg.Set.Describe fill in).
func ExampleDecision_Explain() {
	d := flow.Decision{
		Verdict:    flow.Drop,
		Stage:      flow.StageNACL,
		Direction:  flow.Egress,
		Reason:     flow.ReasonDefaultDeny,
		RuleNumber: flow.DefaultRuleV4,
	}
	x := flow.Detail{ACL: "acl-web", Packet: flow.MustParsePacket("tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]")}
	fmt.Println(d.Explain(&x))

	tracked := flow.Decision{
		Verdict: flow.Allow, Stage: flow.StageSG, Direction: flow.Ingress,
		Reason: flow.ReasonTracked, Conntrack: flow.CTEstablished,
		ConnState: flow.StateEstablished, Age: 2 * time.Second,
	}
	fmt.Println(tracked.Explain(nil))
	// Output:
	// dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535)
	// allowed by security group connection tracking: part of a connection opened 2s ago (ESTABLISHED), whatever the rules say
}
