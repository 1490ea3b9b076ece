package vpc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// An app server reaches a database in another subnet through a security
// group reference; a second server without the app's group cannot. The
// packet meets four stages: the app's group, the app subnet's ACL, the
// database subnet's ACL, the database's group.
func Example() {
	tcp := flow.ProtocolOf(flow.TCP)
	v, err := vpc.New(vpc.Config{
		SecurityGroups: []sg.Group{
			{ID: "sg-app", Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}},
			{ID: "sg-other", Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}},
			{ID: "sg-db", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-app"}}},
		},
		Subnets: []vpc.Subnet{
			{ID: "subnet-app", CIDR: netip.MustParsePrefix("10.0.1.0/24")},
			{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24")},
		},
		Interfaces: []vpc.Interface{
			{ID: "eni-app", Subnet: "subnet-app", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-app"}},
			{ID: "eni-other", Subnet: "subnet-app", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.11")}, Groups: []string{"sg-other"}},
			{ID: "eni-db", Subnet: "subnet-db", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.3.30")}, Groups: []string{"sg-db"},
				Listening: []vpc.Port{{Proto: flow.TCP, Port: 5432}}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := flow.MustParsePacket("tcp 10.0.1.10:45000 > 10.0.3.30:5432 [S]")
	path, _ := v.Send(&p, now)
	for _, h := range path.Hops {
		fmt.Println(h.Interface(), h.Decision.Stage, h.Decision.Direction, h.Decision.Verdict)
	}
	a, _ := v.Connect(vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("10.0.1.11"), Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 5432}, now)
	fmt.Println("eni-other:", a.Outcome, "at", a.Cause.Final.Stage, a.Cause.Final.Direction)
	// Output:
	// eni-app sg egress allow
	// eni-app nacl egress allow
	// eni-db nacl ingress allow
	// eni-db sg ingress allow
	// eni-other: timeout at sg ingress
}

// A property-style loop: a thousand random clients try the database port
// of a web server whose group admits only HTTP. One Path is reused for
// every packet, so the loop allocates nothing per packet.
func ExampleVPC_SendInto() {
	tcp := flow.ProtocolOf(flow.TCP)
	v, err := vpc.New(vpc.Config{
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}}},
		Subnets: []vpc.Subnet{{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-public",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	var path vpc.Path
	admitted := 0
	for range 1000 {
		p := flow.Packet{Proto: flow.TCP, Flags: flow.SYN,
			Src:     netip.AddrFrom4([4]byte{198, 51, byte(r.IntN(256)), byte(1 + r.IntN(254))}),
			SrcPort: uint16(1024 + r.IntN(64000)),
			Dst:     netip.MustParseAddr("10.0.1.10"), DstPort: 5432}
		if err := v.SendInto(&p, now, &path); err != nil {
			fmt.Println(err)
			return
		}
		if path.Allowed() {
			admitted++
		}
	}
	fmt.Println("admitted:", admitted)
	fmt.Println("last drop:", path.Final.Stage, path.Final.Direction, path.Final.Reason)
	// Output:
	// admitted: 0
	// last drop: sg ingress no-rule
}

// Validate reports what AWS would refuse, each problem a *ConfigError
// that names the object, the field and the element, so a reader of a file
// can point at the value: here an interface on the VPC router's address
// and a subnet that overlaps another.
func ExampleConfig_Validate() {
	cfg := vpc.Config{
		SecurityGroups: []sg.Group{{ID: "sg-web"}},
		Subnets: []vpc.Subnet{
			{ID: "web", CIDR: netip.MustParsePrefix("10.0.1.0/24")},
			{ID: "web-half", CIDR: netip.MustParsePrefix("10.0.1.0/25")},
		},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "web",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.1")}, Groups: []string{"sg-web"}}},
	}
	for _, err := range cfg.Validate().(interface{ Unwrap() []error }).Unwrap() {
		var ce *vpc.ConfigError
		if !errors.As(err, &ce) {
			continue
		}
		field := ce.Field
		if ce.Index >= 0 {
			field += fmt.Sprintf("[%d]", ce.Index)
		}
		fmt.Printf("%s %s, %s (overlap %t, reserved %t)\n", ce.Kind, ce.ID, field,
			errors.Is(err, vpc.ErrOverlap), errors.Is(err, vpc.ErrReserved))
		fmt.Println("  " + err.Error())
	}
	// Output:
	// subnet web-half, cidr_block (overlap true, reserved false)
	//   subnet web-half: cidr_block 10.0.1.0/25: overlaps subnet web's cidr_block 10.0.1.0/24
	// interface eni-web, private_ips[0] (overlap false, reserved true)
	//   interface eni-web: private_ips 10.0.1.1: reserved by AWS in subnet web (10.0.1.0/24): the VPC router (base + 1)
}

// Traffic seen on one interface, such as a capture taken on it, crosses
// that interface with ENI.Cross: inbound through the subnet's network ACL,
// then the groups; outbound the other way. Each hop keeps its decision,
// and Why says what decided.
func ExampleENI_Cross() {
	tcp := flow.ProtocolOf(flow.TCP)
	anywhere := netip.MustParsePrefix("0.0.0.0/0")
	v, err := vpc.New(vpc.Config{
		NetworkACLs: []nacl.ACL{{ID: "acl-web",
			Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}},
			Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}}}},
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("198.51.100.0/24")}}}},
		Subnets: []vpc.Subnet{{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-web"}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-web",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	eni, err := v.ENI("eni-web")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	capture := []struct {
		dir  flow.Direction
		text string
	}{
		{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]"},
		{flow.Egress, "tcp 10.0.1.10:443 > 198.51.100.7:50000 [S.]"},
	}
	var path vpc.Path
	for _, c := range capture {
		p := flow.MustParsePacket(c.text)
		if err := eni.Cross(&p, c.dir, now, &path); err != nil {
			fmt.Println(err)
			return
		}
		for i, h := range path.Hops {
			if i > 0 {
				fmt.Print(", then ")
			}
			fmt.Print(h.Decision.Stage, " ", h.Decision.Verdict)
		}
		fmt.Println(":", path.Why())
	}
	// Output:
	// nacl allow, then sg allow: allowed by security group sg-web ingress rule #1 (sg-web ingress tcp 443 from 198.51.100.0/24); the connection is now tracked (SYN_SENT)
	// sg allow, then nacl drop: dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 50000 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535); the security groups had let it through as part of a tracked connection (SYN_RECV)
}
