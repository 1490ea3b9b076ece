package pfsimtest_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// recordTB is a rapid.TB that writes down what rapid reports instead of
// failing the test that runs it.
type recordTB struct {
	failed bool
	out    strings.Builder
}

func (r *recordTB) Helper()                           {}
func (r *recordTB) Name() string                      { return "refused" }
func (r *recordTB) Logf(format string, args ...any)   { fmt.Fprintf(&r.out, format+"\n", args...) }
func (r *recordTB) Log(args ...any)                   { fmt.Fprintln(&r.out, args...) }
func (r *recordTB) Skipf(format string, args ...any)  { r.Fatalf(format, args...) }
func (r *recordTB) Skip(args ...any)                  { r.Fatal(args...) }
func (r *recordTB) SkipNow()                          { r.FailNow() }
func (r *recordTB) Errorf(format string, args ...any) { r.Logf(format, args...); r.failed = true }
func (r *recordTB) Error(args ...any)                 { r.Log(args...); r.failed = true }
func (r *recordTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recordTB) Fatal(args ...any)                 { r.Error(args...) }
func (r *recordTB) FailNow()                          { r.failed = true }
func (r *recordTB) Fail()                             { r.failed = true }
func (r *recordTB) Failed() bool                      { return r.failed }

// drawReport runs a rapid check that draws once from gen, reporting to a
// recordTB, and returns whether the check failed and what rapid said. No
// fail file is written.
func drawReport[V any](t *testing.T, gen *rapid.Generator[V]) (failed bool, report string) {
	t.Helper()
	f := flag.Lookup("rapid.nofailfile")
	require.NotNil(t, f, "rapid's flags are registered")
	old := f.Value.String()
	require.NoError(t, f.Value.Set("true"))
	t.Cleanup(func() { _ = f.Value.Set(old) })

	rec := &recordTB{}
	rapid.Check(rec, func(t *rapid.T) { gen.Draw(t, "value") })
	return rec.failed, rec.out.String()
}

// requireRefused checks that drawing from gen fails the test with want in
// the report.
func requireRefused[V any](t *testing.T, gen *rapid.Generator[V], want string) {
	t.Helper()
	failed, report := drawReport(t, gen)
	require.True(t, failed, "drawing should fail the test")
	require.Contains(t, report, want)
}

// The recorder sees a passing check pass, so a failure it reports is the
// generator's.
func TestDrawReportPasses(t *testing.T) {
	failed, report := drawReport(t, rapid.IntRange(0, 9))
	require.False(t, failed, report)
	require.Contains(t, report, "[rapid] OK")
}
