package terraform

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the published examples refer to and do not declare, written here,
// as a user would give "the file that defines it".
const (
	vpcMain = `resource "aws_vpc" "main" {
  cidr_block      = "10.0.0.0/16"
  ipv6_cidr_block = "2001:db8:1200::/56"
}`
	vpcExample = `resource "aws_vpc" "example" {
  cidr_block      = "10.0.0.0/16"
  ipv6_cidr_block = "2001:db8:1200::/56"
}`
	vpcFoo = `resource "aws_vpc" "foo" {
  cidr_block = "10.1.0.0/16"
}`
	secondaryBlock = `resource "aws_vpc_ipv4_cidr_block_association" "example" {
  vpc_id     = aws_vpc.example.id
  cidr_block = "172.20.0.0/16"
}`
	groupExample = `resource "aws_security_group" "example" {
  name = "example"
}`
	aclAndSubnetMain = `resource "aws_network_acl" "main" {
  vpc_id = "vpc-1"
}
resource "aws_subnet" "main" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
}`
	subnetAndGroupWeb = `resource "aws_subnet" "public_a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.0.0/24"
}
resource "aws_security_group" "web" {
  name = "web"
}`
)

// TestProviderExamples loads the Terraform AWS provider's documented
// examples (testdata/provider-docs, see testdata/README.md) and checks
// what each one models.
func TestProviderExamples(t *testing.T) {
	any4 := mustPrefix("0.0.0.0/0")
	any6 := mustPrefix("::/0")
	tcp, all := proto("tcp"), proto("-1")
	for _, tc := range []struct {
		file  string
		extra string
		check func(t *testing.T, cfg vpc.Config)
		warns []string // a substring of each warning, in order
	}{
		{file: "security_group-1.tf", extra: vpcMain, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.allow_tls")
			assert.Equal(t, []sg.Rule{
				{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: mustPrefix("10.0.0.0/16"), Description: "TLS from VPC"},
				{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: mustPrefix("2001:db8:1200::/56"), Description: "TLS from VPC"},
			}, g.Ingress)
			assert.Equal(t, []sg.Rule{{Protocol: all, CIDR: any4}, {Protocol: all, CIDR: any6}}, g.Egress)
		}},
		{file: "security_group-2.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.example")
			assert.Empty(t, g.Ingress)
			assert.Len(t, g.Egress, 2)
		}},
		{file: "security_group-3.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.example")
			require.Len(t, g.Egress, 1)
			assert.Equal(t, "aws_vpc_endpoint.my_endpoint.prefix_list_id", g.Egress[0].PrefixList)
			require.Len(t, cfg.PrefixLists, 1)
			assert.Empty(t, cfg.PrefixLists[0].Entries)
		}, warns: []string{"prefix list aws_vpc_endpoint.my_endpoint.prefix_list_id is not declared", "aws_vpc_endpoint is not read"}},
		{file: "security_group-4.tf", check: func(t *testing.T, cfg vpc.Config) {
			// Terraform removes AWS's default egress rule: nothing out (SG-18c).
			g := group(t, cfg, "aws_security_group.sg_with_changeable_name")
			assert.Empty(t, g.Ingress)
			assert.Empty(t, g.Egress)
		}},
		{file: "security_group_rule-1.tf", extra: vpcExample, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "sg-123456")
			assert.Equal(t, []sg.Rule{
				{Protocol: tcp, FromPort: 0, ToPort: 65535, CIDR: mustPrefix("10.0.0.0/16")},
				{Protocol: tcp, FromPort: 0, ToPort: 65535, CIDR: mustPrefix("2001:db8:1200::/56")},
			}, g.Ingress)
		}, warns: []string{"security group sg-123456 is not declared"}},
		{file: "security_group_rule-2.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "sg-123456")
			require.Len(t, g.Egress, 1)
			assert.Equal(t, all, g.Egress[0].Protocol)
		}, warns: []string{"prefix list", "security group sg-123456 is not declared", "aws_vpc_endpoint is not read"}},
		{file: "security_group_rule-3.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "sg-123456")
			require.Len(t, g.Egress, 1)
			assert.Equal(t, "data.aws_prefix_list.s3", g.Egress[0].PrefixList)
			assert.Equal(t, "S3 Gateway Egress", g.Egress[0].Description)
		}, warns: []string{"security group sg-123456", "prefix list data.aws_prefix_list.s3 is not declared"}},
		{file: "vpc_security_group_ingress_rule-1.tf", extra: groupExample, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.example")
			assert.Equal(t, []sg.Rule{{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: mustPrefix("10.0.0.0/8")}}, g.Ingress)
			assert.Empty(t, g.Egress, "a group made by aws_security_group has no egress rule of AWS's")
		}},
		{file: "network_acl-1.tf", check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, "aws_network_acl.main")
			assert.Equal(t, []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, CIDR: mustPrefix("10.3.0.0/18"), FromPort: 80, ToPort: 80}}, a.Ingress)
			assert.Equal(t, []nacl.Rule{{Number: 200, Action: nacl.Allow, Protocol: tcp, CIDR: mustPrefix("10.3.0.0/18"), FromPort: 443, ToPort: 443}}, a.Egress)
		}},
		{file: "network_acl_rule-1.tf", extra: vpcFoo, check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, "aws_network_acl.bar")
			assert.Equal(t, []nacl.Rule{{Number: 200, Action: nacl.Allow, Protocol: tcp, CIDR: mustPrefix("10.1.0.0/16"), FromPort: 22, ToPort: 22}}, a.Ingress)
			assert.Empty(t, a.Egress)
		}},
		{file: "network_acl_association-1.tf", extra: aclAndSubnetMain, check: func(t *testing.T, cfg vpc.Config) {
			require.Len(t, cfg.Subnets, 1)
			assert.Equal(t, "aws_network_acl.main", cfg.Subnets[0].ACL)
		}},
		{file: "default_network_acl-1.tf", check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, vpc.DefaultACL)
			assert.Len(t, a.Ingress, 1)
			assert.Len(t, a.Egress, 1)
		}},
		{file: "default_network_acl-2.tf", check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, vpc.DefaultACL)
			assert.Len(t, a.Ingress, 1)
			assert.Empty(t, a.Egress, "no egress block: Terraform removed every rule, so all egress is denied")
		}},
		{file: "default_network_acl-3.tf", check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, vpc.DefaultACL)
			assert.Empty(t, a.Ingress)
			assert.Empty(t, a.Egress)
		}},
		{file: "default_security_group-1.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, DefaultGroup)
			assert.Equal(t, []sg.Rule{{Protocol: all, Group: DefaultGroup}}, g.Ingress)
			assert.Equal(t, []sg.Rule{{Protocol: all, CIDR: any4}}, g.Egress)
		}},
		{file: "default_security_group-2.tf", check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, DefaultGroup)
			assert.Len(t, g.Ingress, 1)
			assert.Empty(t, g.Egress)
		}},
		{file: "ec2_managed_prefix_list-1.tf", extra: vpcExample + "\n" + secondaryBlock, check: func(t *testing.T, cfg vpc.Config) {
			require.Len(t, cfg.PrefixLists, 1)
			assert.Equal(t, "aws_ec2_managed_prefix_list.example", cfg.PrefixLists[0].ID)
			assert.Equal(t, []string{"10.0.0.0/16", "172.20.0.0/16"}, prefixes(cfg.PrefixLists[0].Entries))
		}, warns: []string{"a secondary IPv4 block: pfsim's model holds one block per VPC"}},
		{file: "network_interface-1.tf", extra: subnetAndGroupWeb, check: func(t *testing.T, cfg vpc.Config) {
			require.Len(t, cfg.Interfaces, 1)
			i := cfg.Interfaces[0]
			assert.Equal(t, "aws_network_interface.test", i.ID)
			assert.Equal(t, "aws_subnet.public_a", i.Subnet)
			assert.Equal(t, "[10.0.0.50]", strings.Join(strings.Fields(strings.Trim(fmtAddrs(i.PrivateIPs), "")), " "))
			assert.Equal(t, []string{"aws_security_group.web"}, i.Groups)
		}},
		{file: "network_interface_sg_attachment-1.tf", check: func(t *testing.T, cfg vpc.Config) {
			assert.Empty(t, cfg.Interfaces)
			group(t, cfg, "aws_security_group.sg")
		}, warns: []string{"no subnet_id", "interface aws_instance.instance is not modelled"}},
		{file: "network_interface_sg_attachment-2.tf", check: func(t *testing.T, cfg vpc.Config) {
			assert.Empty(t, cfg.Interfaces)
		}, warns: []string{"the interface is not known (depends on data.aws_instance.instance"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			files := []source.File{readFile(t, filepath.Join("testdata/provider-docs", tc.file))}
			if tc.extra != "" {
				files = append(files, source.File{Name: "given.tf", Data: []byte(tc.extra)})
			}
			cfg, warns, err := LoadHCL(files)
			require.NoError(t, err)
			_, err = vpc.New(cfg)
			require.NoError(t, err, "the model must build")
			tc.check(t, cfg)
			require.Len(t, warns, len(tc.warns), "%v", warns)
			for i, w := range tc.warns {
				assert.Contains(t, warns[i].String(), w)
			}
		})
	}
}
