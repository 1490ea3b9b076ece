// Package bench holds pfsim's published benchmarks: the fixed-name
// benchmarks of the performance issue, each of which checks its verdict on
// every iteration, the allocation tests that hold the hot paths to zero
// allocations, and a concurrency test for the race detector. The package
// has no API; it exists so that the benchmarks can import every layer
// (flow, capture, nacl, sg, conntrack) without those packages importing
// each other.
//
// Run them all, as BENCHMARKS.md does, with
//
//	go test ./bench -run '^$' -bench . -benchmem
//
// or regenerate BENCHMARKS.md with bench/run.sh (COUNT=10 for the
// published figures).
package bench
