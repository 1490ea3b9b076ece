package terraform

import (
	"testing"

	"github.com/pfsim/pfsim/ingest/source"
)

// BenchmarkLoad reads the seed's configuration and its plan; each pass
// checks the model it got.
func BenchmarkLoad(b *testing.B) {
	hcl := []source.File{readFile(b, "testdata/seed.tf")}
	plan := readFile(b, "testdata/seed-plan.json")
	check := func(b *testing.B, groups, ifaces int, err error) {
		if err != nil || groups != 1 || ifaces != 1 {
			b.Fatalf("got %d groups, %d interfaces, %v", groups, ifaces, err)
		}
	}
	b.Run("hcl/seed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cfg, _, err := LoadHCL(hcl)
			check(b, len(cfg.SecurityGroups), len(cfg.Interfaces), err)
		}
	})
	b.Run("plan/seed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cfg, _, err := LoadPlan(plan)
			check(b, len(cfg.SecurityGroups), len(cfg.Interfaces), err)
		}
	})
}
