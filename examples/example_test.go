// Package examples holds pfsim's runnable lessons, one per directory, and
// this file: the library snippet the README shows, as a checked Example.
package examples_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// A web server's interface in its subnet: a custom network ACL that allows
// port 80 both ways, and a security group that allows port 80 in. The SYN
// gets in and is tracked; the SYN-ACK is admitted by the group's connection
// tracking, then dropped by the ACL, which is stateless and has no rule for
// the client's ephemeral port.
func Example() {
	anywhere := netip.MustParsePrefix("0.0.0.0/0")
	tcp := flow.ProtocolOf(flow.TCP)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	v, err := vpc.New(vpc.Config{
		NetworkACLs: []nacl.ACL{{
			ID:      "acl-web",
			Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
			Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
		}},
		SecurityGroups: []sg.Group{{
			ID:      "sg-web",
			Ingress: []sg.Rule{{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
		}},
		Subnets: []vpc.Subnet{{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-web"}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-web",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	syn := flow.MustParsePacket("tcp 198.51.100.7:51234 > 10.0.1.10:80 [S]")
	synAck := syn.Reverse()
	synAck.Flags = flow.SYN | flow.ACK

	for _, p := range []flow.Packet{syn, synAck} {
		path, err := v.Send(&p, now)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(path.Why())
	}
	// Output:
	// allowed by security group sg-web ingress rule #1 (sg-web ingress tcp 80 from 0.0.0.0/0); the connection is now tracked (SYN_SENT)
	// dropped by network ACL acl-web egress rule * (default deny): no rule allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so the reply to a request needs a rule of its own (ephemeral ports 1024-65535); the security groups had let it through as part of a tracked connection (SYN_RECV)
}
