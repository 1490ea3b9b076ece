package terraform

import (
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every object of the model says where it comes from: declared ones at
// their resource block, ones the files only name (an outside group or
// prefix list) where they are first named, and the VPC's default group,
// when nothing declares it, where it is first used.
func TestReadHCLOrigins(t *testing.T) {
	const tf = `resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_network_acl" "edge" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.a.id]
}

resource "aws_security_group" "web" {
  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = ["sg-0feed"]
  }
  ingress {
    from_port       = 80
    to_port         = 80
    protocol        = "tcp"
    prefix_list_ids = ["pl-0cafe"]
  }
}

resource "aws_network_interface" "web" {
  subnet_id   = aws_subnet.a.id
  private_ips = ["10.0.1.10"]
  security_groups = [aws_security_group.web.id]
}

resource "aws_network_interface" "db" {
  subnet_id   = aws_subnet.a.id
  private_ips = ["10.0.1.20"]
}
`
	m, err := ReadHCL([]source.File{{Name: "main.tf", Data: []byte(tf)}}, Options{})
	require.NoError(t, err)
	at := func(line, col int) source.Pos { return source.Pos{File: "main.tf", Line: line, Col: col} }
	for _, c := range []struct {
		kind vpc.Kind
		id   string
		want source.Origin
	}{
		{vpc.KindSubnet, "aws_subnet.a", source.Origin{Pos: at(5, 1)}},
		{vpc.KindNetworkACL, "aws_network_acl.edge", source.Origin{Pos: at(10, 1)}},
		{vpc.KindSecurityGroup, "aws_security_group.web", source.Origin{Pos: at(15, 1)}},
		{vpc.KindSecurityGroup, "sg-0feed", source.Origin{Pos: at(20, 23), Named: true}},
		{vpc.KindPrefixList, "pl-0cafe", source.Origin{Pos: at(26, 23), Named: true}},
		{vpc.KindInterface, "aws_network_interface.web", source.Origin{Pos: at(30, 1)}},
		{vpc.KindInterface, "aws_network_interface.db", source.Origin{Pos: at(36, 1)}},
		// db carries no group, so it gets the VPC's default one, there.
		{vpc.KindSecurityGroup, DefaultGroup, source.Origin{Pos: at(36, 1)}},
	} {
		o, ok := m.Origin(c.kind, c.id)
		if assert.True(t, ok, "%s %s has an origin", c.kind, c.id) {
			assert.Equal(t, c.want, o, "%s %s", c.kind, c.id)
		}
	}
	_, ok := m.Origin(vpc.KindSecurityGroup, "sg-not-there")
	assert.False(t, ok)

	// LoadHCL gives the same model.
	cfg, ws, err := LoadHCL([]source.File{{Name: "main.tf", Data: []byte(tf)}})
	require.NoError(t, err)
	assert.Equal(t, m.Config, cfg)
	assert.Equal(t, m.Warnings, ws)
}

// A plan's objects are placed at the resource's object in the JSON; on
// error the Model holds no VPC but is not nil.
func TestReadPlanOrigins(t *testing.T) {
	f := readFile(t, "testdata/seed-plan.json")
	m, err := ReadPlan(f)
	require.NoError(t, err)
	o, ok := m.Origin(vpc.KindSecurityGroup, "aws_security_group.web")
	require.True(t, ok)
	assert.Equal(t, source.Origin{Pos: source.Pos{File: f.Name, Line: 47, Col: 22}}, o)

	m, err = ReadPlan(source.File{Name: "bad.json", Data: []byte("{")})
	require.Error(t, err)
	require.NotNil(t, m)
	assert.Empty(t, m.Config.SecurityGroups)
	_, ok = m.Origin(vpc.KindSecurityGroup, "aws_security_group.web")
	assert.False(t, ok)
}

// A warning about one rule stands at the rule's argument, not at its
// resource block.
func TestRuleWarningsAtTheRule(t *testing.T) {
	const tf = `resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "10.0.0.0/8"]
  }
}
resource "aws_network_acl" "a" {
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
    cidr_block = "10.0.0.1/24"
  }
}
`
	_, ws, err := LoadHCL([]source.File{{Name: "main.tf", Data: []byte(tf)}})
	require.NoError(t, err)
	var got []string
	for _, w := range ws {
		if w.Resource == "aws_security_group.web" || w.Resource == "aws_network_acl.a" {
			got = append(got, w.Pos.String()+" "+w.Field)
		}
	}
	assert.Contains(t, got, "main.tf:6:19 ingress[0].cidr_blocks", "the duplicate, at its rule: %v", ws)
	assert.Contains(t, got, "main.tf:16:18 ingress[0].cidr_block", "the host bits, at the CIDR: %v", ws)
}
