package scenario_test

import (
	"fmt"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/scenario"
)

func ExampleParse() {
	const doc = `
name: SSH from the office only
prefix_lists:
  - {id: pl-office, entries: [192.0.2.0/24]}
security_groups:
  - id: sg-ssh
    ingress:
      - {protocol: tcp, from_port: 22, to_port: 22, prefix_list_ids: [pl-office]}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-a, subnet: subnet-a, private_ips: [10.0.1.10], security_groups: [sg-ssh], listening: [tcp/22]}
steps:
  - at: 0s
    connect: tcp 192.0.2.10 > 10.0.1.10:22
    expect: connected
  - at: 1s
    packet: tcp 198.51.100.7:40000 > 10.0.1.10:22 [S]
    expect: {stage: sg, direction: ingress}
`
	f, _, err := scenario.Parse("ssh.yaml", []byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Name)
	fmt.Println(f.SecurityGroups[0].Group.Ingress[0].Text(flow.Ingress))
	for _, s := range f.Steps {
		switch s.Kind {
		case scenario.StepConnect:
			fmt.Println(s.Pos, s.At, s.Connect, "->", s.Expect.Outcome)
		case scenario.StepPacket:
			fmt.Println(s.Pos, s.At, s.Packet, "->", s.Expect.Verdict, "by", s.Expect.Stage, *s.Expect.Direction)
		}
	}
	// Output:
	// SSH from the office only
	// tcp 22 from pl-office
	// ssh.yaml:14:5 0s tcp 192.0.2.10 > 10.0.1.10:22 -> connected
	// ssh.yaml:17:5 1s tcp 198.51.100.7:40000 > 10.0.1.10:22 [S] -> drop by sg ingress
}

func ExampleParse_errors() {
	const doc = `name: a typo and a reserved rule number
network_acls:
  - id: acl-public
    ingress:
      - {rule_no: 32767, action: allow, protocol: tcp, from_port: 80, to_port: 80, cidr_block: 0.0.0.0/0}
      - {rule_no: 200, action: allow, protcol: tcp, from_port: 443, to_port: 443, cidr_block: 0.0.0.0/0}
`
	_, _, err := scenario.Parse("acl.yaml", []byte(doc))
	for _, e := range scenario.Errors(err) {
		fmt.Println(e)
	}
	// Output:
	// acl.yaml:5:19: nacl acl-public ingress rule_no 32767: must be 1..32766
	// acl.yaml:6:39: nacl acl-public ingress rule 200: unknown field "protcol" (did you mean protocol?)
}
