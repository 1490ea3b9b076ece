package awsjson_test

import (
	"fmt"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// Two describe outputs make one VPC: the group's rules, one per peer,
// and the network ACL without its `*` rules. The group a rule names but
// no file describes is kept, with a warning.
func ExampleRead() {
	sgs := `{"SecurityGroups": [{"GroupId": "sg-0db", "VpcId": "vpc-1",
  "IpPermissions": [{"FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp",
    "IpRanges": [{"CidrIp": "10.0.1.0/24"}], "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}]}]}`
	acls := `{"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": true, "Entries": [
  {"Egress": false, "RuleAction": "allow", "Protocol": "6", "RuleNumber": 100, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 5432, "To": 5432}},
  {"Egress": false, "RuleAction": "deny", "Protocol": "-1", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"}]}]}`
	m, err := awsjson.Read([]source.File{{Name: "sgs.json", Data: []byte(sgs)}, {Name: "acls.json", Data: []byte(acls)}}, awsjson.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range m.Config.SecurityGroups {
		fmt.Println(g.ID, len(g.Ingress), "inbound rules")
		for _, r := range g.Ingress {
			fmt.Println("  ", r.Text(flow.Ingress))
		}
	}
	for _, r := range m.Config.NetworkACLs[0].Ingress {
		fmt.Println(m.Config.NetworkACLs[0].ID, r)
	}
	for _, w := range m.Warnings {
		fmt.Println(w.Pos, w.Msg[:strings.Index(w.Msg, ":")])
	}
	o, _ := m.Origin(vpc.KindSecurityGroup, "sg-0app")
	fmt.Println("sg-0app named only:", o.Named)
	// Output:
	// sg-0db 2 inbound rules
	//    tcp 5432 from 10.0.1.0/24
	//    tcp 5432 from sg-0app
	// sg-0app 0 inbound rules
	// acl-1 100 allow tcp 5432 0.0.0.0/0
	// sgs.json:3:79 security group sg-0app is not in the files
	// sg-0app named only: true
}
