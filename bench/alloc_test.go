package bench

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// TestNoAllocs holds every benchmarked path but churn to zero allocations
// per packet, as the architecture promises for a warm table: the benchmarks
// report allocations, this test enforces them. Each run also checks its
// verdict, so that a fast wrong answer cannot pass.
func TestNoAllocs(t *testing.T) {
	const runs = 2000

	t.Run("established", func(t *testing.T) {
		e := newEstablished(t, 1000)
		now := t0.Add(time.Second)
		j, bad := 0, 0
		allocs := testing.AllocsPerRun(runs, func() {
			if _, ok := e.eval(j, now); !ok {
				bad++
			}
			if j++; j == len(e.pkts) {
				j = 0
			}
		})
		assert.Zero(t, bad, "wrong decisions")
		assert.Zero(t, allocs)
	})

	for _, rules := range []int{20, 1000} {
		t.Run(fmt.Sprintf("newflow/rules=%d", rules), func(t *testing.T) {
			nf := newNewFlows(t, rules)
			bad := 0
			// Every allocation counts: AllocsPerRun's integer division
			// would hide a rare one (a table's shard growing).
			allocs := mallocs(runs, func() {
				if d := nf.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
					bad++
				}
			})
			assert.Zero(t, bad, "rules=%d: wrong decisions", rules)
			assert.Zero(t, allocs, "rules=%d", rules)
		})
	}

	t.Run("drop", func(t *testing.T) {
		f := newIface(t, 1000, conntrack.Config{})
		p := dropPacket
		require.False(t, f.set.Admits(&p, flow.Ingress), "no security group rule may admit the drop packet either")
		bad := 0
		allocs := testing.AllocsPerRun(runs, func() {
			if d := f.pl.Evaluate(&p, flow.Ingress, t0); d.Verdict != flow.Drop || d.RuleNumber != flow.DefaultRuleV4 {
				bad++
			}
		})
		assert.Zero(t, bad, "wrong decisions")
		assert.Zero(t, allocs)
	})

	t.Run("decode", func(t *testing.T) {
		frame := unhex(t, frameSYN)
		d := flow.NewDecoder(layers.LayerTypeEthernet)
		var p flow.Packet
		var err error
		allocs := testing.AllocsPerRun(runs, func() { err = d.Decode(frame, &p) })
		require.NoError(t, err)
		assert.Equal(t, uint16(80), p.DstPort)
		assert.Zero(t, allocs)
	})
}

// TestChurnAllocs: churn may allocate only as a table grows (the issue
// allows its amortised growth), so a steady state of connections coming
// and going, in a table presized for it, allocates nothing at all: the
// slots that expired connections leave are reused.
func TestChurnAllocs(t *testing.T) {
	const flows, runs = 20_000, 20_000
	c := newChurn(t, flows)
	bad := 0
	allocs := mallocs(runs, func() {
		if d := c.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
			bad++
		}
	})
	assert.Zero(t, bad, "wrong decisions")
	assert.Zero(t, allocs, "allocations in %d packets of steady churn", runs)
	assert.LessOrEqual(t, c.table.Len(), flows+flows/4, "the table stays bounded")
}

// mallocs runs f n times on one P and returns how many heap allocations
// the runs made, all of them (testing.AllocsPerRun rounds the average
// down).
func mallocs(n int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f() // as AllocsPerRun: a first call outside the count
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}
