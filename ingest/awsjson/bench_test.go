package awsjson_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pfsim/pfsim/ingest/awsjson"
	"github.com/pfsim/pfsim/ingest/source"
)

// bigAccount writes describe outputs of a large VPC: groups security
// groups of rules rules each (half of them referencing another group),
// 16 subnets and an interface per group.
func bigAccount(groups, rules int) []source.File {
	var sgs, enis strings.Builder
	sgs.WriteString(`{"SecurityGroups": [`)
	enis.WriteString(`{"NetworkInterfaces": [`)
	for g := range groups {
		if g > 0 {
			sgs.WriteString(",")
			enis.WriteString(",")
		}
		fmt.Fprintf(&sgs, `{"GroupId": "sg-%08x", "VpcId": "vpc-1", "GroupName": "g%d", "Description": "group %d", "IpPermissions": [`, g, g, g)
		for r := range rules {
			if r > 0 {
				sgs.WriteString(",")
			}
			if r%2 == 0 {
				fmt.Fprintf(&sgs, `{"IpProtocol": "tcp", "FromPort": %d, "ToPort": %d, "IpRanges": [{"CidrIp": "10.%d.%d.0/24", "Description": "rule %d"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}`,
					1000+r, 1000+r, r%256, g%256, r)
			} else {
				fmt.Fprintf(&sgs, `{"IpProtocol": "udp", "FromPort": %d, "ToPort": %d, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": "sg-%08x", "UserId": "111122223333"}]}`,
					2000+r, 2000+r, (g+r)%groups)
			}
		}
		sgs.WriteString(`], "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}`)
		fmt.Fprintf(&enis, `{"NetworkInterfaceId": "eni-%08x", "SubnetId": "subnet-%d", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.%d.%d", "Groups": [{"GroupId": "sg-%08x"}]}`,
			g, g%16, g%16, 4+g/16, g)
	}
	sgs.WriteString("]}")
	enis.WriteString("]}")
	var subnets strings.Builder
	subnets.WriteString(`{"Subnets": [`)
	for s := range 16 {
		if s > 0 {
			subnets.WriteString(",")
		}
		fmt.Fprintf(&subnets, `{"SubnetId": "subnet-%d", "VpcId": "vpc-1", "CidrBlock": "10.0.%d.0/24"}`, s, s)
	}
	subnets.WriteString("]}")
	return []source.File{
		{Name: "sgs.json", Data: []byte(sgs.String())},
		{Name: "enis.json", Data: []byte(enis.String())},
		{Name: "subnets.json", Data: []byte(subnets.String())},
	}
}

// BenchmarkRead reads a VPC of 1000 groups of 20 rules (20,000 rules,
// 4.6 MB of JSON on one line per file, as jq -c writes it) and 1000
// interfaces, and checks the model. The baseline is encoding/json
// decoding the same files into untyped values, which knows no position
// and checks nothing of AWS's.
func BenchmarkRead(b *testing.B) {
	files := bigAccount(1000, 20)
	size := 0
	for _, f := range files {
		size += len(f.Data)
	}
	b.Run("awsjson", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			m, err := awsjson.Read(files, awsjson.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if len(m.Config.SecurityGroups) != 1000 || len(m.Config.SecurityGroups[999].Ingress) != 20 || len(m.Config.Interfaces) != 1000 {
				b.Fatalf("read %d groups, %d interfaces", len(m.Config.SecurityGroups), len(m.Config.Interfaces))
			}
		}
	})
	b.Run("encoding-json-any", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(files[0].Data, &v); err != nil {
				b.Fatal(err)
			}
			if len(v["SecurityGroups"].([]any)) != 1000 {
				b.Fatal("wrong count")
			}
			for _, f := range files[1:] {
				if err := json.Unmarshal(f.Data, &v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
