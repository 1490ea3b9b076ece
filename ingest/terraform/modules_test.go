package terraform

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// osDir reads the .tf files of a directory, as cmd/pfsim does.
func osDir(dir string) ([]source.File, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []source.File
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, source.File{Name: p, Data: data})
	}
	return out, nil
}

// memDir is a ReadDir over files held in memory, by path. It returns all
// the files of a directory, not only the .tf files, so that the reader's
// own choice is tested.
func memDir(files map[string]string) func(string) ([]source.File, error) {
	return func(dir string) ([]source.File, error) {
		var out []source.File
		found := false
		for name, data := range files {
			if filepath.Dir(name) != dir {
				if strings.HasPrefix(name, dir+"/") {
					found = true
				}
				continue
			}
			found = true
			out = append(out, source.File{Name: name, Data: []byte(data)})
		}
		if !found {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}
}

// sgModule is a module of one group open on a port to the CIDRs given.
const sgModule = `variable "port" {
  type = number
}
variable "cidrs" {
  default = ["10.0.0.0/8"]
}
resource "aws_security_group" "this" {
  ingress {
    protocol    = "tcp"
    from_port   = var.port
    to_port     = var.port
    cidr_blocks = var.cidrs
  }
}
output "id" {
  value = aws_security_group.this.id
}
`

// readModules reads the fixture testdata/modules with opts.
func readModules(t *testing.T, o Options) (*Model, error) {
	t.Helper()
	files, err := osDir("testdata/modules")
	require.NoError(t, err)
	require.Len(t, files, 1)
	return ReadHCL(files, o)
}

// TestModulesFollowed reads the fixture's root module, which calls local
// modules directly, with count, with for_each and nested: each object has
// its full address, and references through outputs and variables resolve.
func TestModulesFollowed(t *testing.T) {
	m, err := readModules(t, Options{ReadDir: osDir})
	require.NoError(t, err)
	assert.Empty(t, m.Warnings)
	cfg := m.Config

	const (
		web     = "module.web_sg.aws_security_group.this"
		bastion = "module.bastion_sg[0].aws_security_group.this"
		appSG   = `module.tiers["app"].module.sg.aws_security_group.this`
		dbSG    = `module.tiers["db"].module.sg.aws_security_group.this`
	)
	var ids []string
	for _, g := range cfg.SecurityGroups {
		ids = append(ids, g.ID)
	}
	assert.Equal(t, []string{web, bastion, appSG, dbSG}, ids, "in the order of the calls, each module's after the root's resources")

	out := []sg.Rule{{Protocol: allP, CIDR: v4any}}
	for _, tc := range []struct {
		id      string
		ingress []sg.Rule
	}{
		{web, []sg.Rule{{Protocol: tcpP, FromPort: 80, ToPort: 80, CIDR: v4any}, {Protocol: tcpP, FromPort: 443, ToPort: 443, CIDR: v4any}}},
		{bastion, []sg.Rule{{Protocol: tcpP, FromPort: 22, ToPort: 22, CIDR: mustPrefix("203.0.113.0/24")}}},
		{appSG, []sg.Rule{{Protocol: tcpP, FromPort: 8080, ToPort: 8080, Group: web}}},
		{dbSG, []sg.Rule{{Protocol: tcpP, FromPort: 8080, ToPort: 8080, Group: web}}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			g := group(t, cfg, tc.id)
			assert.Equal(t, tc.ingress, g.Ingress)
			assert.Equal(t, out, g.Egress)
		})
	}

	ifaces := map[string]vpc.Interface{}
	for _, i := range cfg.Interfaces {
		ifaces[i.ID] = i
	}
	for _, tc := range []struct {
		id, subnet, ip string
		groups         []string
	}{
		{"aws_instance.web", "aws_subnet.web", "10.0.1.10", []string{web, bastion}},
		{"aws_network_interface.probe", `module.tiers["db"].aws_subnet.this`, "10.0.3.20", []string{bastion}},
		{`module.tiers["app"].aws_network_interface.this`, `module.tiers["app"].aws_subnet.this`, "10.0.2.10", []string{appSG}},
		{`module.tiers["db"].aws_network_interface.this`, `module.tiers["db"].aws_subnet.this`, "10.0.3.10", []string{dbSG}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			i, ok := ifaces[tc.id]
			require.True(t, ok, "interfaces: %v", cfg.Interfaces)
			assert.Equal(t, tc.subnet, i.Subnet)
			assert.Equal(t, "["+tc.ip+"]", fmtAddrs(i.PrivateIPs))
			assert.Equal(t, tc.groups, i.Groups)
		})
	}
	assert.Len(t, cfg.Interfaces, 4)

	var subnets []string
	for _, s := range cfg.Subnets {
		subnets = append(subnets, s.ID+" "+s.CIDR.String())
	}
	assert.Equal(t, []string{"aws_subnet.web 10.0.1.0/24", `module.tiers["app"].aws_subnet.this 10.0.2.0/24`, `module.tiers["db"].aws_subnet.this 10.0.3.0/24`}, subnets)

	v, err := vpc.New(cfg)
	require.NoError(t, err)
	require.NotNil(t, v)
}

// TestModuleOrigins: an object a module declares is where its module's
// file declares it.
func TestModuleOrigins(t *testing.T) {
	m, err := readModules(t, Options{ReadDir: osDir})
	require.NoError(t, err)
	sgFile := filepath.Join("testdata", "modules", "modules", "sg", "main.tf")
	tierFile := filepath.Join("testdata", "modules", "modules", "tier", "main.tf")
	for _, tc := range []struct {
		kind vpc.Kind
		id   string
		want source.Pos
	}{
		{vpc.KindSecurityGroup, "module.web_sg.aws_security_group.this", source.Pos{File: sgFile, Line: 4, Col: 1}},
		{vpc.KindSecurityGroup, `module.tiers["db"].module.sg.aws_security_group.this`, source.Pos{File: sgFile, Line: 4, Col: 1}},
		{vpc.KindSubnet, `module.tiers["app"].aws_subnet.this`, source.Pos{File: tierFile, Line: 20, Col: 1}},
		{vpc.KindInterface, `module.tiers["app"].aws_network_interface.this`, source.Pos{File: tierFile, Line: 32, Col: 1}},
		{vpc.KindInterface, "aws_instance.web", source.Pos{File: filepath.Join("testdata", "modules", "main.tf"), Line: 28, Col: 1}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			o, ok := m.Origin(tc.kind, tc.id)
			require.True(t, ok)
			assert.Equal(t, tc.want, o.Pos)
			assert.False(t, o.Named)
		})
	}
}

// TestModulesNotFollowed: without ReadDir, module calls are warnings as
// before, and what depends on their outputs cannot be known.
func TestModulesNotFollowed(t *testing.T) {
	m, err := readModules(t, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws_instance.web vpc_security_group_ids: depends on module.web_sg (testdata/modules/main.tf:13:1), whose outputs pfsim does not evaluate")
	var ws []string
	for _, w := range m.Warnings {
		if strings.Contains(w.Msg, "module") {
			ws = append(ws, w.String())
		}
	}
	require.Len(t, ws, 3, "one for each call: %v", m.Warnings)
	assert.Contains(t, ws[0], "testdata/modules/main.tf:13:1: module.web_sg: module calls are not followed: the resources of module web_sg (./modules/sg) are not read")
}

// TestModuleProblems: what is wrong with a module call is an error at the
// call, and what is wrong in a module's file is an error there, naming the
// resource by its full address.
func TestModuleProblems(t *testing.T) {
	call := func(body string) string { return "module \"x\" {\n  source = \"./sg\"\n" + body + "}\n" }
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // the errors, one a line, each a prefix
		warn  string
	}{
		{name: "missing directory",
			files: map[string]string{"main.tf": "module \"x\" {\n  source = \"./nope\"\n}\n"},
			want:  []string{"main.tf:2:3: module.x source: the module's directory nope does not exist"}},
		{name: "directory without .tf file",
			files: map[string]string{"main.tf": "module \"x\" {\n  source = \"./empty\"\n}\n", "empty/README.md": "", "empty/x.tfvars": "a = 1"},
			want:  []string{"main.tf:2:3: module.x source: the module's directory empty has no .tf file"}},
		{name: "missing required variable, and an argument the module does not declare",
			files: map[string]string{"main.tf": call("  cidr = []\n"), "sg/main.tf": sgModule},
			want: []string{
				`main.tf:1:1: module.x: the module's variable "port" (sg/main.tf:1:1) is required: it has no default and the call does not set it (set port = ...`,
				`main.tf:3:3: module.x cidr: the module (sg) has no variable "cidr"`,
			}},
		{name: "count = 0 still checks the arguments",
			files: map[string]string{"main.tf": call("  count = 0\n  cidr = []\n"), "sg/main.tf": sgModule},
			want: []string{
				`main.tf:1:1: module.x: the module's variable "port" (sg/main.tf:1:1) is required: it has no default and the call does not set it (set port = ...`,
				`main.tf:4:3: module.x cidr: the module (sg) has no variable "cidr"`,
			}},
		{name: "a module calling itself",
			files: map[string]string{"main.tf": "module \"self\" {\n  source = \"./\"\n}\n"},
			want:  []string{"main.tf:2:3: module.self source: module calls go round in a cycle: the root module (.) -> module.self (.)"}},
		{name: "two modules calling each other",
			files: map[string]string{
				"main.tf":   "module \"a\" {\n  source = \"./a\"\n}\n",
				"a/main.tf": "module \"b\" {\n  source = \"../b\"\n}\n",
				"b/main.tf": "module \"a\" {\n  source = \"../a\"\n}\n",
			},
			want: []string{"b/main.tf:2:3: module.a.module.b.module.a source: module calls go round in a cycle: module.a (a) -> module.a.module.b (b) -> module.a.module.b.module.a (a)"}},
		{name: "count not known",
			files: map[string]string{"main.tf": call("  count = length(data.aws_subnets.all.ids)\n  port = 22\n"), "sg/main.tf": sgModule},
			want:  []string{"main.tf:3:11: module.x count: the module's instances cannot be known: depends on data.aws_subnets.all"}},
		{name: "an output the module does not declare",
			files: map[string]string{"main.tf": call("  port = 22\n") + `resource "aws_security_group_rule" "r" {
  type              = "ingress"
  security_group_id = module.x.nope
  protocol          = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_blocks       = ["0.0.0.0/0"]
}
`, "sg/main.tf": sgModule},
			want: []string{`main.tf:7:23: aws_security_group_rule.r security_group_id: module.x has no output "nope" (sg)`}},
		{name: "an error in a module's file, at its line, with the full address",
			files: map[string]string{"main.tf": call("  count = 2\n  port = 22\n  cidrs = [\"10.0.0.0/33\"]\n"), "sg/main.tf": sgModule},
			want: []string{
				`sg/main.tf:12:19: module.x[0].aws_security_group.this ingress[0].cidr_blocks: "10.0.0.0/33" is not a CIDR block`,
				`sg/main.tf:12:19: module.x[1].aws_security_group.this ingress[0].cidr_blocks: "10.0.0.0/33" is not a CIDR block`,
			}},
		{name: "a registry module is a warning naming its source",
			files: map[string]string{"main.tf": "module \"x\" {\n  source = \"terraform-aws-modules/security-group/aws\"\n}\n"},
			warn:  "main.tf:1:1: module.x: only module calls with a local source (./ or ../) are followed: the resources of module x (terraform-aws-modules/security-group/aws) are not read (use the plan JSON"},
		{name: "a git module is a warning naming its source",
			files: map[string]string{"main.tf": "module \"x\" {\n  source = \"git::https://example.com/sg.git\"\n}\n"},
			warn:  "main.tf:1:1: module.x: only module calls with a local source (./ or ../) are followed: the resources of module x (git::https://example.com/sg.git) are not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadHCL([]source.File{{Name: "main.tf", Data: []byte(tc.files["main.tf"])}}, Options{ReadDir: memDir(tc.files)})
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				errs := source.Errors(err)
				require.Len(t, errs, len(tc.want), "%v", err)
				for i, w := range tc.want {
					assert.True(t, strings.HasPrefix(errs[i].Error(), w), "error %d:\n got %s\nwant %s", i, errs[i], w)
				}
			}
			if tc.warn != "" {
				require.NotEmpty(t, m.Warnings)
				assert.True(t, strings.HasPrefix(m.Warnings[0].String(), tc.warn), "got %s", m.Warnings[0])
			}
		})
	}
}
