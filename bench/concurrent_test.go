package bench

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// TestConcurrentInterface shares one interface (its VPC, rule sets and
// connection table) between goroutines, as BenchmarkParallel does, and
// checks every decision; run it with -race. While workers open
// connections and then send data on them, each connection from two
// goroutines at once in opposite directions, another goroutine opens
// short-lived connections and sweeps, and another applies the groups
// again, recompiled (tracked connections survive it, CT-13).
func TestConcurrentInterface(t *testing.T) {
	const (
		workers = 4
		per     = 200 // connections per worker
		rounds  = 3
		churns  = 1000
	)
	f := newIface(t, 20, conntrack.Config{Shards: 8})
	send := func(p *flow.Packet, now time.Time) flow.Decision {
		path, err := f.v.Send(p, now)
		if err != nil {
			return flow.Decision{}
		}
		return path.Final
	}

	flowOf := func(w, i int) flow.Packet { return syn(clientOf(w*per + i)) }
	errs := make(chan error, workers+2)
	check := func(d flow.Decision, want flow.Verdict, ct flow.CTState, what string, p flow.Packet) bool {
		if d.Verdict == want && d.Conntrack == ct {
			return true
		}
		errs <- fmt.Errorf("%s %v: %s %s by %s (%s), want %s %s", what, p, d.Verdict, d.Conntrack, d.Stage, d.Reason, want, ct)
		return false
	}

	// Phase 1: every worker opens its connections with full handshakes.
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				s := flowOf(w, i)
				sa := s.Reverse()
				sa.Flags = flow.SYN | flow.ACK
				a := s
				a.Flags = flow.ACK
				if !check(send(&s, t0), flow.Allow, flow.CTNew, "syn", s) ||
					!check(send(&sa, t0), flow.Allow, flow.CTEstablished, "syn-ack", sa) ||
					!check(send(&a, t0), flow.Allow, flow.CTEstablished, "ack", a) {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	require.False(t, t.Failed())
	require.Equal(t, workers*per, f.table.Len())

	// Phase 2: data both ways on every connection, from two workers at
	// once; meanwhile short-lived connections, sweeps and rule swaps.
	errs = make(chan error, workers+2)
	now := t0.Add(time.Second)
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				for i := range per {
					in := flowOf(w, i)
					in.Flags = flow.PSH | flow.ACK
					out := flowOf((w+1)%workers, i).Reverse()
					out.Flags = flow.PSH | flow.ACK
					if !check(send(&in, now), flow.Allow, flow.CTEstablished, "data in", in) ||
						!check(send(&out, now), flow.Allow, flow.CTEstablished, "data out", out) {
						return
					}
				}
			}
		})
	}
	wg.Go(func() { // short-lived connections (SYN_SENT, 120 s) and sweeps
		for k := range churns {
			at := t0.Add(time.Duration(k) * 100 * time.Millisecond)
			p := syn(newClientOf(k))
			if !check(send(&p, at), flow.Allow, flow.CTNew, "churn syn", p) {
				return
			}
			if k%64 == 0 {
				f.table.Sweep(at, 256)
			}
		}
	})
	groups, _ := sgGroups(20)
	wg.Go(func() { // rule changes: the same rules, compiled again
		for range 20 {
			if err := f.v.Apply(vpc.Change{SecurityGroups: groups}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The short-lived connections have all expired an hour on; the
	// established ones (5 days) remain, exactly.
	f.table.Sweep(t0.Add(time.Hour), 0)
	assert.Equal(t, workers*per, f.table.Len())
	assert.Len(t, f.table.Conns(t0.Add(time.Hour)), workers*per)
}
