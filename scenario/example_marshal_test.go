package scenario_test

import (
	"fmt"
	"net/netip"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// A VPC built in code, written as a scenario file to add steps to.
func ExampleMarshalWith() {
	cfg := vpc.Config{
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{
				{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
				{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 443, ToPort: 443, CIDR: netip.MustParsePrefix("::/0")},
			},
			Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("0.0.0.0/0")}}}},
		Subnets: []vpc.Subnet{{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-public",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{"sg-web"},
			Listening: []vpc.Port{{Proto: flow.TCP, Port: 443}}}},
	}
	data, err := scenario.MarshalWith(cfg, scenario.MarshalOptions{
		Name: "a web server",
		Note: func(k vpc.Kind, id string) string { return "the " + k.String() + " of the web tier" },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(data))
	// Output:
	// name: a web server
	// security_groups:
	//   # the security group of the web tier
	//   - id: sg-web
	//     ingress:
	//       - {protocol: tcp, from_port: 443, to_port: 443, cidr_blocks: [0.0.0.0/0], ipv6_cidr_blocks: ['::/0']}
	//     egress:
	//       - {protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: [0.0.0.0/0]}
	// subnets:
	//   # the subnet of the web tier
	//   - {id: subnet-public, cidr_block: 10.0.1.0/24}
	// interfaces:
	//   # the interface of the web tier
	//   - id: eni-web
	//     subnet: subnet-public
	//     private_ips: [10.0.1.10]
	//     security_groups: [sg-web]
	//     listening: [tcp/443]
}
