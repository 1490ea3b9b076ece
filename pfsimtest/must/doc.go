// Package must holds the assertions of package pfsimtest in the form that
// stops the test at the first failure, as testify's require does for its
// assert: must.Allows(t, v, p) is pfsimtest.Allows(t, v, p) followed by
// t.FailNow() when it fails. Use them for what the rest of a test stands
// on (the handshake a test of replies needs, the configuration a property
// compares against); use pfsimtest's own functions for the checks, so
// that one run reports every failing one.
//
//	must.Connects(t, v, dial)                 // nothing after this makes sense without it
//	pfsimtest.Allows(t, v, reply, later)      // report, and go on
//
// A package of its own, rather than RequireAllows and the like beside
// the assertions, keeps one name per assertion in each package and reads
// as a sentence at the call site; "must" also stays clear of testify's
// "require", which the same test file often imports.
package must
