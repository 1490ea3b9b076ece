package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/pcaptest"
	"github.com/pfsim/pfsim/scenario"
)

const (
	seedDir = "../../ingest/awsjson/testdata/seed/"
	cliDir  = "../../ingest/awsjson/testdata/cli/"
)

func seedFiles(t *testing.T) []string {
	paths, err := filepath.Glob(seedDir + "*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	return paths
}

// import writes a scenario without steps that check runs: 0 steps, exit 0.
func TestImportThenCheck(t *testing.T) {
	code, out, errOut := pfsim(append([]string{"import"}, seedFiles(t)...)...)
	require.Equal(t, exitOK, code, errOut)
	assert.Empty(t, errOut, "the seed's files warn about nothing")
	assert.Contains(t, out, "# Written by pfsim import from:\n#   "+seedDir+"describe-network-acls.json (AWS JSON)\n")
	assert.Contains(t, out, "name: imported from "+seedDir+"describe-network-acls.json and 5 other files\n")
	assert.Contains(t, out, "  # from "+seedDir+"describe-security-groups.json:3:9\n  - id: sg-0123456789abcdef0\n")
	assert.Contains(t, out, "      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0], description: HTTP}\n")
	assert.Contains(t, out, "What each host listens on is not in the input")
	assert.NotContains(t, out, "steps:")

	path := filepath.Join(t.TempDir(), "vpc.yaml")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	code, checkOut, checkErr := pfsim("check", path)
	assert.Equal(t, exitOK, code, checkErr)
	assert.Empty(t, checkOut)
	assert.Contains(t, checkErr, "pfsim check: 1 file: 1 valid, 0 invalid, 0 unreadable; 0 steps, 0 expectations: nothing to check")

	// A scenario file imports to its VPC: the same file without steps.
	code, out, errOut = pfsim("import", "../../examples/scenarios/01-seed-web-server.yaml")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "01-seed-web-server.yaml:32:5: warning: 14 step(s) left out: only the VPC is read")
	f, _, err := scenario.Parse("out.yaml", []byte(out))
	require.NoError(t, err, out)
	lesson, _, err := scenario.Load("../../examples/scenarios/01-seed-web-server.yaml")
	require.NoError(t, err)
	assert.Equal(t, scenario.Config(lesson), scenario.Config(f))
}

// Terraform imports too: a configuration, or its plan.
func TestImportTerraform(t *testing.T) {
	// Each object's note gives the line where it is declared: the resource
	// block in a .tf file, the resource's object in a plan.
	for path, at := range map[string]string{
		"../../ingest/terraform/testdata/seed.tf":        ":52:1",
		"../../ingest/terraform/testdata/seed-plan.json": ":47:22",
		"testdata/main.tf":                               ":1:1",
	} {
		code, out, errOut := pfsim("import", path)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "  # from "+path+at+"\n  - id: aws_security_group.web\n", path)
		_, _, err := scenario.Parse("out.yaml", []byte(out))
		assert.NoError(t, err, out)
	}
}

// Warnings go to standard error as FILE:LINE:COL: warning: ..., and the
// scenario is still written.
func TestImportWarnings(t *testing.T) {
	code, out, errOut := pfsim("import", "--vpc", "vpc-a01106c2", cliDir+"describe-network-interfaces-1.json", "../../ingest/awsjson/testdata/hand/subnets-of-cli-interfaces.json")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, cliDir+"describe-network-interfaces-1.json:45:30: warning: eni-e5aa89a3 Groups[0].GroupId: security group sg-8637d3e3 is not in the files")
	assert.Contains(t, out, "  # not in the input, only named (at "+cliDir+"describe-network-interfaces-1.json:45:30): kept without rules; rules that name it\n"+
		"  # match the addresses of the interfaces here that carry it, and no other\n  - id: sg-8637d3e3\n")
	_, _, err := scenario.Parse("out.yaml", []byte(out))
	assert.NoError(t, err, out)
}

// Invalid input exits 2 with each problem at FILE:LINE:COL, and writes
// nothing.
func TestImportInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"the documentation's trailing comma", []string{cliDir + "describe-security-groups-1.json"},
			[]string{cliDir + "describe-security-groups-1.json:52:37: invalid JSON: a comma after the last field of an object (JSON allows none)", "1 problem(s); nothing written"}},
		{"two VPCs, none chosen", []string{cliDir + "describe-network-acls-1.json"},
			[]string{cliDir + "describe-network-acls-1.json:47:9: the files describe 2 VPCs", "(choose one with --vpc vpc-06e4ab6c6cEXAMPLE)"}},
		{"a subnet missing", []string{cliDir + "describe-network-interfaces-2.json"},
			[]string{"eni-b9a5ac93 SubnetId: subnet subnet-31d6c219 is not in the files"}},
		{"Terraform", []string{"testdata/broken.tf"}, []string{`testdata/broken.tf:2:16: aws_subnet.a cidr_block: "10.0.1.0/33" is not a CIDR block`}},
		{"an empty Terraform file", []string{"testdata/empty.tf"},
			[]string{"testdata/empty.tf: nothing to import: no VPC, subnet, security group, network ACL, prefix list or interface", "1 problem(s); nothing written"}},
		{"Terraform without a VPC", []string{"testdata/no-vpc.tf"},
			[]string{"testdata/no-vpc.tf:2:1: warning: aws_s3_bucket.logs: resource type aws_s3_bucket is not read", "testdata/no-vpc.tf: nothing to import"}},
		{"a file of no known kind", []string{"testdata/notes.txt"}, []string{"testdata/notes.txt: cannot tell what this file is"}},
		{"a file that cannot be read", []string{"testdata/no-such-file.json"}, []string{"testdata/no-such-file.json: no such file or directory"}},
		{"no file", nil, []string{"pfsim import: no file given", "Usage: pfsim import [--vpc ID] FILE..."}},
		{"an unknown flag", []string{"--json", "x.json"}, []string{"pfsim import: unknown flag --json; the flags are --vpc"}},
		{"--vpc without its id", []string{"x.json", "--vpc"}, []string{"pfsim import: --vpc needs a value: --vpc ID", "Run 'pfsim help import' for more."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := pfsim(append([]string{"import"}, tc.args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out)
			for _, w := range tc.want {
				assert.Contains(t, errOut, w)
			}
		})
	}
}

func TestImportFlags(t *testing.T) {
	code, out, _ := pfsim("import", "--help")
	assert.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(out, "Usage: pfsim import"))
	for _, args := range [][]string{
		{"--vpc=vpc-06e4ab6c6cEXAMPLE", cliDir + "describe-network-acls-1.json"},
		{cliDir + "describe-network-acls-1.json", "--vpc", "vpc-06e4ab6c6cEXAMPLE"},
		{"--vpc", "vpc-06e4ab6c6cEXAMPLE", "--", cliDir + "describe-network-acls-1.json"},
	} {
		code, out, errOut := pfsim(append([]string{"import"}, args...)...)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "  - id: acl-0ea1f54ca7EXAMPLE\n", args)
		assert.NotContains(t, out, "acl-0e2a78e4e2EXAMPLE", args)
	}
	code, _, errOut := pfsim("help")
	assert.Equal(t, exitOK, code, errOut)
	_, usageOut, _ := pfsim("help")
	assert.Contains(t, usageOut, "pfsim import [--vpc ID] FILE...")
}

// check accepts a file that declares a VPC and no steps.
func TestCheckWithoutSteps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vpc.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: just a VPC\nsecurity_groups:\n  - id: sg-a\n"), 0o644))
	code, out, errOut := pfsim("check", path)
	assert.Equal(t, exitOK, code, errOut)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "0 steps, 0 expectations: nothing to check")
}

// replay --vpc takes anything import reads: the seed's VPC as one file of
// AWS JSON (the describe outputs merged), or as Terraform.
func TestReplayThroughImportedVPC(t *testing.T) {
	merged := map[string]json.RawMessage{}
	for _, p := range seedFiles(t) {
		if strings.HasSuffix(p, "describe-security-group-rules.json") {
			continue // the same rules as describe-security-groups
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var one map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &one))
		for k, v := range one {
			merged[k] = v
		}
	}
	data, err := json.Marshal(merged)
	require.NoError(t, err)
	awsFile := writeTemp(t, "vpc.json", data, false)

	var recs []pcaptest.Record
	for i, text := range []string{"tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", "tcp 198.51.100.7:50001 > 10.0.1.10:443 [S]"} {
		p := flow.MustParsePacket(text)
		recs = append(recs, pcaptest.Record{Time: time.Unix(1700000000+int64(i), 0), Frame: pcaptest.FrameOf(t, pcaptest.Ethernet, p)})
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, recs))
	capture := writeTemp(t, "web.pcap", buf.Bytes(), false)

	for vpcFile, group := range map[string]string{awsFile: "sg-0123456789abcdef0", "../../ingest/terraform/testdata/seed.tf": "aws_security_group.web"} {
		code, out, errOut := pfsim("replay", "--vpc", vpcFile, capture)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "  2 judged: 1 allowed, 1 dropped\n", vpcFile)
		assert.Contains(t, out, group, vpcFile)
	}
}

// import follows a Terraform configuration's local modules: their groups
// come with their full addresses and the module file they are declared in,
// and a module directory that is missing is an error at the call.
func TestImportTerraformModules(t *testing.T) {
	const root = "../../ingest/terraform/testdata/modules/"
	missing := filepath.Join(t.TempDir(), "main.tf")
	require.NoError(t, os.WriteFile(missing, []byte("module \"x\" {\n  source = \"./nope\"\n}\n"), 0o644))
	for _, tc := range []struct {
		name    string
		path    string
		code    int
		out     []string
		errOut  string
		checkIt bool
	}{
		{name: "a module tree", path: root + "main.tf", code: exitOK, checkIt: true, out: []string{
			"  # from " + root + "modules/sg/main.tf:4:1\n  - id: module.web_sg.aws_security_group.this\n",
			"      - {protocol: tcp, from_port: 8080, to_port: 8080, security_groups: [module.web_sg.aws_security_group.this]}\n",
			"    security_groups: [module.web_sg.aws_security_group.this, 'module.bastion_sg[0].aws_security_group.this']\n",
		}},
		{name: "a missing module directory", path: missing, code: exitInvalid,
			errOut: missing + ":2:3: module.x source: the module's directory " + filepath.Join(filepath.Dir(missing), "nope") + " does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := pfsim("import", tc.path)
			require.Equal(t, tc.code, code, errOut)
			for _, o := range tc.out {
				assert.Contains(t, out, o)
			}
			if tc.errOut == "" {
				assert.Empty(t, errOut)
			} else {
				assert.Contains(t, errOut, tc.errOut)
			}
			if tc.checkIt {
				path := filepath.Join(t.TempDir(), "vpc.yaml")
				require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
				code, _, checkErr := pfsim("check", path)
				assert.Equal(t, exitOK, code, checkErr)
			}
		})
	}
}

// A directory is read as a Terraform root module: every .tf file in it,
// then terraform.tfvars and the *.auto.tfvars files, later ones winning,
// as terraform reads them. analyze and replay --vpc read it the same way.
func TestImportDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("main.tf", `resource "aws_security_group" "ssh" {
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = [var.admins]
  }
}
`)
	write("variables.tf", "variable \"admins\" {}\nvariable \"port\" {\n  default = 22\n}\n")
	write("terraform.tfvars", "admins = \"192.0.2.0/24\"\nport = 2222\n")
	write("b.auto.tfvars", "admins = \"198.51.100.0/24\"\n")
	write("notes.txt", "not read")

	code, out, errOut := pfsim("import", dir)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "{protocol: tcp, from_port: 2222, to_port: 2222, cidr_blocks: [198.51.100.0/24]}", "terraform.tfvars, then *.auto.tfvars")
	for _, f := range []string{"main.tf", "variables.tf", "terraform.tfvars", "b.auto.tfvars"} {
		assert.Contains(t, out, "#   "+filepath.Join(dir, f)+" (Terraform configuration)\n")
	}
	assert.NotContains(t, out, "notes.txt")

	code, out, errOut = pfsim("analyze", "shadowed", dir)
	assert.Equal(t, exitOK, code, errOut+out)

	empty := t.TempDir()
	code, _, errOut = pfsim("import", empty)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, empty+": a directory is read as a Terraform module, and this one has no .tf file")
}
