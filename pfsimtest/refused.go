package pfsimtest

import "pgregory.net/rapid"

// refused returns the generator made from options that leave nothing to
// draw: every draw fails the test with err, which says why. Such options
// are a mistake in the test, so the test fails and the run goes on.
func refused[V any](err error) *rapid.Generator[V] {
	return rapid.Custom(func(t *rapid.T) V {
		t.Helper()
		t.Fatalf("%v", err)
		var zero V
		return zero
	})
}
