package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
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
		n := allocs.Count(runs, func() {
			if _, ok := e.eval(j, now); !ok {
				bad++
			}
			if j++; j == len(e.pkts) {
				j = 0
			}
		})
		assert.Zero(t, bad, "wrong decisions")
		assert.Zero(t, n)
	})

	for _, rules := range []int{20, 1000} {
		t.Run(fmt.Sprintf("newflow/rules=%d", rules), func(t *testing.T) {
			nf := newNewFlows(t, rules)
			bad := 0
			n := allocs.Count(runs, func() {
				if d := nf.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
					bad++
				}
			})
			assert.Zero(t, bad, "rules=%d: wrong decisions", rules)
			assert.Zero(t, n, "rules=%d", rules)
		})
	}

	t.Run("drop", func(t *testing.T) {
		f := newIface(t, 1000, conntrack.Config{})
		p := dropPacket
		require.False(t, f.set.Admits(&p, flow.Ingress), "no security group rule may admit the drop packet either")
		bad := 0
		n := allocs.Count(runs, func() {
			if d := f.cross(&p, flow.Ingress, t0); d.Verdict != flow.Drop || d.RuleNumber != flow.DefaultRuleV4 {
				bad++
			}
		})
		assert.Zero(t, bad, "wrong decisions")
		assert.Zero(t, n)
	})

	t.Run("decode", func(t *testing.T) {
		frame := unhex(t, frameSYN)
		d := capture.NewDecoder(layers.LayerTypeEthernet)
		var p flow.Packet
		var err error
		n := allocs.Count(runs, func() { err = d.Decode(frame, &p) })
		require.NoError(t, err)
		assert.Equal(t, uint16(80), p.DstPort)
		assert.Zero(t, n)
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
	n := allocs.Count(runs, func() {
		if d := c.next(); d.Verdict != flow.Allow || d.Conntrack != flow.CTNew {
			bad++
		}
	})
	assert.Zero(t, bad, "wrong decisions")
	assert.Zero(t, n, "allocations in %d packets of steady churn", runs)
	assert.LessOrEqual(t, c.table.Len(), flows+flows/4, "the table stays bounded")
}
