package terraform_test

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/ingest/terraform"
	"github.com/pfsim/pfsim/vpc"
)

// Read a Terraform configuration, build the VPC it describes, and ask it
// about packets: here a database that admits PostgreSQL from the web tier
// only, and an instance of the web tier.
func ExampleLoadHCL() {
	const mainTF = `
variable "office" {
  default = "192.0.2.0/24"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = [var.office]
  }
  egress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = [aws_subnet.app.cidr_block]
  }
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "pg_from_web" {
  security_group_id            = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.web.id
}

resource "aws_instance" "web" {
  subnet_id              = aws_subnet.app.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_instance" "db" {
  subnet_id              = aws_subnet.app.id
  private_ip             = "10.0.1.20"
  vpc_security_group_ids = [aws_security_group.db.id]
}
`
	cfg, warnings, err := terraform.LoadHCL([]source.File{{Name: "main.tf", Data: []byte(mainTF)}})
	if err != nil {
		fmt.Println(err) // FILE:LINE:COL: RESOURCE FIELD: what is wrong (the way out)
		return
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	v, err := vpc.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, text := range []string{
		"tcp 10.0.1.10:40000 > 10.0.1.20:5432 [S]",    // web → db
		"tcp 198.51.100.7:40000 > 10.0.1.20:5432 [S]", // the internet → db
	} {
		path, err := v.Send(new(flow.MustParsePacket(text)), now)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", text, path.Why())
	}
	// Output:
	// tcp 10.0.1.10:40000 > 10.0.1.20:5432 [S]: allowed by security group aws_security_group.db ingress rule #1 (aws_security_group.db ingress tcp 5432 from aws_security_group.web); the connection is now tracked (SYN_SENT)
	// tcp 198.51.100.7:40000 > 10.0.1.20:5432 [S]: dropped by security groups aws_security_group.db on ingress: no rule allows tcp from 198.51.100.7 to port 5432, and no tracked connection admits it
}

// Read the plan of a configuration, where Terraform has resolved modules,
// data sources and computed values; what it knows only after apply is
// taken from the configuration's references, or reported.
func ExampleLoadPlan() {
	f := source.File{Name: "plan.json", Data: []byte(`{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_security_group.ssh", "mode": "managed", "type": "aws_security_group", "name": "ssh",
     "values": {"name": "ssh", "ingress": [{"protocol": "tcp", "from_port": 22, "to_port": 22,
       "cidr_blocks": ["192.0.2.0/24"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [],
       "self": false, "description": ""}], "egress": []}}
  ]}},
  "resource_changes": [
    {"address": "aws_security_group.ssh", "change": {"actions": ["create"], "after_unknown": {"id": true, "vpc_id": true}}}
  ]
}`)}
	cfg, _, err := terraform.LoadPlan(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range cfg.SecurityGroups {
		for _, r := range g.Ingress {
			fmt.Println(g.ID, "ingress", r.Text(flow.Ingress))
		}
		fmt.Println(g.ID, "egress rules:", len(g.Egress))
	}
	// Output:
	// aws_security_group.ssh ingress tcp 22 from 192.0.2.0/24
	// aws_security_group.ssh egress rules: 0
}

// Follow a local module: ReadDir gives the files of its directory, here
// from memory (cmd/pfsim reads them from disk). The module's group has its
// full address, and the instance gets it through the module's output.
func ExampleReadHCL_modules() {
	dirs := map[string][]source.File{
		"modules/sg": {{Name: "modules/sg/main.tf", Data: []byte(`
variable "port" {
  type = number
}
resource "aws_security_group" "this" {
  ingress {
    protocol    = "tcp"
    from_port   = var.port
    to_port     = var.port
    cidr_blocks = ["0.0.0.0/0"]
  }
}
output "id" {
  value = aws_security_group.this.id
}
`)}},
	}
	root := source.File{Name: "main.tf", Data: []byte(`
module "web_sg" {
  source = "./modules/sg"
  port   = 443
}
resource "aws_subnet" "a" {
  cidr_block = "10.0.1.0/24"
}
resource "aws_instance" "web" {
  subnet_id              = aws_subnet.a.id
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [module.web_sg.id]
}
`)}
	readDir := func(dir string) ([]source.File, error) {
		if files, ok := dirs[dir]; ok {
			return files, nil
		}
		return nil, fs.ErrNotExist
	}
	m, err := terraform.ReadHCL([]source.File{root}, terraform.Options{ReadDir: readDir})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range m.Config.SecurityGroups {
		o, _ := m.Origin(vpc.KindSecurityGroup, g.ID)
		fmt.Println(g.ID, "from", o.Pos, "ingress", g.Ingress[0].Text(flow.Ingress))
	}
	for _, i := range m.Config.Interfaces {
		fmt.Println(i.ID, "groups", i.Groups)
	}
	// Output:
	// module.web_sg.aws_security_group.this from modules/sg/main.tf:5:1 ingress tcp 443 from 0.0.0.0/0
	// aws_instance.web groups [module.web_sg.aws_security_group.this]
}
