package nacl_test

import (
	"fmt"
	"net/netip"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
)

// show evaluates p with acl and prints the decision the way an operator
// reads it: the verdict, then the deciding rule's words.
func show(what string, acl *nacl.Compiled, p *flow.Packet, dir flow.Direction) {
	var d flow.Decision
	acl.Evaluate(p, dir, &d)
	var x flow.Detail
	acl.Describe(&d, &x)
	fmt.Printf("%-8s %s %s by %s rule %s: %s\n", what, d.Verdict, d.Direction, x.ACL, d.RuleLabel(), x.RuleText)
}

// A web server's subnet uses a custom network ACL that allows tcp/80 in
// and out. The client's SYN gets in, but the server's SYN-ACK goes back to
// the client's ephemeral port (50000), which no outbound rule allows: the
// `*` rule drops it and the client times out (TRACE-B). Network ACLs are
// stateless; the reply needs a rule of its own. Outbound rule 110 for the
// ephemeral ports fixes it.
func Example_ephemeralPorts() {
	allTCP80 := nacl.Rule{Number: 100, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.TCP),
		CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: 80, ToPort: 80}
	web := nacl.ACL{ID: "acl-web", Ingress: []nacl.Rule{allTCP80}, Egress: []nacl.Rule{allTCP80}}

	client, server := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("10.0.1.10")
	syn := flow.Packet{Proto: flow.TCP, Src: client, Dst: server, SrcPort: 50000, DstPort: 80, Flags: flow.SYN}
	synAck := syn.Reverse()
	synAck.Flags = flow.SYN | flow.ACK

	acl, err := nacl.Compile(web)
	if err != nil {
		fmt.Println(err)
		return
	}
	show("SYN", acl, &syn, flow.Ingress)
	show("SYN-ACK", acl, &synAck, flow.Egress)

	// The fix AWS recommends: allow the ephemeral ports 1024-65535 out.
	web.Egress = append(web.Egress, nacl.Rule{Number: 110, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.TCP),
		CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: 1024, ToPort: 65535})
	if acl, err = nacl.Compile(web); err != nil {
		fmt.Println(err)
		return
	}
	show("SYN-ACK", acl, &synAck, flow.Egress)
	// Output:
	// SYN      allow ingress by acl-web rule 100: 100 allow tcp 80 0.0.0.0/0
	// SYN-ACK  drop egress by acl-web rule *: * deny all 0.0.0.0/0
	// SYN-ACK  allow egress by acl-web rule 110: 110 allow tcp 1024-65535 0.0.0.0/0
}

// Rules are evaluated by number, not by their place in the list: the deny
// numbered 90 is checked before the allow numbered 100 (TRACE-E).
func ExampleCompile() {
	block := nacl.ACL{ID: "acl-block", Ingress: []nacl.Rule{
		{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		{Number: 90, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("198.51.100.66/32")},
	}}
	acl, err := nacl.Compile(block)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range acl.Rules(flow.Ingress) {
		fmt.Println(r)
	}
	for _, src := range []string{"198.51.100.66", "198.51.100.7"} {
		p := flow.Packet{Proto: flow.TCP, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr("10.0.1.10"), SrcPort: 50020, DstPort: 80}
		var d flow.Decision
		acl.Evaluate(&p, flow.Ingress, &d)
		fmt.Printf("from %s: %s by rule %s\n", src, d.Verdict, d.RuleLabel())
	}
	// Output:
	// 90 deny -1 198.51.100.66/32
	// 100 allow -1 0.0.0.0/0
	// from 198.51.100.66: drop by rule 90
	// from 198.51.100.7: allow by rule 100
}

// Validate reports every problem, each naming the ACL, the direction, the
// rule and the field with its Terraform name.
func ExampleACL_Validate() {
	a := nacl.ACL{ID: "acl-public",
		Ingress: []nacl.Rule{{Number: 32767, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}},
		Egress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.ProtocolOf(flow.TCP),
			CIDR: netip.MustParsePrefix("0.0.0.0/0"), FromPort: 70000, ToPort: 70000}},
	}
	fmt.Println(a.Validate())
	// Output:
	// nacl acl-public ingress rule_no 32767: must be 1..32766
	// nacl acl-public egress rule 100: from_port 70000: must be 0..65535
	// nacl acl-public egress rule 100: to_port 70000: must be 0..65535
}

// Warnings point out what AWS would change or refuse: here a CIDR with
// host bits set, which AWS stores as its network.
func ExampleACL_Warnings() {
	a := nacl.ACL{ID: "acl-app", Ingress: []nacl.Rule{
		{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("10.0.0.1/24")},
	}}
	for _, w := range a.Warnings() {
		fmt.Println(w)
	}
	// Output:
	// nacl acl-app ingress rule 100: cidr_block 10.0.0.1/24 has host bits set; accepted as 10.0.0.0/24, as AWS does (NACL-5)
}

// The default ACL of a VPC allows all traffic, IPv4 by rule 100 and IPv6
// by rule 101; a new custom ACL denies everything.
func ExampleDefault() {
	def, _ := nacl.Compile(nacl.Default("acl-default"))
	custom, _ := nacl.Compile(nacl.Custom("acl-new"))
	p := flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("2001:db8::7"), Dst: netip.MustParseAddr("2001:db8:1::10"), DstPort: 53}
	for _, acl := range []*nacl.Compiled{def, custom} {
		var d flow.Decision
		acl.Evaluate(&p, flow.Ingress, &d)
		fmt.Printf("%s: %s by rule %s (%d)\n", acl.ID(), d.Verdict, d.RuleLabel(), d.RuleNumber)
	}
	// Output:
	// acl-default: allow by rule 101 (101)
	// acl-new: drop by rule * (32768)
}

// ParseRule reads the one-line form String prints.
func ExampleParseRule() {
	r, err := nacl.ParseRule("120 allow tcp 1024-65535 0.0.0.0/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Number, r.Action, r.Protocol, r.FromPort, r.ToPort, r.CIDR)
	_, err = nacl.ParseRule("100 allow icmp 0.0.0.0/0")
	fmt.Println(err)
	// Output:
	// 120 allow tcp 1024 65535 0.0.0.0/0
	// nacl: rule "100 allow icmp 0.0.0.0/0": icmp needs "type T code C" (-1 = any)
}
