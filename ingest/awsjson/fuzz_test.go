package awsjson

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// FuzzRead: whatever a file holds, alone or beside the seed VPC's files,
// Read returns a model that the VPC model accepts, or errors that each
// say where and what; it never panics (a recovered panic is reported as
// an internal error, which fails here too). The corpus starts from every
// fixture, so the fuzzer mutates real outputs as well as random bytes.
func FuzzRead(f *testing.F) {
	addFixtures(f)
	f.Add([]byte(`{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupId": "sg-2"}]}]}]}`))
	seedPaths, err := filepath.Glob("testdata/seed/*.json")
	require.NoError(f, err)
	var seed []source.File
	for _, p := range seedPaths {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		seed = append(seed, source.File{Name: p, Data: data})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := source.File{Name: "fuzz.json", Data: data}
		for _, fs := range [][]source.File{{in}, append(append([]source.File{}, seed...), in)} {
			m, err := Read(fs, Options{})
			if m == nil {
				t.Fatal("no model, not even for the warnings")
			}
			for _, w := range m.Warnings {
				if w.Msg == "" || (w.Pos.File != "" && w.Pos.Line < 1) {
					t.Fatalf("a warning without words or line: %+v", w)
				}
			}
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%q: %v", data, err)
				}
				errs := source.Errors(err)
				if len(errs) == 0 {
					t.Fatalf("%q: errors that are not *source.Error: %v", data, err)
				}
				for _, e := range errs {
					if e.Msg == "" {
						t.Fatalf("%q: an error without words: %+v", data, e)
					}
				}
				continue
			}
			if _, err := vpc.New(m.Config); err != nil {
				t.Fatalf("%q: Read accepted a model the VPC refuses: %v", data, err)
			}
		}
	})
}
