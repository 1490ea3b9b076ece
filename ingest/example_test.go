package ingest_test

import (
	"fmt"

	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
)

// Each file's kind is told by what it holds, whatever its name.
func ExampleDetect() {
	for _, f := range []source.File{
		{Name: "sgs.txt", Data: []byte(`{"SecurityGroups": []}`)},
		{Name: "vpc.yaml", Data: []byte("name: a lesson\nsubnets: []\n")},
		{Name: "network", Data: []byte("resource \"aws_network_acl\" \"web\" {\n}\n")},
		{Name: "plan.json", Data: []byte(`{"format_version": "1.2", "planned_values": {}}`)},
	} {
		fmt.Println(f.Name, "is", ingest.Detect(f.Name, f.Data))
	}
	// Output:
	// sgs.txt is AWS JSON
	// vpc.yaml is scenario
	// network is Terraform configuration
	// plan.json is Terraform plan JSON
}

// Read puts the files together and says where each object comes from.
func ExampleRead() {
	files := []source.File{
		{Name: "subnets.json", Data: []byte(`{"Subnets": [{"SubnetId": "subnet-1", "CidrBlock": "10.0.1.0/24"}]}`)},
		{Name: "enis.json", Data: []byte(`{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-1",
  "PrivateIpAddress": "10.0.1.10", "Groups": [{"GroupId": "sg-1"}]}]}`)},
	}
	m, err := ingest.Read(files, ingest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	itf := m.Config.Interfaces[0]
	fmt.Println(itf.ID, itf.Subnet, itf.PrivateIPs, itf.Groups)
	for _, w := range m.Warnings {
		fmt.Println("warning:", w.Pos, w.Resource)
	}
	// Output:
	// eni-1 subnet-1 [10.0.1.10] [sg-1]
	// warning: enis.json:2:59 eni-1
	// warning: subnets.json:1:14 subnet-1
}
