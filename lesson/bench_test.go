package lesson_test

import (
	"testing"

	"github.com/pfsim/pfsim/lesson"
)

// BenchmarkLoad is the work of one Run on the page: parse, validate, run
// and lay out the idle-timeouts lesson (24 steps, the tables after each).
func BenchmarkLoad(b *testing.B) {
	data := lessonFiles(b)["07-idle-timeouts.yaml"]
	b.ReportAllocs()
	for b.Loop() {
		v := lesson.Load("07.yaml", data)
		if len(v.Steps) != 24 || v.Failed != 0 {
			b.Fatalf("%d steps, %d failed", len(v.Steps), v.Failed)
		}
	}
}
