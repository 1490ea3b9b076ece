package analysis_test

import (
	"fmt"
	"net/netip"

	"github.com/pfsim/pfsim/analysis"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

var (
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
	tcp      = flow.ProtocolOf(flow.TCP)
)

// webServer is a VPC with one web server: its group admits https from
// anywhere and ssh from the office, its subnet's ACL all traffic.
func webServer() vpc.Config {
	return vpc.Config{
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{
				{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere},
				{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("192.0.2.0/24")},
			},
			Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}},
		}},
		Subnets: []vpc.Subnet{{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-web",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"}}},
	}
}

// A property test: "from the internet, nothing but tcp 443 reaches the web
// server". The answer is exact: Witness either finds a packet that
// breaks the property, with the words of the evaluator that let it in, or
// proves there is none. Here ssh from the office breaks it; without the
// office, nothing does. Traffic from AWS's own services (169.254.169.254)
// is never filtered, and is not from the internet: Unfiltered leaves it
// out.
func Example_onlyHTTPS() {
	m, _ := analysis.NewModel(webServer())
	in, _ := m.Path("eni-web", flow.Ingress)
	internet := analysis.Src(anywhere, netip.MustParsePrefix("::/0")).Minus(m.Unfiltered())
	https := analysis.Proto(flow.TCP).Intersect(analysis.DstPorts(443, 443))
	if c, found := in.Witness(internet.Minus(https), flow.Allow); found {
		fmt.Println("not only https:", c.Packet)
	}
	office, _ := analysis.ParseSpace("from 192.0.2.0/24")
	_, found := in.Witness(internet.Minus(https).Minus(office), flow.Allow)
	fmt.Println("anything but https from outside the office:", found)
	// Output:
	// not only https: tcp 192.0.2.10:50000 > 10.0.1.10:22 [S]
	// anything but https from outside the office: false
}

// A property test of a change: "opening the ephemeral ports drops
// nothing the ACL allowed". The new ACL is wider; Diff lists what it adds,
// with a packet both ACLs judge.
func Example_changeBreaksNothing() {
	old := nacl.ACL{ID: "acl-web", Egress: []nacl.Rule{
		{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 32768, ToPort: 65535, CIDR: anywhere}}}
	new := old
	new.Egress = []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 1024, ToPort: 65535, CIDR: anywhere}}
	d, _ := analysis.DiffACLs(old, new)
	fmt.Println(d.Relation)
	for _, c := range d.Changes {
		fmt.Println(c)
		fmt.Println("  before:", c.Old)
		fmt.Println("  after: ", c.New)
	}
	// Output:
	// more permissive
	// now allowed: tcp 1024-32767 from 0.0.0.0/0 to 0.0.0.0/0 (network ACL acl-web egress)
	//   before: tcp 198.51.100.7:50000 > 203.0.113.5:8080 [S]: dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 8080 on 203.0.113.5
	//   after:  tcp 198.51.100.7:50000 > 203.0.113.5:8080 [S]: allowed by network ACL acl-web egress rule 100 (100 allow tcp 1024-65535 0.0.0.0/0)
}

// Exposure: what an interface accepts from the internet, as services and
// the sources each is open to.
func ExampleModel_Exposure() {
	m, _ := analysis.NewModel(webServer())
	x, _ := m.Exposure("eni-web", analysis.Src(anywhere))
	for _, e := range x.Entries {
		fmt.Println(e)
	}
	// Output:
	// tcp 22 from 192.0.2.0/24
	// tcp 443 from 0.0.0.0/0
}

// Reply-path holes (TRACE-B): the subnet's ACL lets https in and out, but
// the replies go to the client's port, which no outbound rule allows.
// The fix is AWS's advice, checked: with the rule, every reply gets out.
func ExampleModel_Holes() {
	cfg := webServer()
	https := nacl.Rule{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}
	cfg.NetworkACLs = []nacl.ACL{{ID: "acl-web", Ingress: []nacl.Rule{https}, Egress: []nacl.Rule{https}}}
	cfg.Subnets[0].ACL = "acl-web"
	m, _ := analysis.NewModel(cfg)
	for _, h := range m.Holes() {
		fmt.Println(h.Flows, "| dropped replies:", h.Replies)
		fmt.Println("  ", h.Reply.Packet, "->", h.Reply.Verdict)
		fmt.Println("  ", h.Fix, "| checked:", h.Fixed)
	}
	// Output:
	// tcp 443 from 0.0.0.0/0 | dropped replies: tcp to 0.0.0.0/0 ports 1024-65535
	//    tcp 10.0.1.10:443 > 198.51.100.7:50000 [S.] -> drop
	//    add to network ACL acl-web egress: 110 allow tcp 1024-65535 0.0.0.0/0 | checked: true
	// tcp 443 to 0.0.0.0/0 | dropped replies: tcp from 0.0.0.0/0 to ports 32768-65535
	//    tcp 198.51.100.7:443 > 10.0.1.10:50000 [S.] -> drop
	//    add to network ACL acl-web ingress: 110 allow tcp 32768-65535 0.0.0.0/0 | checked: true
}

// Shadowed rules: a deny numbered after the allow that matches all its
// packets never takes effect (NACL-17, TRACE-E).
func ExampleShadowedRules() {
	a := nacl.ACL{ID: "acl-block-wrong", Ingress: []nacl.Rule{
		{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere},
		{Number: 110, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("198.51.100.66/32")},
	}}
	for _, s := range analysis.ShadowedRules(a) {
		fmt.Println(s)
	}
	// Output:
	// network ACL acl-block-wrong ingress rule 110 deny -1 198.51.100.66/32 never matches: rule 100 allow -1 0.0.0.0/0 matches all its packets first, some with the opposite action
}

// Why not: the smallest edits that flip a packet's verdict, each proved by
// running the packet through the edited rules.
func ExampleWhyNotACL() {
	a := nacl.ACL{ID: "acl-block-wrong", Ingress: []nacl.Rule{
		{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere},
		{Number: 110, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("198.51.100.66/32")},
	}}
	p := flow.MustParsePacket("tcp 198.51.100.66:40000 > 10.0.1.10:443 [S]")
	edits, _ := analysis.WhyNotACL(a, flow.Ingress, p)
	for _, e := range edits {
		fmt.Println(e.Kind, "|", e.Text, "| flips:", e.Flips)
	}
	// Output:
	// add | add to network ACL acl-block-wrong ingress: 90 deny tcp 443 198.51.100.66/32 | flips: true
	// renumber | in network ACL acl-block-wrong ingress, renumber rule 110 deny -1 198.51.100.66/32 to 90, before rule 100 allow -1 0.0.0.0/0 | flips: true
	// remove | remove from network ACL acl-block-wrong ingress: rule 100 allow -1 0.0.0.0/0 | flips: true
}

// Spaces are sets of packets, exact, written as clauses.
func ExampleParseSpace() {
	web, _ := analysis.ParseSpace("tcp port 80,443 from 0.0.0.0/0")
	admin, _ := analysis.ParseSpace("tcp port 22 from 192.0.2.0/24")
	both := web.Union(admin)
	fmt.Println(both)
	fmt.Println(both.Contains(flow.MustParsePacket("tcp 192.0.2.7:50000 > 10.0.1.10:22 [S]")))
	fmt.Println(admin.Subset(web))
	// Output:
	// tcp 80, 443 from 0.0.0.0/0 except 192.0.2.0/24 to 0.0.0.0/0
	// tcp 22, 80, 443 from 192.0.2.0/24 to 0.0.0.0/0
	// true
	// false
}
