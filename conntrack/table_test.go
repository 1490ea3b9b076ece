package conntrack

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
)

// udpFlow returns the i-th of a family of distinct UDP flows from the
// interface 10.0.1.10 to a DNS server, spread over client ports.
func udpFlow(i int) flow.Packet {
	return flow.Packet{Proto: flow.UDP, Src: netip.AddrFrom4([4]byte{10, 0, 1, 10}), Dst: netip.AddrFrom4([4]byte{10, 0, 0, 2}),
		SrcPort: uint16(1024 + i), DstPort: 53}
}

// tcpFlow returns the i-th of a family of distinct TCP flows with the
// given flags, from clients on the internet to 10.0.1.10:443.
func tcpFlow(i int, f flow.TCPFlags) flow.Packet {
	return flow.Packet{Proto: flow.TCP, Src: netip.AddrFrom4([4]byte{198, 51, byte(i >> 16), byte(i >> 8)}), Dst: netip.AddrFrom4([4]byte{10, 0, 1, 10}),
		SrcPort: uint16(32768 + i%20000), DstPort: 443, Flags: f}
}

// TestCapacity covers CT-18..CT-20: a table at capacity drops packets that
// would start a new connection and counts them (conntrack_allowance_
// exceeded); tracked connections go on as usual; expired entries are
// cleared to make room before a packet is refused.
func TestCapacity(t *testing.T) {
	tab := newTable(t, Config{Capacity: 2})
	a, b, c := udpFlow(1), udpFlow(2), udpFlow(3)
	require.Equal(t, 2, tab.Available(), "CT-19 conntrack_allowance_available, empty")

	// Two flows fill the table.
	_, st := tab.Create(&a, t0)
	require.Equal(t, Created, st)
	assert.Equal(t, 1, tab.Available())
	_, st = tab.Create(&b, at(time.Second))
	require.Equal(t, Created, st)
	assert.Equal(t, 0, tab.Available())

	// CT-20: the third new flow is refused and counted.
	r, st := tab.Create(&c, at(5*time.Second))
	assert.Equal(t, Full, st)
	assert.Zero(t, r)
	assert.Equal(t, uint64(1), tab.Exceeded())
	assert.Equal(t, 2, tab.Len())

	// CT-20: packets of existing entries pass as usual, both ways, via
	// Lookup or Create, and are not counted.
	ra, rb := a.Reverse(), b.Reverse()
	_, ok := tab.Lookup(&ra, at(10*time.Second))
	assert.True(t, ok)
	_, ok = tab.Lookup(&b, at(10*time.Second))
	assert.True(t, ok)
	_, st = tab.Create(&rb, at(10*time.Second))
	assert.Equal(t, Existing, st)
	assert.Equal(t, uint64(1), tab.Exceeded())

	// A packet that cannot start a connection is not a refused one.
	fin := tcp(cli, srv, fFA)
	_, st = tab.Create(&fin, at(10*time.Second))
	assert.Equal(t, CannotStart, st)
	assert.Equal(t, uint64(1), tab.Exceeded())

	// Every retry of the refused flow counts (the metric counts packets).
	for range 3 {
		_, st = tab.Create(&c, at(20*time.Second))
		assert.Equal(t, Full, st)
	}
	assert.Equal(t, uint64(4), tab.Exceeded())

	// 1 ns before a and b expire (last packets at 10 s, UDP 30 s): full.
	_, st = tab.Create(&c, at(40*time.Second-time.Nanosecond))
	assert.Equal(t, Full, st)
	assert.Equal(t, uint64(5), tab.Exceeded())

	// Once they have expired, the full table clears them and c is created.
	r, st = tab.Create(&c, at(40*time.Second))
	assert.Equal(t, Created, st)
	assert.Equal(t, UDPSingle, r.State)
	assert.Equal(t, 1, tab.Len(), "the expired entries were removed")
	assert.Equal(t, 1, tab.Available())
	assert.Equal(t, uint64(5), tab.Exceeded(), "a created flow is not counted")
	_, ok = tab.Lookup(&a, at(40*time.Second))
	assert.False(t, ok)
}

// TestCapacityPartlyExpired: when one of the entries of a full table has
// expired, it alone makes room; the live one stays.
func TestCapacityPartlyExpired(t *testing.T) {
	tab := newTable(t, Config{Capacity: 2})
	udpA, tcpB, c := udpFlow(1), tcpFlow(1, fPA), udpFlow(3)
	play(t, tab, []step{{p: udpA, create: true}, {p: tcpB, create: true}})
	_, st := tab.Create(&c, at(30*time.Second))
	assert.Equal(t, Created, st)
	assert.Equal(t, 2, tab.Len())
	_, ok := tab.Lookup(&tcpB, at(30*time.Second))
	assert.True(t, ok)
	assert.Zero(t, tab.Exceeded())
}

// TestCapacityFreedByRST: an entry deleted by an RST before any reply
// (CT-17h) gives its capacity back at once.
func TestCapacityFreedByRST(t *testing.T) {
	tab := newTable(t, Config{Capacity: 1})
	syn := tcp("198.51.100.7:50011", "10.0.1.10:8443", fS)
	rst := tcp("10.0.1.10:8443", "198.51.100.7:50011", fRA)
	play(t, tab, []step{{p: syn, create: true}})
	r := play(t, tab, []step{{p: rst}})
	require.True(t, r.Closed)
	assert.Equal(t, 1, tab.Available())
	other := udpFlow(1)
	_, st := tab.Create(&other, t0)
	assert.Equal(t, Created, st)
}

// TestCapacityUnlimited: capacity 0 means no limit (CT-20's default) and
// Available reports -1.
func TestCapacityUnlimited(t *testing.T) {
	tab := newTable(t, Config{})
	assert.Equal(t, -1, tab.Available())
	for i := range 1000 {
		p := udpFlow(i)
		_, st := tab.Create(&p, t0)
		require.Equal(t, Created, st)
	}
	assert.Equal(t, 1000, tab.Len())
	assert.Equal(t, -1, tab.Available())
	assert.Zero(t, tab.Exceeded())
}

// TestSweepBounded: a bounded sweep looks at no more than max slots of a
// one-shard table, so removes at most max entries a call, removes only
// expired entries, and successive calls continue where the last stopped:
// within a pass over the slots (and one look more per removal, at the
// slot a removal refills) every expired entry is gone.
func TestSweepBounded(t *testing.T) {
	tab := newTable(t, Config{Shards: 1})
	// 10 UDP flows (30 s) interleaved with 10 SYN_SENT flows (120 s).
	for i := range 10 {
		u, s := udpFlow(i), tcpFlow(i, fS)
		play(t, tab, []step{{p: u, create: true}, {p: s, create: true}})
	}
	require.Equal(t, 20, tab.Len())
	slots := len(tab.shards[0].slots)

	// Before anything expires, a sweep removes nothing.
	assert.Zero(t, tab.Sweep(at(30*time.Second-time.Nanosecond), 100))
	assert.Zero(t, tab.Sweep(at(30*time.Second-time.Nanosecond), 0))

	// At 60 s the UDP flows are dead; 4 slots a call.
	now := at(60 * time.Second)
	total, calls := 0, 0
	for ; calls < (slots+10+3)/4; calls++ {
		n := tab.Sweep(now, 4)
		assert.LessOrEqualf(t, n, 4, "call %d", calls)
		total += n
	}
	assert.Equal(t, 10, total, "after %d calls of 4 slots over %d slots", calls, slots)
	assert.Zero(t, tab.Sweep(now, 4), "nothing left to remove")
	assert.Equal(t, 10, tab.Len())

	// The SYN_SENT flows were left alone.
	for i := range 10 {
		p := tcpFlow(i, fS)
		_, ok := tab.Lookup(&p, now)
		assert.Truef(t, ok, "flow %d", i)
	}
}

// TestSweepAll: Sweep(now, 0) removes exactly the expired entries of every
// shard, at the CT-17 edge; Len then counts the live ones. Before a sweep
// Len still counts expired entries (expiry is lazy).
func TestSweepAll(t *testing.T) {
	tab := newTable(t, Config{})
	for i := range 100 {
		u, s := udpFlow(i), tcpFlow(i, fS)
		play(t, tab, []step{{p: u, create: true}, {p: s, create: true}})
	}
	assert.Equal(t, 200, tab.Len())
	assert.Zero(t, tab.Sweep(at(30*time.Second-time.Nanosecond), 0))
	assert.Equal(t, 200, tab.Len(), "Len counts entries not yet removed")
	assert.Equal(t, 100, tab.Sweep(at(30*time.Second), 0))
	assert.Equal(t, 100, tab.Len())
	assert.Zero(t, tab.Sweep(at(120*time.Second-time.Nanosecond), 0))
	assert.Equal(t, 100, tab.Sweep(at(120*time.Second), 0))
	assert.Zero(t, tab.Len())
	assert.Zero(t, tab.Sweep(at(time.Hour), 0), "sweeping an empty table")

	// A refilled table works as before: freed slots are reused.
	for i := range 100 {
		p := udpFlow(i)
		play(t, tab, []step{{p: p, at: time.Hour, create: true}})
	}
	assert.Equal(t, 100, tab.Sweep(at(time.Hour+30*time.Second), 0))
}

// TestSweepManyShards: with more shards than max, every call still makes
// progress and repeated calls remove every expired entry.
func TestSweepManyShards(t *testing.T) {
	tab := newTable(t, Config{Shards: 16})
	for i := range 64 {
		p := udpFlow(i)
		play(t, tab, []step{{p: p, create: true}})
	}
	now := at(time.Minute)
	total := 0
	for range 64 {
		total += tab.Sweep(now, 1)
	}
	assert.Equal(t, 64, total)
	assert.Zero(t, tab.Len())
}

// TestSweepShorterTimeout: a full sweep may skip a shard in which nothing
// can have expired yet, so a state change to a shorter timeout must be
// noticed: ESTABLISHED (5 days) → CLOSE (10 s, CT-17h), FIN_WAIT (120 s).
func TestSweepShorterTimeout(t *testing.T) {
	tests := []struct {
		name    string
		last    flow.Packet
		timeout time.Duration
	}{
		{"RST → CLOSE", tcp(srv, cli, fRA), CloseTimeout},
		{"FIN → FIN_WAIT", tcp(cli, srv, fFA), FinWaitTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, Config{Shards: 1})
			play(t, tab, []step{
				{p: tcp(cli, srv, fS), create: true},
				{p: tcp(srv, cli, fSA)},
				{p: tcp(cli, srv, fA)},
				{p: tc.last, at: time.Hour},
			})
			assert.Zero(t, tab.Sweep(at(time.Hour+tc.timeout-time.Nanosecond), 0))
			assert.Equal(t, 1, tab.Sweep(at(time.Hour+tc.timeout), 0))
		})
	}
}

// TestConns: Conns lists live connections under their original key (the
// first packet's direction, whichever way the canonical key points),
// with state and times; expired entries are left out.
func TestConns(t *testing.T) {
	tab := newTable(t, Config{})
	// The client's key is not canonical (198.51.100.7 > 10.0.1.10) ...
	in := tcp("198.51.100.7:50000", "10.0.1.10:80", fS)
	// ... this one is (10.0.1.10 < 203.0.113.80).
	out := tcp("10.0.1.10:40000", "203.0.113.80:443", fS)
	ping := icmp("203.0.113.12", "10.0.1.10", flow.ICMPEchoRequest, 7)
	play(t, tab, []step{
		{p: in, create: true},
		{p: out, create: true},
		{p: ping, create: true},
		{p: in.Reverse(), at: 5 * time.Second}, // SYN-ACK shape: reply direction
		{p: tcp("203.0.113.80:443", "10.0.1.10:40000", fSA), at: 5 * time.Second},
	})
	cs := tab.Conns(at(6 * time.Second))
	require.Len(t, cs, 3)
	got := map[string]Conn{}
	for _, c := range cs {
		got[c.Key.String()] = c
	}
	want := []struct {
		key     string
		state   State
		last    time.Duration
		timeout time.Duration
	}{
		{"tcp 198.51.100.7:50000 > 10.0.1.10:80", SynSent, 5 * time.Second, SynSentTimeout},
		{"tcp 10.0.1.10:40000 > 203.0.113.80:443", SynRecv, 5 * time.Second, SynRecvTimeout},
		{"icmp 203.0.113.12 > 10.0.1.10 id 7", ICMPQuery, 0, ICMPTimeout},
	}
	for _, w := range want {
		c, ok := got[w.key]
		if !assert.Truef(t, ok, "no conn %s in %v", w.key, got) {
			continue
		}
		assert.Equal(t, w.state, c.State, w.key)
		assert.True(t, c.Created.Equal(t0), w.key)
		assert.True(t, c.LastSeen.Equal(at(w.last)), w.key)
		assert.True(t, c.Expires.Equal(at(w.last+w.timeout)), w.key)
	}
	// At 30 s the ping is gone; Conns does not remove it, Len still
	// counts it.
	assert.Len(t, tab.Conns(at(30*time.Second)), 2)
	assert.Equal(t, 3, tab.Len())
	assert.Empty(t, newTable(t, Config{}).Conns(t0))
}

// TestConcurrent: goroutines creating, looking up and sweeping one table at
// once, with flows of their own and flows they share, must keep every
// live connection and lose none to a race. Run with -race.
func TestConcurrent(t *testing.T) {
	const (
		workers = 8
		own     = 200 // long-lived TCP flows per worker
		shared  = 4   // UDP flows every worker uses
	)
	tab := newTable(t, Config{})
	var wg sync.WaitGroup
	errs := make(chan error, workers*own)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range own {
				id := w*own + i
				now := at(time.Duration(i) * time.Millisecond)
				syn, synAck, ack := tcpFlow(id, fS), tcpFlow(id, fSA).Reverse(), tcpFlow(id, fA)
				if _, st := tab.Create(&syn, now); st != Created {
					errs <- fmt.Errorf("worker %d flow %d: Create %s", w, id, st)
					continue
				}
				for _, p := range []*flow.Packet{&synAck, &ack} {
					if _, ok := tab.Lookup(p, now); !ok {
						errs <- fmt.Errorf("worker %d flow %d: lost", w, id)
					}
				}
				// A shared flow: whoever comes first creates it.
				s := udpFlow(i % shared)
				if _, st := tab.Create(&s, now); st != Created && st != Existing {
					errs <- fmt.Errorf("worker %d shared %d: Create %s", w, i%shared, st)
				}
				rs := s.Reverse()
				if _, ok := tab.Lookup(&rs, now); !ok {
					errs <- fmt.Errorf("worker %d shared %d: lost", w, i%shared)
				}
				// Short-lived flows, reset after the handshake (CLOSE,
				// 10 s, CT-17h), which a sweeper at a later time removes
				// while others are being created: slot reuse under
				// contention.
				e, eAck, eRst := tcpFlow(100_000+id, fS), tcpFlow(100_000+id, fSA).Reverse(), tcpFlow(100_000+id, fR)
				tab.Create(&e, now)
				tab.Lookup(&eAck, now)
				tab.Lookup(&eRst, now)
			}
		}()
	}
	// A sweeper, at a time when only the short-lived flows have expired
	// (the shared UDP flows were refreshed at most 1 s after t0, so they
	// are alive until at least 30 s).
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			tab.Sweep(at(20*time.Second), 16)
			if i%50 == 0 {
				tab.Sweep(at(20*time.Second), 0)
			}
			_ = tab.Len()
			_ = tab.Available()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The sweeper may have run before some short-lived flows were
	// made; a final sweep at 20 s leaves exactly the long-lived and the
	// shared flows.
	tab.Sweep(at(20*time.Second), 0)
	assert.Equal(t, workers*own+shared, tab.Len())
	assert.Equal(t, workers*own+shared, len(tab.Conns(at(20*time.Second))))
	for id := range workers * own {
		p := tcpFlow(id, fPA)
		r, ok := tab.Lookup(&p, at(20*time.Second))
		if assert.Truef(t, ok, "flow %d", id) {
			assert.Equal(t, Established, r.State)
		}
	}
}

// TestConcurrentCapacity: goroutines racing to fill a table never push it
// past its capacity (CT-18): exactly Capacity creations succeed and every
// other attempt is Full and counted.
func TestConcurrentCapacity(t *testing.T) {
	const (
		workers  = 8
		attempts = 200
		capacity = 100
	)
	for round := range 20 {
		tab := newTable(t, Config{Capacity: capacity})
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[Status]int{}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := map[Status]int{}
				for i := range attempts {
					p := udpFlow(w*attempts + i)
					_, st := tab.Create(&p, t0)
					local[st]++
				}
				mu.Lock()
				for st, n := range local {
					counts[st] += n
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		require.Equalf(t, capacity, counts[Created], "round %d: %v", round, counts)
		require.Equal(t, workers*attempts-capacity, counts[Full])
		require.Equal(t, uint64(workers*attempts-capacity), tab.Exceeded())
		require.Equal(t, capacity, tab.Len())
		require.Zero(t, tab.Available())
	}
}

// Reconfigure changes the idle timeouts of a live table (CT-16: the
// timeouts are an interface attribute that can be modified) and keeps
// its entries; an invalid configuration changes nothing.
func TestReconfigure(t *testing.T) {
	tb := MustNew(Config{TCPEstablishedTimeout: 600 * time.Second})
	start := time.Unix(1_700_000_000, 0)
	p := flow.MustParsePacket("tcp 10.0.1.10:40000 > 203.0.113.80:443 [.]")
	_, st := tb.Create(&p, start)
	require.Equal(t, Created, st)

	require.Error(t, tb.Reconfigure(Config{TCPEstablishedTimeout: time.Second}))
	assert.Equal(t, 600*time.Second, tb.Config().TCPEstablishedTimeout)

	require.NoError(t, tb.Reconfigure(Config{TCPEstablishedTimeout: 60 * time.Second}))
	assert.Equal(t, 60*time.Second, tb.Config().TCPEstablishedTimeout)
	assert.Equal(t, DefaultUDPTimeout, tb.Config().UDPTimeout, "zero means the default")
	_, ok := tb.Lookup(&p, start.Add(59*time.Second))
	assert.True(t, ok, "kept, and refreshed")
	r, ok := tb.Lookup(&p, start.Add(119*time.Second))
	assert.False(t, ok, "expires by the new 60 s timeout")
	assert.True(t, r.Expired)
}

// TestConcurrentReconfigure: Reconfigure, Config, Lookup and Create on one
// table at once, for the race detector. Two goroutines switch the table
// between two configurations; readers must only ever see one of them
// whole, packets must keep finding their entries, and afterwards the
// table expires entries by the configuration Config reports.
func TestConcurrentReconfigure(t *testing.T) {
	cfgs := [2]Config{
		{TCPEstablishedTimeout: 60 * time.Second, UDPTimeout: 30 * time.Second, UDPStreamTimeout: 60 * time.Second},
		{TCPEstablishedTimeout: 600 * time.Second, UDPTimeout: 60 * time.Second, UDPStreamTimeout: 180 * time.Second},
	}
	tab := newTable(t, Config{Capacity: 100_000, Shards: 4})
	initial := tab.Config()
	initial.Capacity, initial.SizeHint, initial.Shards = 0, 0, 0
	const rounds = 300
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	for w := range 2 {
		wg.Go(func() { // reconfigurers
			for i := range rounds {
				if err := tab.Reconfigure(cfgs[(i+w)%2]); err != nil {
					report(err)
				}
			}
		})
	}
	wg.Go(func() { // a reader of the configuration, which may see it before any change
		for range rounds {
			c := tab.Config()
			c.Capacity, c.SizeHint, c.Shards = 0, 0, 0
			if c != initial && c != cfgs[0] && c != cfgs[1] {
				report(fmt.Errorf("Config() = %+v, a mix of two configurations", c))
			}
		}
	})
	for w := range 2 {
		wg.Go(func() { // packets
			for i := range rounds {
				now := at(time.Duration(i) * time.Millisecond)
				p := udpFlow(w*rounds + i)
				if _, st := tab.Create(&p, now); st != Created {
					report(fmt.Errorf("worker %d flow %d: Create %s", w, i, st))
				}
				rp := p.Reverse()
				if _, ok := tab.Lookup(&rp, now); !ok {
					report(fmt.Errorf("worker %d flow %d: reply not found", w, i))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The table now runs by the configuration it reports.
	c := tab.Config()
	p := udpFlow(50_000)
	_, st := tab.Create(&p, at(time.Hour))
	require.Equal(t, Created, st)
	rp := p.Reverse()
	_, ok := tab.Lookup(&rp, at(time.Hour+c.UDPTimeout-time.Nanosecond))
	assert.True(t, ok, "alive 1 ns before %s", c.UDPTimeout)
	_, ok = tab.Lookup(&rp, at(time.Hour+2*c.UDPTimeout-2*time.Nanosecond))
	assert.True(t, ok, "refreshed")
	_, ok = tab.Lookup(&rp, at(time.Hour+3*c.UDPTimeout))
	assert.False(t, ok, "expired after %s", c.UDPTimeout)
}

// TestCreateBoundsTable: a table fed a long stream of short-lived flows,
// and never swept by its caller, keeps about the flows alive at any time
// (plus a share of expired ones that its own sweeping has not reached
// yet), not every flow it ever saw, in memory as well as in Len.
func TestCreateBoundsTable(t *testing.T) {
	const (
		flows = 200_000
		step  = 10 * time.Millisecond // UDP, 30 s: 3000 flows alive at a time
		alive = int(DefaultUDPTimeout / step)
	)
	tab := newTable(t, Config{})
	slots := func() int {
		n := 0
		for i := range tab.shards {
			n += len(tab.shards[i].slots)
		}
		return n
	}
	maxLen, maxSlots := 0, 0
	for i := range flows {
		p := flow.Packet{Proto: flow.UDP, Src: netip.AddrFrom4([4]byte{10, 1, byte(i >> 16), byte(i >> 8)}), Dst: netip.AddrFrom4([4]byte{10, 0, 0, 2}),
			SrcPort: uint16(i), DstPort: 53}
		_, st := tab.Create(&p, at(time.Duration(i)*step))
		require.Equal(t, Created, st, "flow %d", i)
		maxLen, maxSlots = max(maxLen, tab.Len()), max(maxSlots, slots())
	}
	t.Logf("%d flows, %d alive at a time: at most %d entries in %d slots", flows, alive, maxLen, maxSlots)
	// Create's sweeping of a few slots each keeps the expired entries
	// under half the live ones here; the full sweep a shard does only
	// before it would grow would let them reach three quarters.
	assert.Less(t, maxLen, alive+alive/2, "entries")
	assert.Less(t, maxSlots, 3*alive, "slots")
	// Every flow alive at the end is still there.
	assert.GreaterOrEqual(t, len(tab.Conns(at(time.Duration(flows-1)*step))), alive)
}

// TestMakeRoom: a shard at its load limit makes room for one more entry
// by removing its expired entries when they are enough, and by growing by
// half when they are not.
func TestMakeRoom(t *testing.T) {
	tab := newTable(t, Config{Shards: 1, SizeHint: 100})
	s := &tab.shards[0]
	n := len(s.slots)
	fill := func(at time.Duration) {
		for i := 0; s.live < s.limit; i++ {
			p := udpFlow(i)
			_, st := tab.Create(&p, t0.Add(at))
			require.Equal(t, Created, st)
		}
	}
	fill(0)
	s.mu.Lock()
	tab.makeRoomLocked(s, at(time.Minute).UnixNano())
	s.mu.Unlock()
	assert.Equal(t, n, len(s.slots), "grew instead of clearing expired entries")
	assert.Zero(t, tab.Len())

	fill(time.Hour)
	s.mu.Lock()
	tab.makeRoomLocked(s, at(time.Hour).UnixNano())
	s.mu.Unlock()
	assert.Equal(t, grownSize(n), len(s.slots), "live entries: grown by half")
	requireProbeRuns(t, s)
	for i := range int(s.live) {
		p := udpFlow(i)
		_, ok := tab.Lookup(&p, at(time.Hour))
		assert.True(t, ok, "flow %d", i)
	}
}

// TestReconfigureLongerKeepsExpiredGone: an entry that expired before a
// change to a longer timeout stays gone, whether or not anything had
// removed it from memory; one still alive at the change lives by the new
// timeout. The change happens at the latest time the table was given,
// whichever method it was given to.
func TestReconfigureLongerKeepsExpiredGone(t *testing.T) {
	old := tcp(cli, srv, fA)                    // picked up mid-stream at 0 s: ESTABLISHED, 60 s
	young := tcp("198.51.100.8:50000", srv, fA) // at 30 s
	other := tcp("198.51.100.9:50000", srv, fS) // a SYN at 50 s
	ping := icmp("10.0.1.10", "192.0.2.1", flow.ICMPEchoRequest, 1)
	dns := udpFlow(1) // at 25 s: UDP, 30 s, so no Create sweeps it away before 60 s
	// Each way the table learns that it is 60 s now, when old has
	// expired, and nothing has removed it yet.
	tests := []struct {
		name string
		at60 func(tb testing.TB, tab *Table)
	}{
		{"full sweep", func(tb testing.TB, tab *Table) { tab.Sweep(at(sec(60)), 0) }},
		{"bounded sweep", func(tb testing.TB, tab *Table) { tab.Sweep(at(sec(60)), 1) }},
		{"conns", func(tb testing.TB, tab *Table) { require.Len(tb, tab.Conns(at(sec(60))), 3) }},
		{"lookup found", func(tb testing.TB, tab *Table) {
			_, ok := tab.Lookup(&young, at(sec(60)))
			require.True(tb, ok)
		}},
		{"lookup missed", func(tb testing.TB, tab *Table) {
			p := udpFlow(99)
			_, ok := tab.Lookup(&p, at(sec(60)))
			require.False(tb, ok)
		}},
		{"lookup expired", func(tb testing.TB, tab *Table) {
			r, ok := tab.Lookup(&dns, at(sec(60)))
			require.True(tb, !ok && r.Expired)
		}},
		{"reset before any reply", func(tb testing.TB, tab *Table) {
			rst := tcp(srv, "198.51.100.9:50000", fRA)
			r, ok := tab.Lookup(&rst, at(sec(60)))
			require.True(tb, ok && r.Closed)
		}},
		{"icmp of the wrong kind", func(tb testing.TB, tab *Table) {
			wrong := icmp("192.0.2.1", "10.0.1.10", flow.ICMPEchoRequest, 1) // a request the reply way
			_, ok := tab.Lookup(&wrong, at(sec(60)))
			require.False(tb, ok)
		}},
		{"create that cannot start", func(tb testing.TB, tab *Table) {
			p := tcp("203.0.113.5:40000", srv, fSA)
			_, st := tab.Create(&p, at(sec(60)))
			require.Equal(tb, CannotStart, st)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, Config{TCPEstablishedTimeout: 60 * time.Second})
			play(t, tab, []step{
				{p: old, create: true}, {p: dns, at: sec(25), create: true},
				{p: young, at: sec(30), create: true},
				{p: other, at: sec(50), create: true}, {p: ping, at: sec(50), create: true},
			})
			tc.at60(t, tab)
			require.NoError(t, tab.Reconfigure(Config{TCPEstablishedTimeout: 600 * time.Second}))
			_, ok := tab.Lookup(&old, at(sec(61)))
			assert.False(t, ok, "an expired connection came back")
			_, ok = tab.Lookup(&young, at(sec(89)))
			assert.True(t, ok, "the live connection keeps its entry")
			_, ok = tab.Lookup(&young, at(sec(89+599)))
			assert.True(t, ok, "and lives by the new timeout")
		})
	}
}

// TestReconfigureAfterClockWentBack: a packet at an earlier time than the
// entry's last one does not make the table forget the later time, which
// Reconfigure takes for the change.
func TestReconfigureAfterClockWentBack(t *testing.T) {
	tab := newTable(t, Config{TCPEstablishedTimeout: 60 * time.Second, Shards: 1})
	old := tcp(cli, srv, fA)
	young := tcp("198.51.100.8:50000", srv, fA)
	play(t, tab, []step{{p: old, create: true}, {p: young, at: sec(30), create: true}, {p: young, at: sec(60)}})
	// Another goroutine's packet, a little behind: young's last goes back
	// to 59 s, but the table has been at 60 s, when old had expired.
	play(t, tab, []step{{p: young, at: sec(59)}})
	require.NoError(t, tab.Reconfigure(Config{TCPEstablishedTimeout: 600 * time.Second}))
	_, ok := tab.Lookup(&old, at(sec(61)))
	assert.False(t, ok, "an expired connection came back")
}

// TestLookupInto: LookupInto reports what Lookup reports, on twin tables
// fed the same packets, whatever *r held before; and it allocates nothing.
func TestLookupInto(t *testing.T) {
	a, b := newTable(t, Config{}), newTable(t, Config{})
	syn := tcpFlow(1, fS)
	synAck := syn.Reverse()
	synAck.Flags = fSA
	ack := syn
	ack.Flags = fA
	for _, tab := range []*Table{a, b} {
		_, st := tab.Create(&syn, t0)
		require.Equal(t, Created, st)
	}
	steps := []struct {
		p  flow.Packet
		at time.Duration
	}{
		{synAck, time.Second}, {ack, 2 * time.Second}, {tcpFlow(2, fA), 2 * time.Second}, // a miss
		{ack, 2*time.Second + DefaultTCPEstablishedTimeout}, // expired
	}
	for i, s := range steps {
		want, wok := a.Lookup(&s.p, at(s.at))
		got := Result{State: Close, Reply: true, Expired: true, Closed: true, Age: time.Hour} // stale
		ok := b.LookupInto(&s.p, at(s.at), &got)
		assert.Equal(t, wok, ok, "step %d", i)
		assert.Equal(t, want.State, got.State, "step %d", i)
		assert.Equal(t, want.Reply, got.Reply, "step %d", i)
		assert.Equal(t, want.Age, got.Age, "step %d", i)
		assert.Equal(t, want.Expired, got.Expired, "step %d", i)
		assert.Equal(t, want.Closed, got.Closed, "step %d", i)
		assert.True(t, want.Created.Equal(got.Created), "step %d", i)
	}
	p := tcpFlow(3, fS)
	_, st := b.Create(&p, t0)
	require.Equal(t, Created, st)
	var r Result
	n := allocs.Count(100, func() { b.LookupInto(&p, t0, &r) })
	assert.Zero(t, n)
}
