package ingest_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// FuzzImport is `pfsim import` without the command: whatever a file
// holds, Read returns errors that each say something, or a VPC that the
// VPC model accepts and that, written as a scenario, Parse reads back
// to the same VPC. It never panics. The corpus starts from every fixture
// and lesson, so the fuzzer mutates real files as well as random bytes.
func FuzzImport(f *testing.F) {
	for _, glob := range []string{"awsjson/testdata/*/*.json", "../examples/scenarios/*.yaml", "terraform/testdata/*.tf", "terraform/testdata/*.json"} {
		paths, err := filepath.Glob(glob)
		require.NoError(f, err)
		require.NotEmpty(f, paths)
		for _, p := range paths {
			f.Add(p, file(f, p).Data)
		}
	}
	f.Add("main.tf", []byte(hcl))
	f.Add("plan.json", []byte(planJSON))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		_ = ingest.Detect(name, data)
		m, err := ingest.Read([]source.File{{Name: name, Data: data}}, ingest.Options{})
		if m == nil {
			t.Fatal("no model, not even for the warnings")
		}
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%q: %v", data, err)
			}
			for _, e := range source.Errors(err) {
				if e.Msg == "" {
					t.Fatalf("%q: an error without words", data)
				}
			}
			return
		}
		if _, err := vpc.New(m.Config); err != nil {
			t.Fatalf("%q: Read accepted a VPC the model refuses: %v", data, err)
		}
		out, err := scenario.Marshal(m.Config)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		back, _, err := scenario.Parse("imported.yaml", out)
		if err != nil {
			t.Fatalf("%q: the written scenario does not read back: %v\n%s", data, err, out)
		}
		if got, want := normal(scenario.Config(back)), normal(m.Config); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: read back %+v, want %+v\n%s", data, got, want, out)
		}
	})
}

// normal is cfg as a scenario holds it: no VPC block, the default ACL
// declared, subnets' "" ACL as "default", empty lists as nil.
func normal(cfg vpc.Config) vpc.Config {
	out := vpc.Config{}
	if !slices.ContainsFunc(cfg.NetworkACLs, func(a nacl.ACL) bool { return a.ID == vpc.DefaultACL }) {
		out.NetworkACLs = append(out.NetworkACLs, nacl.Default(vpc.DefaultACL))
	}
	for _, a := range cfg.NetworkACLs {
		a.Ingress, a.Egress = nilIfEmpty(a.Ingress), nilIfEmpty(a.Egress)
		out.NetworkACLs = append(out.NetworkACLs, a)
	}
	for _, p := range cfg.PrefixLists {
		p.Entries = nilIfEmpty(p.Entries)
		out.PrefixLists = append(out.PrefixLists, p)
	}
	for _, g := range cfg.SecurityGroups {
		g.Ingress, g.Egress = nilIfEmpty(g.Ingress), nilIfEmpty(g.Egress)
		out.SecurityGroups = append(out.SecurityGroups, g)
	}
	for _, s := range cfg.Subnets {
		if s.ACL == "" {
			s.ACL = vpc.DefaultACL
		}
		out.Subnets = append(out.Subnets, s)
	}
	for _, i := range cfg.Interfaces {
		i.IPv6Addrs, i.Listening = nilIfEmpty(i.IPv6Addrs), nilIfEmpty(i.Listening)
		out.Interfaces = append(out.Interfaces, i)
	}
	return out
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
