package terraform

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// fixtures returns the test data files whose names match pattern.
func fixtures(f *testing.F, pattern string) [][]byte {
	names, err := filepath.Glob(pattern)
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures %s: %v", pattern, err)
	}
	var out [][]byte
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// FuzzLoadHCL: whatever the bytes, LoadHCL returns an error or a model
// that vpc.New accepts; it never panics. The corpus starts from the
// published examples and the seed; the fuzzer mutates them.
func FuzzLoadHCL(f *testing.F) {
	for _, d := range fixtures(f, "testdata/*.tf") {
		f.Add(d, []byte(network))
	}
	for _, d := range fixtures(f, "testdata/provider-docs/*.tf") {
		f.Add(d, []byte(vpcMain))
	}
	f.Add([]byte("resource \"aws_security_group\" \"x\" {\n  ingress = [for p in [22, 80] : {protocol = \"tcp\", from_port = p, to_port = p, cidr_blocks = [\"0.0.0.0/0\"]}]\n}"), []byte(""))
	f.Add([]byte("\xff\x00{"), []byte("locals { a = local.a }"))
	f.Add([]byte("module \"m\" {\n  source = \"./m\"\n  count = 2\n  x = count.index\n}\nvariable \"x\" {\n  default = 1\n}"),
		[]byte("resource \"aws_security_group\" \"g\" {\n  name = var.x\n}\noutput \"id\" {\n  value = aws_security_group.g.id\n}"))
	f.Add([]byte("module \"up\" {\n  source = \"../\"\n}"), []byte("module \"m\" {\n  source = \"./m\"\n}"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		files := []source.File{{Name: "a.tf", Data: a}, {Name: "b.tf", Data: b}}
		cfg, _, err := LoadHCL(files)
		check := func(what string, cfg vpc.Config, err error) {
			if err != nil {
				if len(source.Errors(err)) == 0 {
					t.Fatalf("%s: an error that is not a *source.Error: %v", what, err)
				}
				return
			}
			if _, err := vpc.New(cfg); err != nil {
				t.Fatalf("%s returned a model vpc.New refuses: %v", what, err)
			}
		}
		check("LoadHCL", cfg, err)
		_ = IsHCL(a)
		// The same two files are every module directory, down to a depth
		// of three: local module calls nest, go round and go missing.
		readDir := func(dir string) ([]source.File, error) {
			if strings.Count(filepath.ToSlash(dir), "/") > 2 || strings.HasPrefix(dir, "..") {
				return nil, fs.ErrNotExist
			}
			return []source.File{{Name: filepath.Join(dir, "a.tf"), Data: a}, {Name: filepath.Join(dir, "b.tf"), Data: b}}, nil
		}
		m, err := ReadHCL(files, Options{ReadDir: readDir})
		check("ReadHCL with modules", m.Config, err)
	})
}

// FuzzLoadPlan: whatever the bytes, LoadPlan returns an error or a model
// that vpc.New accepts; it never panics.
func FuzzLoadPlan(f *testing.F) {
	for _, d := range fixtures(f, "testdata/*.json") {
		f.Add(d)
	}
	f.Add([]byte(`{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_subnet.a","type":"aws_subnet","name":"a","values":{"cidr_block":"10.0.0.0/24"}}]}}}`))
	f.Add([]byte(`[[[[[[[[[[`))
	f.Add([]byte(`{"planned_values": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := LoadPlan(source.File{Name: "plan.json", Data: data})
		if err != nil {
			if len(source.Errors(err)) == 0 {
				t.Fatalf("an error that is not a *source.Error: %v", err)
			}
			return
		}
		if _, err := vpc.New(cfg); err != nil {
			t.Fatalf("LoadPlan returned a model vpc.New refuses: %v", err)
		}
		_ = IsPlan(data)
	})
}
