package terraform

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// network is a VPC, a subnet and a prefix list that the cases below
// build on.
const network = `
resource "aws_vpc" "main" {
  cidr_block                       = "10.0.0.0/16"
  assign_generated_ipv6_cidr_block = true
}
resource "aws_subnet" "a" {
  vpc_id          = aws_vpc.main.id
  cidr_block      = "10.0.1.0/24"
  ipv6_cidr_block = "2001:db8:0:1::/64"
}
resource "aws_ec2_managed_prefix_list" "office" {
  name           = "office"
  address_family = "IPv4"
  max_entries    = 2
  entry {
    cidr = "192.0.2.0/24"
  }
}
`

func loadOne(t *testing.T, src string) (vpc.Config, []source.Warning, error) {
	t.Helper()
	return LoadHCL([]source.File{{Name: "network.tf", Data: []byte(network)}, {Name: "main.tf", Data: []byte(src)}})
}

var (
	tcpP  = proto("tcp")
	udpP  = proto("udp")
	allP  = proto("-1")
	icmpP = proto("icmp")
	icmp6 = proto("icmpv6")
	v4any = mustPrefix("0.0.0.0/0")
)

// TestHCLResources reads each resource type the model is built from.
func TestHCLResources(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		check func(t *testing.T, cfg vpc.Config)
		warns []string
	}{
		// Security groups with inline rules: one rule per peer, in the
		// order cidr_blocks, ipv6_cidr_blocks, prefix_list_ids,
		// security_groups, self (IN-16).
		{name: "inline peers", src: `
resource "aws_security_group" "lb" {
  name = "lb"
}
resource "aws_security_group" "web" {
  ingress {
    protocol         = "TCP"
    from_port        = 443
    to_port          = 443
    cidr_blocks      = ["198.51.100.0/24", "203.0.113.0/24"]
    ipv6_cidr_blocks = ["2001:db8::/32"]
    prefix_list_ids  = [aws_ec2_managed_prefix_list.office.id]
    security_groups  = [aws_security_group.lb.id]
    self             = true
  }
}`, check: func(t *testing.T, cfg vpc.Config) {
			spec := sg.Rule{Protocol: tcpP, FromPort: 443, ToPort: 443}
			with := func(f func(*sg.Rule)) sg.Rule { r := spec; f(&r); return r }
			assert.Equal(t, []sg.Rule{
				with(func(r *sg.Rule) { r.CIDR = mustPrefix("198.51.100.0/24") }),
				with(func(r *sg.Rule) { r.CIDR = mustPrefix("203.0.113.0/24") }),
				with(func(r *sg.Rule) { r.CIDR = mustPrefix("2001:db8::/32") }),
				with(func(r *sg.Rule) { r.PrefixList = "aws_ec2_managed_prefix_list.office" }),
				with(func(r *sg.Rule) { r.Group = "aws_security_group.lb" }),
				with(func(r *sg.Rule) { r.Group = "aws_security_group.web" }),
			}, group(t, cfg, "aws_security_group.web").Ingress)
			assert.Empty(t, group(t, cfg, "aws_security_group.web").Egress, "no egress block: no egress rule (SG-18c)")
		}},
		// Protocols as names and numbers; ICMP type and code in the ports.
		{name: "protocols", src: `
resource "aws_security_group" "p" {
  ingress {
    protocol    = 6
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    protocol    = "17"
    from_port   = "53"
    to_port     = "53"
    cidr_blocks = ["10.0.0.0/8"]
  }
  ingress {
    protocol    = "icmp"
    from_port   = -1
    to_port     = -1
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    protocol         = "icmpv6"
    from_port        = 128
    to_port          = 0
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    protocol    = "50"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["10.0.0.0/8"]
  }
}`, check: func(t *testing.T, cfg vpc.Config) {
			in := group(t, cfg, "aws_security_group.p").Ingress
			require.Len(t, in, 5)
			assert.Equal(t, sg.Rule{Protocol: tcpP, FromPort: 22, ToPort: 22, CIDR: mustPrefix("10.0.0.0/8")}, in[0])
			assert.Equal(t, sg.Rule{Protocol: udpP, FromPort: 53, ToPort: 53, CIDR: mustPrefix("10.0.0.0/8")}, in[1])
			assert.Equal(t, sg.Rule{Protocol: icmpP, FromPort: -1, ToPort: -1, CIDR: v4any}, in[2])
			assert.Equal(t, sg.Rule{Protocol: icmp6, FromPort: 128, ToPort: 0, CIDR: mustPrefix("::/0")}, in[3])
			assert.Equal(t, sg.Rule{Protocol: proto("esp"), CIDR: mustPrefix("10.0.0.0/8")}, in[4])
		}},
		// aws_security_group_rule: type, source_security_group_id, and
		// ports ignored with protocol all (IN-22).
		{name: "aws_security_group_rule", src: `
resource "aws_security_group" "db" {
  name = "db"
}
resource "aws_security_group" "app" {
  name = "app"
}
resource "aws_security_group_rule" "pg" {
  type                     = "ingress"
  security_group_id        = aws_security_group.db.id
  protocol                 = "tcp"
  from_port                = 5432
  to_port                  = 5432
  source_security_group_id = aws_security_group.app.id
}
resource "aws_security_group_rule" "out" {
  type              = "egress"
  security_group_id = aws_security_group.db.id
  protocol          = "all"
  from_port         = 0
  to_port           = 65535
  cidr_blocks       = ["0.0.0.0/0"]
}`, check: func(t *testing.T, cfg vpc.Config) {
			db := group(t, cfg, "aws_security_group.db")
			assert.Equal(t, []sg.Rule{{Protocol: tcpP, FromPort: 5432, ToPort: 5432, Group: "aws_security_group.app"}}, db.Ingress)
			assert.Equal(t, []sg.Rule{{Protocol: allP, CIDR: v4any}}, db.Egress)
		}},
		// aws_vpc_security_group_*_rule: one peer each; icmpv6 without
		// ports is every type and code (IN-20, IN-4).
		{name: "aws_vpc_security_group rules", src: `
resource "aws_security_group" "g" {
  name = "g"
}
resource "aws_vpc_security_group_ingress_rule" "ping6" {
  security_group_id = aws_security_group.g.id
  ip_protocol       = "icmpv6"
  cidr_ipv6         = "2001:db8::/32"
}
resource "aws_vpc_security_group_ingress_rule" "office" {
  security_group_id = aws_security_group.g.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  prefix_list_id    = aws_ec2_managed_prefix_list.office.id
  description       = "SSH from the office"
}
resource "aws_vpc_security_group_egress_rule" "peers" {
  security_group_id            = aws_security_group.g.id
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.g.id
}`, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.g")
			assert.Equal(t, []sg.Rule{
				{Protocol: icmp6, FromPort: -1, ToPort: -1, CIDR: mustPrefix("2001:db8::/32")},
				{Protocol: tcpP, FromPort: 22, ToPort: 22, PrefixList: "aws_ec2_managed_prefix_list.office", Description: "SSH from the office"},
			}, g.Ingress)
			assert.Equal(t, []sg.Rule{{Protocol: allP, Group: "aws_security_group.g"}}, g.Egress)
		}},
		// Network ACLs: inline rules, subnet_ids, a deny, ICMP and IPv6.
		{name: "aws_network_acl", src: `
resource "aws_network_acl" "web" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.a.id]
  ingress {
    rule_no    = 90
    action     = "deny"
    protocol   = "-1"
    cidr_block = "203.0.113.99/32"
    from_port  = 0
    to_port    = 0
  }
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }
  ingress {
    rule_no    = 110
    action     = "allow"
    protocol   = "icmp"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
    icmp_type  = 3
    icmp_code  = -1
  }
  egress {
    rule_no         = 100
    action          = "allow"
    protocol        = 6
    ipv6_cidr_block = "::/0"
    from_port       = 1024
    to_port         = 65535
  }
}`, check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, "aws_network_acl.web")
			assert.Equal(t, []nacl.Rule{
				{Number: 90, Action: nacl.Deny, Protocol: allP, CIDR: mustPrefix("203.0.113.99/32")},
				{Number: 100, Action: nacl.Allow, Protocol: tcpP, CIDR: v4any, FromPort: 443, ToPort: 443},
				{Number: 110, Action: nacl.Allow, Protocol: icmpP, CIDR: v4any, ICMPType: 3, ICMPCode: -1},
			}, a.Ingress)
			assert.Equal(t, []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcpP, CIDR: mustPrefix("::/0"), FromPort: 1024, ToPort: 65535}}, a.Egress)
			require.Len(t, cfg.Subnets, 1)
			assert.Equal(t, "aws_network_acl.web", cfg.Subnets[0].ACL)
		}},
		// An inline ICMP rule without icmp_type and icmp_code: the
		// provider's default 0 is echo reply only (IN-25).
		{name: "icmp default 0", src: `
resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "icmp"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}`, check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, "aws_network_acl.x")
			assert.Equal(t, []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: icmpP, CIDR: v4any}}, a.Ingress)
		}, warns: []string{"main.tf:7:18: aws_network_acl.x ingress[0].protocol: icmp_type and icmp_code default to 0"}},
		// aws_network_acl_rule and aws_network_acl_association.
		{name: "aws_network_acl_rule", src: `
resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
}
resource "aws_network_acl_rule" "out" {
  network_acl_id = aws_network_acl.x.id
  rule_number    = 100
  egress         = true
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}
resource "aws_network_acl_rule" "ping" {
  network_acl_id = aws_network_acl.x.id
  rule_number    = 100
  protocol       = 1
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  icmp_type      = -1
  icmp_code      = -1
}
resource "aws_network_acl_association" "a" {
  network_acl_id = aws_network_acl.x.id
  subnet_id      = aws_subnet.a.id
}`, check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, "aws_network_acl.x")
			assert.Equal(t, []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: allP, CIDR: v4any}}, a.Egress)
			assert.Equal(t, []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: icmpP, CIDR: v4any, ICMPType: -1, ICMPCode: -1}}, a.Ingress)
			assert.Equal(t, "aws_network_acl.x", cfg.Subnets[0].ACL)
		}},
		// Rules added to the VPC's default ACL that no resource manages:
		// AWS's rules stay (NACL-23).
		{name: "rule on the unmanaged default ACL", src: `
resource "aws_network_acl_rule" "block" {
  network_acl_id = aws_vpc.main.default_network_acl_id
  rule_number    = 50
  protocol       = "-1"
  rule_action    = "deny"
  cidr_block     = "203.0.113.0/24"
}`, check: func(t *testing.T, cfg vpc.Config) {
			a := acl(t, cfg, vpc.DefaultACL)
			require.Len(t, a.Ingress, 3)
			assert.Equal(t, 50, a.Ingress[2].Number)
		}, warns: []string{"main.tf:3:20: aws_network_acl_rule.block network_acl_id: the VPC's default network ACL is used but not declared"}},
		// An interface given no group gets the VPC's default group, with
		// AWS's rules when no aws_default_security_group manages it
		// (SG-18a); the VPC has IPv6, so egress to ::/0 too.
		{name: "default group", src: `
resource "aws_instance" "a" {
  subnet_id  = aws_subnet.a.id
  private_ip = "10.0.1.10"
}`, check: func(t *testing.T, cfg vpc.Config) {
			assert.Equal(t, []string{DefaultGroup}, cfg.Interfaces[0].Groups)
			g := group(t, cfg, DefaultGroup)
			assert.Equal(t, []sg.Rule{{Protocol: allP, Group: DefaultGroup}}, g.Ingress)
			assert.Equal(t, []sg.Rule{{Protocol: allP, CIDR: v4any}, {Protocol: allP, CIDR: mustPrefix("::/0")}}, g.Egress)
		}, warns: []string{"the VPC's default security group is used but not declared"}},
		// aws_default_security_group manages that group: its rules are the
		// configuration's only, and aws_vpc's default_security_group_id
		// names it.
		{name: "aws_default_security_group", src: `
resource "aws_default_security_group" "d" {
  vpc_id = aws_vpc.main.id
  ingress {
    protocol  = "tcp"
    from_port = 22
    to_port   = 22
    self      = true
  }
}
resource "aws_instance" "a" {
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_vpc.main.default_security_group_id]
}`, check: func(t *testing.T, cfg vpc.Config) {
			assert.Equal(t, []string{DefaultGroup}, cfg.Interfaces[0].Groups)
			g := group(t, cfg, DefaultGroup)
			assert.Equal(t, []sg.Rule{{Protocol: tcpP, FromPort: 22, ToPort: 22, Group: DefaultGroup}}, g.Ingress)
			assert.Empty(t, g.Egress)
		}},
		// A rule added to the VPC's default group that no resource
		// manages: AWS's rules stay, the new one joins them.
		{name: "rule on the unmanaged default group", src: `
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_vpc.main.default_security_group_id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["192.0.2.0/24"]
}`, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, DefaultGroup)
			assert.Equal(t, []sg.Rule{
				{Protocol: allP, Group: DefaultGroup},
				{Protocol: tcpP, FromPort: 22, ToPort: 22, CIDR: mustPrefix("192.0.2.0/24")},
			}, g.Ingress)
			assert.Len(t, g.Egress, 2)
		}, warns: []string{"main.tf:4:23: aws_security_group_rule.ssh security_group_id: the VPC's default security group is used but not declared"}},
		// Prefix list entries written as resources.
		{name: "aws_ec2_managed_prefix_list_entry", src: `
resource "aws_ec2_managed_prefix_list_entry" "home" {
  prefix_list_id = aws_ec2_managed_prefix_list.office.id
  cidr           = "198.51.100.7/32"
}`, check: func(t *testing.T, cfg vpc.Config) {
			require.Len(t, cfg.PrefixLists, 1)
			assert.Equal(t, []string{"192.0.2.0/24", "198.51.100.7/32"}, prefixes(cfg.PrefixLists[0].Entries))
		}},
		// Network interfaces: ordered addresses, IPv6, and a group
		// attached by aws_network_interface_sg_attachment.
		{name: "aws_network_interface", src: `
resource "aws_security_group" "a" {
  name = "a"
}
resource "aws_security_group" "b" {
  name = "b"
}
resource "aws_network_interface" "e" {
  subnet_id               = aws_subnet.a.id
  private_ip_list_enabled = true
  private_ip_list         = ["10.0.1.20", "10.0.1.21"]
  ipv6_addresses          = ["2001:db8:0:1::20"]
  security_groups         = [aws_security_group.a.id]
}
resource "aws_network_interface_sg_attachment" "b" {
  security_group_id    = aws_security_group.b.id
  network_interface_id = aws_network_interface.e.id
}`, check: func(t *testing.T, cfg vpc.Config) {
			i := cfg.Interfaces[0]
			assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.1.20"), netip.MustParseAddr("10.0.1.21")}, i.PrivateIPs)
			assert.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8:0:1::20")}, i.IPv6Addrs)
			assert.Equal(t, []string{"aws_security_group.a", "aws_security_group.b"}, i.Groups)
		}},
		// Instances: secondary addresses, groups by name (security_groups).
		{name: "aws_instance", src: `
resource "aws_security_group" "web" {
  name = "web-sg"
}
resource "aws_instance" "a" {
  subnet_id             = aws_subnet.a.id
  private_ip            = "10.0.1.10"
  secondary_private_ips = ["10.0.1.11"]
  security_groups       = [aws_security_group.web.name]
}`, check: func(t *testing.T, cfg vpc.Config) {
			i := cfg.Interfaces[0]
			assert.Equal(t, "aws_instance.a", i.ID)
			assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.1.10"), netip.MustParseAddr("10.0.1.11")}, i.PrivateIPs)
			assert.Equal(t, []string{"aws_security_group.web"}, i.Groups)
		}},
		// Variables, .tfvars-less defaults, locals and functions.
		{name: "variables locals functions", src: `
variable "ports" {
  type    = list(number)
  default = [80, 443]
}
variable "extra" {
  default = { office = "192.0.2.0/24" }
}
locals {
  base    = "10.20.0.0/16"
  blocks  = concat([cidrsubnet(local.base, 8, 3)], values(var.extra))
  all     = merge({ a = 1 }, { b = 2 })
  flat    = flatten([[local.base], []])
  host    = cidrhost("10.0.1.0/24", 10)
  as_set  = toset(["198.51.100.1/32", "198.51.100.1/32"])
  as_list = tolist(local.as_set)
}
resource "aws_security_group" "v" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      protocol    = "tcp"
      from_port   = ingress.value
      to_port     = ingress.value
      cidr_blocks = local.blocks
    }
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = concat(local.flat, local.as_list, ["${local.host}/32"])
    description = "keys: ${join(",", keys(local.all))}"
  }
}`, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.v")
			require.Len(t, g.Ingress, 4)
			assert.Equal(t, sg.Rule{Protocol: tcpP, FromPort: 80, ToPort: 80, CIDR: mustPrefix("10.20.3.0/24")}, g.Ingress[0])
			assert.Equal(t, sg.Rule{Protocol: tcpP, FromPort: 443, ToPort: 443, CIDR: mustPrefix("192.0.2.0/24")}, g.Ingress[3])
			require.Len(t, g.Egress, 3)
			assert.Equal(t, []string{"10.20.0.0/16", "198.51.100.1/32", "10.0.1.10/32"},
				[]string{g.Egress[0].CIDR.String(), g.Egress[1].CIDR.String(), g.Egress[2].CIDR.String()})
			assert.Equal(t, "keys: a,b", g.Egress[0].Description)
		}},
		// count and for_each: one object per instance, named by index or
		// key, referenced by index.
		{name: "count and for_each", src: `
resource "aws_subnet" "n" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, 10 + count.index)
}
resource "aws_security_group" "g" {
  for_each = { web = 80, api = 8080 }
  name     = each.key
  ingress {
    protocol    = "tcp"
    from_port   = each.value
    to_port     = each.value
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "a" {
  subnet_id              = aws_subnet.n[1].id
  private_ip             = "10.0.11.10"
  vpc_security_group_ids = [aws_security_group.g["api"].id]
}`, check: func(t *testing.T, cfg vpc.Config) {
			require.Len(t, cfg.Subnets, 3)
			assert.Equal(t, "aws_subnet.n[1]", cfg.Subnets[2].ID)
			assert.Equal(t, mustPrefix("10.0.11.0/24"), cfg.Subnets[2].CIDR)
			api := group(t, cfg, `aws_security_group.g["api"]`)
			assert.Equal(t, 8080, api.Ingress[0].FromPort)
			assert.Equal(t, "aws_subnet.n[1]", cfg.Interfaces[0].Subnet)
			assert.Equal(t, []string{`aws_security_group.g["api"]`}, cfg.Interfaces[0].Groups)
		}},
		// Rules written as an attribute, ingress = [...].
		{name: "attributes as blocks", src: `
resource "aws_security_group" "x" {
  ingress = [{
    protocol         = "tcp"
    from_port        = 80
    to_port          = 80
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = []
    prefix_list_ids  = []
    security_groups  = []
    self             = false
    description      = ""
  }]
  egress = []
}`, check: func(t *testing.T, cfg vpc.Config) {
			g := group(t, cfg, "aws_security_group.x")
			assert.Equal(t, []sg.Rule{{Protocol: tcpP, FromPort: 80, ToPort: 80, CIDR: v4any}}, g.Ingress)
			assert.Empty(t, g.Egress)
		}},
		// What filtering does not need may point anywhere: unknown VPCs,
		// data sources, modules, functions pfsim does not have.
		{name: "non-filtering arguments", src: `
resource "aws_security_group" "x" {
  vpc_id      = data.aws_vpc.other.id
  description = file("description.txt")
  tags        = module.labels.tags
}`, check: func(t *testing.T, cfg vpc.Config) {
			group(t, cfg, "aws_security_group.x")
		}},
		// An IPv6-only subnet is not modelled, nor its interfaces; a
		// secondary block leaves the VPC's block out.
		{name: "IPv6-only subnet", src: `
resource "aws_vpc_ipv4_cidr_block_association" "second" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "172.20.0.0/16"
}
resource "aws_subnet" "v6" {
  vpc_id          = aws_vpc.main.id
  ipv6_native     = true
  ipv6_cidr_block = "2001:db8:0:2::/64"
}
resource "aws_subnet" "second" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "172.20.1.0/24"
}
resource "aws_network_interface" "e" {
  subnet_id = aws_subnet.v6.id
}`, check: func(t *testing.T, cfg vpc.Config) {
			assert.False(t, cfg.CIDR.IsValid())
			assert.Len(t, cfg.Subnets, 2)
			assert.Empty(t, cfg.Interfaces)
		}, warns: []string{
			"main.tf:2:1: aws_vpc_ipv4_cidr_block_association.second: a secondary IPv4 block",
			"main.tf:6:1: aws_subnet.v6 cidr_block: no IPv4 block: pfsim models subnets with an IPv4 block",
			"main.tf:16:15: aws_network_interface.e subnet_id: subnet aws_subnet.v6 is not modelled (it has no IPv4 block): the interface is not modelled",
		}},
		// Warnings: a module call, a type not read, an instance without an
		// address, a group of another configuration.
		{name: "warnings", src: `
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_instance" "a" {
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = ["sg-0123"]
}`, check: func(t *testing.T, cfg vpc.Config) {
			assert.Empty(t, cfg.Interfaces)
		}, warns: []string{
			"main.tf:2:1: module.vpc: module calls are not followed: the resources of module vpc (terraform-aws-modules/vpc/aws) are not read (use the plan JSON",
			"main.tf:5:1: aws_internet_gateway.gw: resource type aws_internet_gateway is not read (1 resource)",
			"main.tf:8:1: aws_instance.a private_ip: no private IPv4 address is given",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, warns, err := loadOne(t, tc.src)
			require.NoError(t, err)
			_, err = vpc.New(cfg)
			require.NoError(t, err)
			tc.check(t, cfg)
			var got []string
			for _, w := range warns {
				got = append(got, w.String())
			}
			require.Len(t, got, len(tc.warns), "%s", strings.Join(got, "\n"))
			for i, w := range tc.warns {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

// TestHCLErrors: each problem is reported at its place, with the resource,
// the field and, where there is one, the way out.
func TestHCLErrors(t *testing.T) {
	group := func(body string) string {
		return "resource \"aws_security_group\" \"web\" {\n" + body + "\n}\n"
	}
	rule := func(fields string) string {
		return group("  ingress {\n" + fields + "\n  }")
	}
	for _, tc := range []struct {
		name string
		src  string
		want []string // one substring per error, in order
	}{
		{name: "syntax", src: "resource \"aws_vpc\" \"x\" {\n  cidr_block = \n}\n",
			want: []string{"main.tf:2:"}},
		{name: "top-level argument", src: "x = 1\n", want: []string{"main.tf:1:1: x: an argument at the top level"}},
		{name: "unknown block", src: "resourse \"aws_vpc\" \"x\" {}\n", want: []string{`main.tf:1:1: unknown block type "resourse"`}},
		{name: "labels", src: "resource \"aws_vpc\" {}\n", want: []string{"main.tf:1:1: a resource block needs 2 labels; this one has 1"}},
		{name: "duplicate resource", src: "resource \"aws_vpc\" \"main\" {\n}\n",
			want: []string{"main.tf:1:1: aws_vpc.main: duplicate resource: also declared at network.tf:2:1 (rename or remove one of them)"}},
		{name: "not a CIDR", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["10.0.0/8"]`),
			want: []string{`main.tf:6:19: aws_security_group.web ingress[0].cidr_blocks: "10.0.0/8" is not a CIDR block`}},
		{name: "IPv6 in cidr_blocks", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["::/0"]`),
			want: []string{`ingress[0].cidr_blocks: "::/0" is not an IPv4 CIDR block (put IPv6 blocks in the IPv6 argument)`}},
		{name: "protocol", src: rule(`    protocol = "tcpp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["0.0.0.0/0"]`),
			want: []string{`main.tf:3:16: aws_security_group.web ingress[0].protocol: "tcpp" is not a protocol`}},
		{name: "-1 with ports", src: rule(`    protocol = "-1"
    from_port = 22
    to_port = 22
    cidr_blocks = ["0.0.0.0/0"]`),
			want: []string{`ingress[0].from_port: protocol "-1" needs from_port and to_port of 0`}},
		{name: "missing port", src: rule(`    protocol = "tcp"
    from_port = 80
    cidr_blocks = ["0.0.0.0/0"]`),
			want: []string{"main.tf:2:3: aws_security_group.web ingress[0].to_port: required argument missing"}},
		{name: "no peer", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80`),
			want: []string{"ingress[0]: the rule has no peer"}},
		{name: "port out of range", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 70000
    cidr_blocks = ["0.0.0.0/0"]`),
			want: []string{`main.tf:5:15: aws_security_group.web ingress[0].to_port: "70000": must be 0..65535`}},
		{name: "undeclared reference", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = [aws_vpc.other.cidr_block]`),
			want: []string{"ingress[0].cidr_blocks: depends on aws_vpc.other, which is not declared in the files given (give the file that defines it)"}},
		{name: "data source", src: "data \"aws_vpc\" \"x\" {\n}\n" + rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = [data.aws_vpc.x.cidr_block]`),
			want: []string{"main.tf:8:19: aws_security_group.web ingress[0].cidr_blocks: depends on data.aws_vpc.x (main.tf:1:1), which Terraform reads from AWS (use the plan JSON"}},
		{name: "module output", src: "module \"net\" {\n  source = \"./net\"\n}\n" + rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = module.net.blocks`),
			want: []string{"ingress[0].cidr_blocks: depends on module.net (main.tf:1:1), whose outputs pfsim does not evaluate (use the plan JSON"}},
		{name: "computed attribute", src: `resource "aws_instance" "a" {
  subnet_id  = aws_subnet.a.id
  private_ip = "10.0.1.10"
}
` + rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["${aws_instance.a.public_ip}/32"]`),
			want: []string{"ingress[0].cidr_blocks: depends on aws_instance.a.public_ip, which is known only after apply (set it in the configuration"}},
		{name: "variable without default", src: "variable \"office\" {}\n" + rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = [var.office]`),
			want: []string{"depends on var.office (main.tf:1:1), which has no default (give it a default, add a .tfvars file"}},
		{name: "unknown count", src: `data "aws_availability_zones" "all" {}
resource "aws_subnet" "s" {
  count      = length(data.aws_availability_zones.all.names)
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}`,
			want: []string{"main.tf:3:16: aws_subnet.s count: the instances cannot be known: depends on data.aws_availability_zones.all"}},
		{name: "unknown for_each", src: `resource "aws_subnet" "s" {
  for_each   = toset(aws_vpc.main.ipv6_cidr_block)
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.9.0/24"
}`,
			want: []string{"main.tf:2:16: aws_subnet.s for_each: the instances cannot be known: depends on aws_vpc.main.ipv6_cidr_block, which is known only after apply"}},
		{name: "unknown dynamic", src: group(`  dynamic "ingress" {
    for_each = data.aws_ip_ranges.x.cidr_blocks
    content {
      protocol = "tcp"
      from_port = 443
      to_port = 443
      cidr_blocks = [ingress.value]
    }
  }`),
			want: []string{"aws_security_group.web dynamic.ingress.for_each: the blocks cannot be known: depends on data.aws_ip_ranges.x, which is not declared"}},
		{name: "function not available", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = [file("office.txt")]`),
			want: []string{`aws_security_group.web ingress[0].cidr_blocks: call to unknown function: There is no function named "file"`}},
		{name: "inline and rule resources (IN-18)", src: rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = ["0.0.0.0/0"]`) + `resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["0.0.0.0/0"]
}`,
			want: []string{"aws_security_group_rule.ssh security_group_id: aws_security_group.web writes its rules inline; Terraform cannot also manage rules of it with aws_security_group_rule"}},
		{name: "inline and aws_network_acl_rule (IN-26)", src: `resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}
resource "aws_network_acl_rule" "r" {
  network_acl_id = aws_network_acl.x.id
  rule_number    = 100
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}`,
			want: []string{"main.tf:13:20: aws_network_acl_rule.r network_acl_id: aws_network_acl.x manages its rules inline"}},
		{name: "two associations", src: `resource "aws_network_acl" "x" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.a.id]
}
resource "aws_network_acl" "y" {
  vpc_id = aws_vpc.main.id
}
resource "aws_network_acl_association" "y" {
  network_acl_id = aws_network_acl.y.id
  subnet_id      = aws_subnet.a.id
}`,
			want: []string{"main.tf:10:20: aws_network_acl_association.y subnet_id: aws_subnet.a is also associated with aws_network_acl.x by aws_network_acl.x (main.tf:3:16); a subnet has one network ACL (NACL-26)"}},
		{name: "rule number", src: `resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
  ingress {
    rule_no    = 32767
    action     = "allow"
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}`,
			want: []string{`main.tf:4:18: aws_network_acl.x ingress[0].rule_no: "32767": must be 1..32766`}},
		{name: "action", src: `resource "aws_network_acl_rule" "r" {
  network_acl_id = aws_vpc.main.default_network_acl_id
  rule_number    = 10
  protocol       = "-1"
  rule_action    = "permit"
  cidr_block     = "0.0.0.0/0"
}`,
			want: []string{`main.tf:5:20: aws_network_acl_rule.r rule_action: "permit" is not allow or deny`}},
		{name: "both families", src: `resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
  ingress {
    rule_no         = 10
    action          = "allow"
    protocol        = "-1"
    cidr_block      = "0.0.0.0/0"
    ipv6_cidr_block = "::/0"
    from_port       = 0
    to_port         = 0
  }
}`,
			want: []string{"aws_network_acl.x ingress[0].ipv6_cidr_block: a rule has cidr_block or ipv6_cidr_block, not both"}},
		{name: "icmp type required", src: `resource "aws_network_acl" "x" {
  vpc_id = aws_vpc.main.id
}
resource "aws_network_acl_rule" "r" {
  network_acl_id = aws_network_acl.x.id
  rule_number    = 10
  protocol       = "icmp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}`,
			want: []string{"aws_network_acl_rule.r icmp_type: required argument missing", "aws_network_acl_rule.r icmp_code: required argument missing"}},
		{name: "source group with CIDRs (IN-22)", src: `resource "aws_security_group_rule" "r" {
  type                     = "ingress"
  security_group_id        = "sg-1"
  protocol                 = "tcp"
  from_port                = 80
  to_port                  = 80
  cidr_blocks              = ["10.0.0.0/8"]
  source_security_group_id = "sg-2"
}`,
			want: []string{"main.tf:8:30: aws_security_group_rule.r source_security_group_id: source_security_group_id cannot be combined with cidr_blocks (IN-22) (write one rule resource per kind of peer)"}},
		{name: "two peers", src: `resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
  cidr_ipv6         = "::/0"
}`,
			want: []string{"main.tf:1:1: aws_vpc_security_group_ingress_rule.r: a rule needs exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id; it has 2"}},
		{name: "address outside its subnet", src: `resource "aws_instance" "a" {
  subnet_id  = aws_subnet.a.id
  private_ip = "10.0.2.10"
}`,
			want: []string{`main.tf:3:16: aws_instance.a private_ip: "10.0.2.10": not in subnet aws_subnet.a's cidr_block 10.0.1.0/24`}},
		{name: "local cycle", src: "locals {\n  a = local.b\n  b = local.a\n}\n" + rule(`    protocol = "tcp"
    from_port = 80
    to_port = 80
    cidr_blocks = [local.a]`),
			want: []string{"refers to itself"}},
		{name: "tfvars with a block", src: "", want: []string{"vars.tfvars:1:1: a .tfvars file sets variables; it has no blocks"}},
		{name: "JSON syntax", src: "", want: []string{"main.tf.json: Terraform's JSON configuration syntax is not read (give the .tf files"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := []source.File{{Name: "network.tf", Data: []byte(network)}, {Name: "main.tf", Data: []byte(tc.src)}}
			switch tc.name {
			case "tfvars with a block":
				files = append(files, source.File{Name: "vars.tfvars", Data: []byte("x {}\n")})
			case "JSON syntax":
				files = append(files, source.File{Name: "main.tf.json", Data: []byte(`{"resource": {}}`)})
			}
			cfg, _, err := LoadHCL(files)
			require.Error(t, err)
			assert.Zero(t, cfg.SecurityGroups, "no model with an error")
			errs := source.Errors(err)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			require.Len(t, got, len(tc.want), "%s", strings.Join(got, "\n"))
			for i, w := range tc.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

// TestTfvars: a .tfvars file sets variables, over their defaults.
func TestTfvars(t *testing.T) {
	src := `variable "office" {
  default = "192.0.2.0/24"
}
resource "aws_security_group" "g" {
  ingress {
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = [var.office]
  }
}`
	cfg, _, err := LoadHCL([]source.File{{Name: "main.tf", Data: []byte(src)}, {Name: "prod.tfvars", Data: []byte(`office = "198.51.100.0/24"`)}})
	require.NoError(t, err)
	assert.Equal(t, mustPrefix("198.51.100.0/24"), group(t, cfg, "aws_security_group.g").Ingress[0].CIDR)
}
