package sg_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// A database that admits PostgreSQL from the web tier only (TRACE-H): the
// rule names the group sg-web, and the resolver says which interfaces
// carry it.
func Example() {
	db := sg.Group{
		ID:      "sg-db",
		Ingress: []sg.Rule{{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 5432, ToPort: 5432, Group: "sg-web"}},
	}
	members := sg.StaticResolver{Groups: map[string][]netip.Addr{
		"sg-web": {netip.MustParseAddr("10.0.1.10")}, // eni-web
	}}
	set, err := sg.Compile([]sg.Group{db}, members)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, src := range []string{"10.0.1.10", "10.0.1.11"} {
		p := flow.Packet{Proto: flow.TCP, Src: netip.MustParseAddr(src), SrcPort: 45000,
			Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 5432, Flags: flow.SYN}
		if m, ok := set.Match(&p, flow.Ingress); ok {
			fmt.Printf("%s: allowed by %s\n", src, m.Text)
		} else {
			fmt.Printf("%s: no rule of groups %s allows it\n", src, set.Groups())
		}
	}
	// Output:
	// 10.0.1.10: allowed by sg-db ingress tcp 5432 from sg-web
	// 10.0.1.11: no rule of groups sg-db allows it
}

// AWS's connection-tracking example (CT-4): HTTP, open to everyone in
// both directions, is not tracked; SSH from one address is.
func ExampleSet_Untracked() {
	tcp := flow.ProtocolOf(flow.TCP)
	anyv4 := netip.MustParsePrefix("0.0.0.0/0")
	g := sg.Group{
		ID: "sg-web",
		Ingress: []sg.Rule{
			{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("203.0.113.1/32")},
			{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anyv4},
		},
		Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anyv4}},
	}
	set := sg.MustCompile([]sg.Group{g}, nil)
	server := netip.MustParseAddr("10.0.1.10")
	for _, c := range []struct {
		client string
		port   uint16
	}{{"203.0.113.1", 22}, {"198.51.100.7", 80}} {
		syn := flow.Packet{Proto: flow.TCP, Src: netip.MustParseAddr(c.client), SrcPort: 50000, Dst: server, DstPort: c.port, Flags: flow.SYN}
		synack := syn.Reverse()
		synack.Flags = flow.SYN | flow.ACK
		fmt.Printf("port %d: untracked=%v, reply answers an untracked flow=%v\n",
			c.port, set.Untracked(&syn, flow.Ingress), set.AnswersUntracked(&synack, flow.Egress))
	}
	// Output:
	// port 22: untracked=false, reply answers an untracked flow=false
	// port 80: untracked=true, reply answers an untracked flow=true
}

// Validation names the group, direction, rule and field of every problem.
func ExampleGroup_Validate() {
	g := sg.Group{
		ID: "sg-web",
		Ingress: []sg.Rule{
			{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 80, ToPort: 70000, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
			{Protocol: flow.ProtocolOf(flow.ICMP), FromPort: -1, ToPort: 0, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		},
		Egress: []sg.Rule{{Protocol: flow.AnyProtocol}},
	}
	fmt.Println(g.Validate())
	// Output:
	// security group sg-web ingress rule 0: to_port 70000: must be 0..65535
	// security group sg-web ingress rule 1: to_port 0: ICMP code must be -1 when the type (from_port) is -1 (SG-4)
	// security group sg-web egress rule 0: peer: none of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups is set: a rule has exactly one peer (SG-5)
}

// Rules print as explanations show them; the direction picks "from" or "to".
func ExampleRule_Text() {
	r := sg.Rule{Protocol: flow.ProtocolOf(flow.ICMP), FromPort: 8, ToPort: -1, CIDR: netip.MustParsePrefix("192.0.2.0/24")}
	fmt.Println(r.Text(flow.Ingress))
	r = sg.Rule{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 1024, ToPort: 65535, PrefixList: "pl-office"}
	fmt.Println(r.Text(flow.Egress))
	fmt.Println(r)
	// Output:
	// icmp type 8 code -1 from 192.0.2.0/24
	// tcp 1024-65535 to pl-office
	// tcp 1024-65535 peer pl-office
}

// A Stage is a set of groups with its connection table. The client's SYN
// opens a tracked connection; the server's reply gets out by it although
// the group has no outbound rule. Each decision is a small value; Explain
// puts it into words with the set's names and rule texts.
func ExampleStage_Evaluate() {
	set, err := sg.Compile([]sg.Group{{
		ID: "sg-https",
		Ingress: []sg.Rule{{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 443, ToPort: 443,
			CIDR: netip.MustParsePrefix("198.51.100.0/24")}},
	}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sg.NewStage(set, conntrack.MustNew(conntrack.DefaultConfig()))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	syn := flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]")
	synAck := flow.MustParsePacket("tcp 10.0.1.10:443 > 198.51.100.7:50000 [S.]")
	var d flow.Decision
	used := st.Evaluate(&syn, flow.Ingress, now, &d)
	fmt.Println(used.Explain(&d, &syn))
	used = st.Evaluate(&synAck, flow.Egress, now.Add(time.Second), &d)
	fmt.Println(used.Explain(&d, &synAck))
	// Output:
	// allowed by security group sg-https ingress rule #1 (sg-https ingress tcp 443 from 198.51.100.0/24); the connection is now tracked (SYN_SENT)
	// allowed by security group connection tracking: part of a connection opened 1s ago (SYN_RECV), whatever the rules say
}
