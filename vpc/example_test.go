package vpc_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/flow"
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
		fmt.Println(h.Interface, h.Decision.Stage, h.Decision.Direction, h.Decision.Verdict)
	}
	a, _ := v.Connect(vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("10.0.1.11"), Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 5432}, now)
	fmt.Println("eni-other:", a.Outcome, "at", a.Cause.Stage, a.Cause.Direction)
	// Output:
	// eni-app sg egress allow
	// eni-app nacl egress allow
	// eni-db nacl ingress allow
	// eni-db sg ingress allow
	// eni-other: timeout at sg ingress
}
