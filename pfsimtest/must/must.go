package must

import (
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// T is what the assertions report to and stop: *testing.T, *testing.B and
// *rapid.T have both methods. FailNow must not return (testing's stops
// the goroutine, rapid's ends the test case).
type T interface {
	Errorf(format string, args ...any)
	FailNow()
}

type helper interface{ Helper() }

// Allows is [pfsimtest.Allows], and stops the test when it fails.
func Allows[S pfsimtest.System](t T, s S, p flow.Packet, now ...time.Time) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.Allows(t, s, p, now...) {
		t.FailNow()
	}
}

// Drops is [pfsimtest.Drops], and stops the test when it fails.
func Drops[S pfsimtest.System](t T, s S, p flow.Packet, now ...time.Time) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.Drops(t, s, p, now...) {
		t.FailNow()
	}
}

// Connects is [pfsimtest.Connects], and stops the test when it fails.
func Connects[S pfsimtest.System](t T, s S, d vpc.Dial, now ...time.Time) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.Connects(t, s, d, now...) {
		t.FailNow()
	}
}

// NeverReaches is [pfsimtest.NeverReaches], and stops the test when it
// fails.
func NeverReaches[S pfsimtest.System](t T, s S, space pfsimtest.Space) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.NeverReaches(t, s, space) {
		t.FailNow()
	}
}

// Equivalent is [pfsimtest.Equivalent], and stops the test when it fails.
func Equivalent[A, B pfsimtest.System](t T, a A, b B, within ...pfsimtest.Space) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.Equivalent(t, a, b, within...) {
		t.FailNow()
	}
}

// NoWiderThan is [pfsimtest.NoWiderThan], and stops the test when it
// fails.
func NoWiderThan[S, Than pfsimtest.System](t T, s S, than Than, within ...pfsimtest.Space) {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	if !pfsimtest.NoWiderThan(t, s, than, within...) {
		t.FailNow()
	}
}
