package replay

import (
	"cmp"
	"slices"

	"github.com/pfsim/pfsim/flow"
)

// topFlows counts packets per flow in bounded memory, to find the busiest
// flows of a capture of any length. It keeps at most max flows; when a
// new flow finds it full, the half with the fewest packets is dropped, and
// the largest count dropped so far becomes the floor: a flow that comes
// (back) after that may have had up to floor packets that were not
// counted, its error. This is the "frequent items" idea of Misra and Gries
// (1982) and of Space-Saving (Metwally, Agrawal and El Abbadi, 2005): the
// half dropped holds at most 2N/max packets per flow, N the packets so far,
// so a flow busier than that stays, and a count whose error is 0 is exact.
type topFlows struct {
	max   int
	index map[flow.Key]int32
	flows []flowCount
	floor uint64
}

type flowCount struct {
	key              flow.Key // canonical: both directions are one flow
	packets, bytes   uint64
	allowed, dropped uint64
	err              uint64 // packets of the flow possibly not counted
}

func newTopFlows(max int) *topFlows {
	return &topFlows{max: max, index: make(map[flow.Key]int32)}
}

// add counts packet p, allowed or not. It allocates only when a flow is
// new and the table has to grow.
func (t *topFlows) add(p *flow.Packet, allowed bool) {
	k, _ := p.Key().Canonical()
	i, ok := t.index[k]
	if !ok {
		if len(t.flows) >= t.max {
			t.evict()
		}
		i = int32(len(t.flows))
		t.index[k] = i
		t.flows = append(t.flows, flowCount{key: k, err: t.floor})
	}
	f := &t.flows[i]
	f.packets++
	f.bytes += uint64(p.Length)
	if allowed {
		f.allowed++
	} else {
		f.dropped++
	}
}

// evict drops the half of the flows with the fewest packets.
func (t *topFlows) evict() {
	slices.SortFunc(t.flows, func(a, b flowCount) int { return cmp.Compare(b.packets, a.packets) })
	keep := t.max / 2
	for _, f := range t.flows[keep:] {
		t.floor = max(t.floor, f.packets+f.err)
		delete(t.index, f.key)
	}
	t.flows = t.flows[:keep]
	for i := range t.flows {
		t.index[t.flows[i].key] = int32(i)
	}
}

// top returns the n flows with the most packets, most first; ties in key
// order, so that the answer does not depend on map order.
func (t *topFlows) top(n int) []flowCount {
	out := slices.Clone(t.flows)
	slices.SortFunc(out, func(a, b flowCount) int {
		if c := cmp.Compare(b.packets, a.packets); c != 0 {
			return c
		}
		return compareKeys(&a.key, &b.key)
	})
	return out[:min(n, len(out))]
}

// compareKeys orders flow keys by protocol, addresses, then ports.
func compareKeys(a, b *flow.Key) int {
	if c := cmp.Compare(a.Proto(), b.Proto()); c != 0 {
		return c
	}
	if c := a.Src().Compare(b.Src()); c != 0 {
		return c
	}
	if c := a.Dst().Compare(b.Dst()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.SrcPort(), b.SrcPort()); c != 0 {
		return c
	}
	return cmp.Compare(a.DstPort(), b.DstPort())
}
