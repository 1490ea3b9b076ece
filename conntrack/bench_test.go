package conntrack

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// benchSizes are the table sizes benchmarked: a small table that fits in
// cache and one a busy interface might hold.
var benchSizes = []struct {
	name string
	n    int
}{{"flows=1e3", 1_000}, {"flows=1e6", 1_000_000}}

// benchFlow returns the i-th of n distinct TCP flows, as its first
// (original-direction) ACK: clients across 100.64.0.0/10 talking to a
// handful of servers on random ports, like an interface behind a load
// balancer. The flows are deterministic in i and seed.
func benchFlow(i int, rng *rand.Rand) flow.Packet {
	src := netip.AddrFrom4([4]byte{100, 64 | byte(i>>16)&0x3f, byte(i >> 8), byte(i)})
	dst := netip.AddrFrom4([4]byte{10, 0, 1, byte(10 + rng.IntN(8))})
	return flow.Packet{Proto: flow.TCP, Src: src, Dst: dst, SrcPort: uint16(32768 + rng.IntN(28232)), DstPort: 443, Flags: fA}
}

// benchTraffic returns n tracked flows' first packets and, in random
// order, one established packet of each flow going a random way, with
// whether it goes the reply way.
func benchTraffic(n int) (first, pkts []flow.Packet, reply []bool, flowOf []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	first = make([]flow.Packet, n)
	for i := range first {
		first[i] = benchFlow(i, rng)
	}
	pkts = make([]flow.Packet, n)
	reply = make([]bool, n)
	flowOf = rng.Perm(n)
	for j, i := range flowOf {
		pkts[j] = first[i]
		pkts[j].Flags = fPA
		if rng.IntN(2) == 0 {
			pkts[j] = pkts[j].Reverse()
			reply[j] = true
		}
	}
	return first, pkts, reply, flowOf
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkLookup: an established packet of a random tracked flow, either
// direction, on a table of the default configuration. B/flow is the heap
// the filled table takes per tracked connection.
func BenchmarkLookup(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			first, pkts, reply, _ := benchTraffic(size.n)
			now := at(time.Second)
			before := heapAlloc()
			tab := MustNew(Config{})
			for i := range first {
				if _, st := tab.Create(&first[i], t0); st != Created {
					b.Fatalf("flow %d: %s", i, st)
				}
			}
			perFlow := float64(heapAlloc()-before) / float64(size.n)
			runtime.KeepAlive(first) // not collected between the two readings
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				r, ok := tab.Lookup(&pkts[j], now)
				if !ok || r.State != Established || r.Reply != reply[j] {
					b.Fatalf("packet %d (%s): ok=%v %s reply=%v", j, pkts[j].Key(), ok, r.State, r.Reply)
				}
				if j++; j == len(pkts) {
					j = 0
				}
			}
			b.ReportMetric(perFlow, "B/flow")
			runtime.KeepAlive(tab)
		})
	}
}

// BenchmarkBaseline is the floor for BenchmarkLookup: the same packets'
// canonical keys looked up in a bare Go map, without locks, shards,
// expiry or state.
func BenchmarkBaseline(b *testing.B) {
	b.Run("map", func(b *testing.B) {
		for _, size := range benchSizes {
			b.Run(size.name, func(b *testing.B) {
				first, pkts, _, flowOf := benchTraffic(size.n)
				before := heapAlloc()
				m := make(map[flow.Key]uint32)
				for i := range first {
					m[canon(first[i])] = uint32(i)
				}
				perFlow := float64(heapAlloc()-before) / float64(size.n)
				runtime.KeepAlive(first)
				b.ReportAllocs()
				j := 0
				for b.Loop() {
					ck, _ := pkts[j].Key().Canonical()
					v, ok := m[ck]
					if !ok || int(v) != flowOf[j] {
						b.Fatalf("packet %d (%s): ok=%v flow %d, want %d", j, pkts[j].Key(), ok, v, flowOf[j])
					}
					if j++; j == len(pkts) {
						j = 0
					}
				}
				b.ReportMetric(perFlow, "B/flow")
				runtime.KeepAlive(m)
			})
		}
	})
}

// BenchmarkCreate: a new connection (a SYN) on a warm table, whose slots
// were freed by earlier connections expiring. Every 65536 connections the
// clock jumps past SYN_SENT's 120 s and a full Sweep, outside the timer,
// frees the slots for the next round.
func BenchmarkCreate(b *testing.B) {
	const k = 1 << 16
	rng := rand.New(rand.NewPCG(3, 4))
	pkts := make([]flow.Packet, k)
	for i := range pkts {
		pkts[i] = benchFlow(i, rng)
		pkts[i].Flags = fS
	}
	tab := MustNew(Config{})
	round := 0
	now := t0
	fill := func() {
		for i := range pkts {
			if _, st := tab.Create(&pkts[i], now); st != Created {
				b.Fatalf("warm-up flow %d: %s", i, st)
			}
		}
	}
	next := func() {
		round++
		now = t0.Add(time.Duration(round) * 200 * time.Second)
		if n := tab.Sweep(now, 0); n != k {
			b.Fatalf("sweep removed %d, want %d", n, k)
		}
	}
	fill()
	next()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == k {
			b.StopTimer()
			next()
			b.StartTimer()
			i = 0
		}
		r, st := tab.Create(&pkts[i], now)
		if st != Created || r.State != SynSent {
			b.Fatalf("flow %d: %s %s", i, st, r.State)
		}
		i++
	}
}
