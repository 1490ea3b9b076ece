package ingest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

func file(t testing.TB, path string) source.File {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return source.File{Name: path, Data: data}
}

const (
	lesson   = "../examples/scenarios/01-seed-web-server.yaml"
	awsSeed  = "awsjson/testdata/seed/"
	awsCLI   = "awsjson/testdata/cli/"
	planJSON = `{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {}}}`
	hcl      = "variable \"cidr\" {\n  default = \"10.0.0.0/16\"\n}\n\nresource \"aws_security_group\" \"web\" {\n  name = \"web\"\n}\n"
)

// Each kind is told by the content; the name only when the content does
// not say.
func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want ingest.Kind
	}{
		// Scenario files, YAML or JSON, whatever their name.
		{"a.yaml", "name: x\nsecurity_groups: []\n", ingest.Scenario},
		{"a.txt", "# a lesson\nname: x\nsteps:\n  - at: 0s\n", ingest.Scenario},
		{"a.json", `{"name": "x", "subnets": []}`, ingest.Scenario},
		{"broken.yaml", "name: [unclosed\n", ingest.Scenario},
		// AWS JSON: a member of the describe outputs at the top.
		{"x", `{"SecurityGroups": []}`, ingest.AWSJSON},
		{"x", `{"Return": true, "SecurityGroupRules": []}`, ingest.AWSJSON},
		{"x", "\xef\xbb\xbf  {\"NetworkAcls\": [", ingest.AWSJSON},
		{"cut.json", `{`, ingest.AWSJSON},
		// Terraform.
		{"main", hcl, ingest.TerraformHCL},
		{"main.tf", "# nothing yet\n", ingest.TerraformHCL},
		{"terraform.tfvars", "ssh_cidr = \"192.0.2.0/24\"\n", ingest.TerraformHCL},
		{"x.tf.json", `{"resource": {"aws_security_group": {"web": {}}}}`, ingest.TerraformHCL},
		{"x.json", `{"variable": {"a": {}}, "resource": {}}`, ingest.TerraformHCL},
		{"plan", planJSON, ingest.TerraformPlan},
		{"plan.json", `{"format_version": "1.2", "resource_changes": []}`, ingest.TerraformPlan},
		// Nothing to go by.
		{"notes.txt", "hello\n", ingest.Unknown},
		{"x", ``, ingest.Unknown},
		{"x", `[1, 2]`, ingest.Unknown},
		{"x.bin", "\x00\x01\x02", ingest.Unknown},
	} {
		assert.Equal(t, tc.want, ingest.Detect(tc.name, []byte(tc.data)), "%s: %q", tc.name, tc.data)
	}
	// Every fixture of the repository is told right.
	paths, err := filepath.Glob("awsjson/testdata/*/*.json")
	require.NoError(t, err)
	for _, p := range paths {
		assert.Equal(t, ingest.AWSJSON, ingest.Detect(p, file(t, p).Data), p)
	}
	lessons, err := filepath.Glob("../examples/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, lessons)
	for _, p := range lessons {
		assert.Equal(t, ingest.Scenario, ingest.Detect("lesson", file(t, p).Data), p)
	}
	assert.Equal(t, "Terraform plan JSON", ingest.TerraformPlan.String())
}

func TestRead(t *testing.T) {
	// AWS JSON files make one VPC; each object says where it was read.
	var seed []source.File
	paths, err := filepath.Glob(awsSeed + "*.json")
	require.NoError(t, err)
	for _, p := range paths {
		seed = append(seed, file(t, p))
	}
	m, err := ingest.Read(seed, ingest.Options{})
	require.NoError(t, err)
	assert.Len(t, m.Kinds, len(seed))
	assert.Len(t, m.Config.SecurityGroups, 1)
	o, ok := m.Origin(vpc.KindInterface, "eni-0f1e2d3c4b5a69788")
	require.True(t, ok)
	assert.Equal(t, source.Pos{File: awsSeed + "describe-network-interfaces.json", Line: 3, Col: 9}, o.Pos)

	// A scenario file brings its VPC, not its steps, nor the default ACL
	// it does not declare.
	m, err = ingest.Read([]source.File{file(t, lesson)}, ingest.Options{})
	require.NoError(t, err)
	f, _, err := scenario.Load(lesson)
	require.NoError(t, err)
	want := scenario.Config(f)
	want.NetworkACLs = slices.DeleteFunc(want.NetworkACLs, func(a nacl.ACL) bool { return a.ID == vpc.DefaultACL })
	require.Empty(t, want.NetworkACLs)
	want.NetworkACLs = nil
	assert.Equal(t, want, m.Config)
	require.NotEmpty(t, m.Warnings)
	assert.Contains(t, m.Warnings[0].String(), "01-seed-web-server.yaml:32:5: 14 step(s) left out: only the VPC is read")
	o, ok = m.Origin(vpc.KindSecurityGroup, "sg-web")
	require.True(t, ok)
	assert.Equal(t, source.Pos{File: lesson, Line: 16, Col: 5}, o.Pos)

	// Files of different kinds bring their objects together.
	both := append([]source.File{file(t, lesson)}, file(t, awsCLI+"describe-security-group-rules-2.json"))
	m, err = ingest.Read(both, ingest.Options{})
	require.NoError(t, err)
	assert.Equal(t, []ingest.Kind{ingest.Scenario, ingest.AWSJSON}, m.Kinds)
	assert.Len(t, m.Config.SecurityGroups, 2)

	for _, tc := range []struct {
		name  string
		files []source.File
		opts  ingest.Options
		err   string
	}{
		{"an object two files declare",
			[]source.File{file(t, lesson), {Name: "sg.json", Data: []byte(`{"SecurityGroups": [{"GroupId": "sg-web"}]}`)}}, ingest.Options{},
			"sg.json:1:21: sg-web: security group sg-web is declared by two files (first at " + lesson + ":16:5)"},
		{"the VPC model checks the whole",
			[]source.File{file(t, lesson), {Name: "s.json", Data: []byte(`{"Subnets": [{"SubnetId": "subnet-x", "CidrBlock": "10.0.1.0/25"}]}`)}}, ingest.Options{},
			"s.json:1:14: subnet-x cidr_block: 10.0.1.0/25: overlaps subnet subnet-public's cidr_block 10.0.1.0/24"},
		{"Terraform's errors pass through", []source.File{{Name: "main.tf", Data: []byte("resource \"aws_subnet\" \"a\" {\n  cidr_block = \"10.0.1.0/33\"\n}\n")}}, ingest.Options{},
			"main.tf:2:16: aws_subnet.a cidr_block: \"10.0.1.0/33\" is not a CIDR block"},
		{"a file of no known kind", []source.File{{Name: "notes.txt", Data: []byte("hello")}}, ingest.Options{},
			"notes.txt: cannot tell what this file is (give a scenario file, the JSON of aws ec2 describe-* commands, Terraform files (.tf) or the JSON of terraform show -json)"},
		{"a scenario's own errors, with their fields", []source.File{{Name: "s.yaml", Data: []byte("name: x\nsubnets:\n  - {id: a, cidr_block: 10.0.1.0/33}\n")}}, ingest.Options{},
			"s.yaml:3:25: subnet a: cidr_block 10.0.1.0/33: not a CIDR: want an address and a prefix length such as 10.0.0.0/16 or 2001:db8::/56"},
		{"the VPC option reaches the AWS reader", []source.File{file(t, awsCLI+"describe-network-acls-1.json")}, ingest.Options{VPC: "vpc-9"},
			"VPC vpc-9 is not in the files; they describe vpc-06e4ab6c6cEXAMPLE and vpc-03914afb3eEXAMPLE"},
		{"the ReadDir option reaches the Terraform reader", []source.File{{Name: "main.tf", Data: []byte("module \"x\" {\n  source = \"./nope\"\n}\n")}},
			ingest.Options{ReadDir: func(string) ([]source.File, error) { return nil, fs.ErrNotExist }},
			"main.tf:2:3: module.x source: the module's directory nope does not exist (the source is a path from the directory of main.tf)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ingest.Read(tc.files, tc.opts)
			require.NotNil(t, m)
			require.Error(t, err)
			assert.Equal(t, tc.err, err.Error())
			assert.NotEmpty(t, source.Errors(err))
		})
	}
	cfg, _, err := ingest.Load([]source.File{file(t, awsCLI+"describe-vpcs-2.json")})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/16", cfg.CIDR.String())
}

// The seed lesson's VPC, as Terraform (the Terraform reader's test data)
// and as AWS JSON (this repository's hand-made describe outputs), is one
// model: the same rule sets, blocks, addresses and associations, once the
// ids (Terraform's addresses, AWS's ids) are named alike.
func TestSeedTerraformIsSeedAWSJSON(t *testing.T) {
	paths, err := filepath.Glob(awsSeed + "*.json")
	require.NoError(t, err)
	var awsFiles []source.File
	for _, p := range paths {
		awsFiles = append(awsFiles, file(t, p))
	}
	fromAWS, err := ingest.Read(awsFiles, ingest.Options{})
	require.NoError(t, err)
	for _, tf := range [][]source.File{
		{file(t, "terraform/testdata/seed.tf")},
		{file(t, "terraform/testdata/seed-plan.json")},
	} {
		fromTF, err := ingest.Read(tf, ingest.Options{})
		require.NoError(t, err, tf[0].Name)
		a := named(fromAWS.Config, map[string]string{"sg-0123456789abcdef0": "web", "subnet-0a1b2c3d4e5f60718": "public",
			"eni-0f1e2d3c4b5a69788": "web", "acl-0d1e2f3a4b5c6d7e8": "default"})
		b := named(fromTF.Config, map[string]string{"aws_security_group.web": "web", "aws_subnet.public": "public",
			"aws_instance.web": "web"})
		assert.Equal(t, a, b, tf[0].Name)
	}
}

// named renames the objects of cfg and the references to them, and sorts
// what has no order: a group's rules (SG-13), an ACL's rules (by number,
// NACL-14).
func named(cfg vpc.Config, ids map[string]string) vpc.Config {
	id := func(s string) string {
		if n, ok := ids[s]; ok {
			return n
		}
		return s
	}
	out := vpc.Config{CIDR: cfg.CIDR}
	byText := func(x, y sg.Rule) int { return strings.Compare(x.String()+x.Description, y.String()+y.Description) }
	for _, g := range cfg.SecurityGroups {
		g.ID = id(g.ID)
		for _, rules := range []*[]sg.Rule{&g.Ingress, &g.Egress} {
			*rules = slices.Clone(*rules)
			for i := range *rules {
				if (*rules)[i].Group != "" {
					(*rules)[i].Group = id((*rules)[i].Group)
				}
			}
			slices.SortFunc(*rules, byText)
		}
		out.SecurityGroups = append(out.SecurityGroups, g)
	}
	byNumber := func(x, y nacl.Rule) int { return x.Number - y.Number }
	for _, a := range cfg.NetworkACLs {
		a.ID = id(a.ID)
		a.Ingress, a.Egress = slices.Clone(a.Ingress), slices.Clone(a.Egress)
		slices.SortFunc(a.Ingress, byNumber)
		slices.SortFunc(a.Egress, byNumber)
		out.NetworkACLs = append(out.NetworkACLs, a)
	}
	for _, s := range cfg.Subnets {
		s.ID, s.ACL = id(s.ID), id(s.ACL)
		if s.ACL == "" {
			s.ACL = vpc.DefaultACL
		}
		out.Subnets = append(out.Subnets, s)
	}
	for _, i := range cfg.Interfaces {
		i.ID, i.Subnet = id(i.ID), id(i.Subnet)
		i.Groups = slices.Clone(i.Groups)
		for j := range i.Groups {
			i.Groups[j] = id(i.Groups[j])
		}
		out.Interfaces = append(out.Interfaces, i)
	}
	return out
}

// With ReadDir, a Terraform configuration's local modules are read: their
// groups have their full addresses, and where they are declared is the
// module's file.
func TestReadFollowsModules(t *testing.T) {
	root := "terraform/testdata/modules"
	readDir := func(dir string) ([]source.File, error) {
		names, err := filepath.Glob(filepath.Join(dir, "*.tf"))
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fs.ErrNotExist
		}
		var out []source.File
		for _, n := range names {
			out = append(out, file(t, n))
		}
		return out, nil
	}
	for _, tc := range []struct {
		name   string
		opts   ingest.Options
		groups int
	}{
		{"followed", ingest.Options{ReadDir: readDir}, 4},
		{"not followed", ingest.Options{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ingest.Read([]source.File{file(t, root+"/main.tf")}, tc.opts)
			if tc.groups == 0 {
				require.Error(t, err, "the instance's groups are a module's output")
				return
			}
			require.NoError(t, err)
			assert.Len(t, m.Config.SecurityGroups, tc.groups)
			o, ok := m.Origin(vpc.KindSecurityGroup, "module.web_sg.aws_security_group.this")
			require.True(t, ok)
			assert.Equal(t, root+"/modules/sg/main.tf:4:1", o.Pos.String())
		})
	}
}
