package terraform

import (
	"os"
	"path/filepath"
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
	f.Fuzz(func(t *testing.T, a, b []byte) {
		files := []source.File{{Name: "a.tf", Data: a}, {Name: "b.tf", Data: b}}
		cfg, _, err := LoadHCL(files)
		if err != nil {
			if len(source.Errors(err)) == 0 {
				t.Fatalf("an error that is not a *source.Error: %v", err)
			}
			return
		}
		if _, err := vpc.New(cfg); err != nil {
			t.Fatalf("LoadHCL returned a model vpc.New refuses: %v", err)
		}
		_ = IsHCL(a)
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
