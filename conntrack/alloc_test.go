package conntrack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
)

// TestLookupNoAllocs: Lookup is on every packet's path and must not
// allocate, for any kind of packet, in either direction, hit or miss.
// The packets live outside the measured closures.
func TestLookupNoAllocs(t *testing.T) {
	tab := newTable(t, Config{})
	for i := range 1000 {
		p := tcpFlow(i, fPA)
		play(t, tab, []step{{p: p, create: true}})
	}
	est, estBack := tcpFlow(500, fPA), tcpFlow(500, fA).Reverse()
	dns, dnsBack := udpFlow(1), udpFlow(1).Reverse()
	ping := icmp("203.0.113.12", "10.0.1.10", flow.ICMPEchoRequest, 3)
	pong := ping.Reverse()
	gre, greBack := other(47, "10.0.1.10", "192.0.2.1"), other(47, "192.0.2.1", "10.0.1.10")
	miss := tcpFlow(5000, fS)
	play(t, tab, []step{{p: dns, create: true}, {p: ping, create: true}, {p: gre, create: true}})
	now := at(time.Second)

	tests := []struct {
		name string
		p    *flow.Packet
		ok   bool
	}{
		// The hot case: an established TCP packet, both directions.
		{"tcp established original", &est, true},
		{"tcp established reply", &estBack, true},
		{"udp reply", &dnsBack, true},
		{"icmp echo reply", &pong, true},
		{"gre reply", &greBack, true},
		{"miss", &miss, false},
	}
	for _, tc := range tests {
		var ok bool
		n := allocs.Count(100, func() {
			_, ok = tab.Lookup(tc.p, now)
		})
		assert.Equal(t, tc.ok, ok, tc.name)
		assert.Zero(t, n, tc.name)
	}

	// Both directions of the established connection in one run.
	var r1, r2 Result
	var ok1, ok2 bool
	n := allocs.Count(1000, func() {
		r1, ok1 = tab.Lookup(&est, now)
		r2, ok2 = tab.Lookup(&estBack, now)
	})
	require.True(t, ok1 && ok2)
	assert.Equal(t, Established, r1.State)
	assert.True(t, r2.Reply)
	assert.Zero(t, n)
}

// TestCreateNoAllocs: on a warm table (slots freed by expiry and
// sweeping, room under each shard's load limit) Create does not allocate.
func TestCreateNoAllocs(t *testing.T) {
	const warm, runs = 10_000, 200
	tab := newTable(t, Config{})
	for i := range warm {
		p := udpFlow(i)
		play(t, tab, []step{{p: p, create: true}})
	}
	// Let them all expire (UDP, 30 s) and sweep them out: room for
	// 10 000 entries, about 625 per shard, far more than the runs below
	// need.
	require.Equal(t, warm, tab.Sweep(at(time.Minute), 0))
	require.Zero(t, tab.Len())

	// New flows of every kind: TCP SYN, UDP, ICMP echo request, GRE.
	pkts := make([]flow.Packet, runs)
	for i := range pkts {
		switch i % 4 {
		case 0:
			pkts[i] = tcpFlow(i, fS)
		case 1:
			pkts[i] = udpFlow(20_000 + i)
		case 2:
			pkts[i] = icmp("10.0.1.10", "192.0.2.1", flow.ICMPEchoRequest, uint16(i))
		case 3:
			pkts[i] = flow.Packet{Proto: 47, Src: mustAddr("10.0.1.10"), Dst: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})}
		}
	}
	now := at(time.Hour)
	i := 0
	var st Status
	var bad int
	create := func() {
		_, st = tab.Create(&pkts[i], now)
		if st != Created {
			bad++
		}
		i++
	}
	// The count is exact: an allocation made now and then (a shard
	// growing) fails the test.
	n := allocs.Count(runs-1, create) // runs calls in all
	assert.Zero(t, bad, "every Create created")
	assert.Equal(t, runs, tab.Len())
	assert.Zero(t, n)
}
