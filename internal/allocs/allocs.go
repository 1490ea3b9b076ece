// Package allocs counts heap allocations exactly, for the tests that hold
// pfsim's packet path to none.
//
// testing.AllocsPerRun returns the average number of allocations per run,
// rounded down: a path that allocates once in a hundred packets (a table
// growing, a slice reallocated now and then) passes a test that asserts
// zero. Count returns the total, so a single allocation fails.
package allocs

import "runtime"

// Count calls f once to warm it up, then n more times with GOMAXPROCS set
// to 1, and returns how many heap allocations those n calls made in all.
// The count is of the whole process: nothing else may run meanwhile, which
// is so in a test that is not parallel.
func Count(n int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}
