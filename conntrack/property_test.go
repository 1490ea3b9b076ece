package conntrack

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
)

// genAddrs draws two distinct addresses of one family. Distinct: a packet
// from an interface to itself never crosses a security group.
func genAddrs(t *rapid.T, v6 bool) (src, dst netip.Addr) {
	draw := func(label string) netip.Addr {
		if v6 {
			var b [16]byte
			copy(b[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label))
			b[0] = 0x20 // keep clear of v4-mapped addresses
			return netip.AddrFrom16(b)
		}
		var b [4]byte
		copy(b[:], rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, label))
		return netip.AddrFrom4(b)
	}
	src = draw("src")
	dst = draw("dst")
	if src == dst {
		t.Skip("same address")
	}
	return src, dst
}

// icmpRequests and icmpReplies are CT-10's query pairs, written out here
// independently of package flow as the test's oracle.
var (
	icmpRequests = map[flow.Proto][]uint8{flow.ICMP: {8, 13, 15, 17}, flow.ICMPv6: {128, 139}}
	icmpReplies  = map[flow.Proto][]uint8{flow.ICMP: {0, 14, 16, 18}, flow.ICMPv6: {129, 140}}
)

// genPacket draws a TCP, UDP, ICMP/ICMPv6 or other-protocol packet, IPv4 or
// IPv6, weighted towards packets that can start a connection but with
// every flag byte and ICMP type possible.
func genPacket(t *rapid.T) flow.Packet {
	v6 := rapid.Bool().Draw(t, "v6")
	src, dst := genAddrs(t, v6)
	p := flow.Packet{Src: src, Dst: dst}
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		p.Proto = flow.TCP
		p.SrcPort = rapid.Uint16().Draw(t, "sport")
		p.DstPort = rapid.Uint16().Draw(t, "dport")
		p.Flags = rapid.OneOf(
			rapid.SampledFrom([]flow.TCPFlags{fS, fA, fPA, fSA, fFA, fRA}),
			rapid.Map(rapid.Uint8(), func(b uint8) flow.TCPFlags { return flow.TCPFlags(b) }),
		).Draw(t, "flags")
	case 1:
		p.Proto = flow.UDP
		p.SrcPort = rapid.Uint16().Draw(t, "sport")
		p.DstPort = rapid.Uint16().Draw(t, "dport")
	case 2:
		p.Proto = flow.ICMP
		if v6 {
			p.Proto = flow.ICMPv6
		}
		p.ICMPType = rapid.OneOf(
			rapid.SampledFrom(icmpRequests[p.Proto]),
			rapid.SampledFrom(icmpReplies[p.Proto]),
			rapid.Uint8(),
		).Draw(t, "type")
		p.ICMPID = rapid.Uint16().Draw(t, "id")
	default:
		// gre, esp, ah, sctp (whose ports pfsim does not track, CT-12)
		p.Proto = rapid.SampledFrom([]flow.Proto{47, 50, 51, 132}).Draw(t, "proto")
	}
	return p
}

// canStart is the test's oracle for CT-10, CT-12 and CT-17k: which first
// packets start a tracked connection, and in which state.
func canStart(p flow.Packet) (State, bool) {
	switch p.Proto {
	case flow.TCP:
		switch {
		case p.Flags&(fS|fA|fF|fR) == fS:
			return SynSent, true
		case p.Flags&(fS|fF|fR) == 0 && p.Flags&fA != 0:
			return Established, true
		}
		return StateNone, false
	case flow.UDP:
		return UDPSingle, true
	case flow.ICMP, flow.ICMPv6:
		for _, t := range icmpRequests[p.Proto] {
			if p.ICMPType == t {
				return ICMPQuery, true
			}
		}
		return StateNone, false
	}
	return Generic, true
}

// canon is the canonical key of a packet: equal for both directions.
func canon(p flow.Packet) flow.Key {
	k, _ := p.Key().Canonical()
	return k
}

// TestPropertyKeySymmetry (CT-7, SG-30): one entry serves both directions.
// For a random packet p that can start a connection, after Create(p) the
// reversed packet is found as a reply and p itself as the original
// direction; a packet of any other flow is not found.
func TestPropertyKeySymmetry(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPacket(t)
		tab := MustNew(Config{Shards: rapid.SampledFrom([]int{0, 1, 4}).Draw(t, "shards")})
		now := t0.Add(time.Duration(rapid.Int64Range(0, int64(100*365*24*time.Hour)).Draw(t, "now")))

		want, ok := canStart(p)
		r, st := tab.Create(&p, now)
		if !ok {
			if st != CannotStart || tab.Len() != 0 {
				t.Fatalf("Create(%s [%s] type %d) = %s, Len %d; want cannot-start", p.Key(), p.Flags, p.ICMPType, st, tab.Len())
			}
			return
		}
		if st != Created || r.State != want || r.Reply {
			t.Fatalf("Create(%s) = %s %s reply=%v; want created %s", p.Key(), st, r.State, r.Reply, want)
		}

		rev := p.Reverse()
		r, ok = tab.Lookup(&rev, now)
		if !ok || !r.Reply || r.State != want {
			t.Fatalf("Lookup(reverse %s) = %v reply=%v %s; want found, reply, %s", rev.Key(), ok, r.Reply, r.State, want)
		}
		r, ok = tab.Lookup(&p, now)
		if !ok || r.Reply || r.State != want {
			t.Fatalf("Lookup(%s) = %v reply=%v %s; want found, original, %s", p.Key(), ok, r.Reply, r.State, want)
		}

		// Another random packet, and p changed in one field: found only
		// if it has p's flow key (which, for a protocol without ports, a
		// port change keeps).
		q := genPacket(t)
		m := p
		switch rapid.IntRange(0, 4).Draw(t, "mutation") {
		case 0:
			m.SrcPort++
		case 1:
			m.DstPort--
		case 2:
			b := m.Dst.AsSlice()
			b[len(b)-1] ^= 1
			m.Dst, _ = netip.AddrFromSlice(b)
		case 3:
			m.Proto ^= 1 // tcp 6↔7, udp 17↔16, gre 47↔46, ...
		case 4:
			m.ICMPID++
		}
		for _, x := range []flow.Packet{q, q.Reverse(), m, m.Reverse()} {
			if canon(x) == canon(p) {
				continue
			}
			if _, ok := tab.Lookup(&x, now); ok {
				t.Fatalf("Lookup(%s) found the entry of %s", x.Key(), p.Key())
			}
		}
		if tab.Len() != 1 {
			t.Fatalf("Len = %d, want 1", tab.Len())
		}
	})
}

// model is a deliberately simple reference for the table's timing,
// capacity and sweep behaviour: a map from flow index to its entry, with
// the UDP stream rule of CT-17n and the CT-17 expiry edge written out
// directly. Flows are UDP (two timeouts) and GRE (600 s).
type model struct {
	tab     *Table
	cfg     Config
	flows   []flow.Packet // the "a" direction of each flow; b is a.Reverse()
	entries map[int]*modelEntry
	now     time.Time
	full    uint64
}

type modelEntry struct {
	origA    bool // created by a packet of the flow's "a" direction
	last     time.Time
	lastOrig bool
	trans    int
}

func (m *model) timeout(i int, e *modelEntry) time.Duration {
	switch {
	case m.flows[i].Proto != flow.UDP:
		return 600 * time.Second
	case e.trans >= 2:
		return m.cfg.UDPStreamTimeout
	}
	return m.cfg.UDPTimeout
}

func (m *model) state(i int, e *modelEntry) State {
	switch {
	case m.flows[i].Proto != flow.UDP:
		return Generic
	case e.trans >= 2:
		return UDPStream
	}
	return UDPSingle
}

// live returns flow i's entry if it has one that has not expired at now.
func (m *model) live(i int) *modelEntry {
	e := m.entries[i]
	if e == nil || m.now.Sub(e.last) >= m.timeout(i, e) {
		return nil
	}
	return e
}

func (m *model) liveCount() int {
	n := 0
	for i := range m.flows {
		if m.live(i) != nil {
			n++
		}
	}
	return n
}

// step applies a packet of flow i, direction a (or b), to live entry e.
func (m *model) step(i int, e *modelEntry, a bool) {
	orig := a == e.origA
	if !orig && e.lastOrig {
		e.trans++
	}
	e.lastOrig = orig
	e.last = m.now
}

func (m *model) packet(t *rapid.T) (int, bool, flow.Packet) {
	i := rapid.IntRange(0, len(m.flows)-1).Draw(t, "flow")
	a := rapid.Bool().Draw(t, "a")
	p := m.flows[i]
	if !a {
		p = p.Reverse()
	}
	return i, a, p
}

func (m *model) Create(t *rapid.T) {
	i, a, p := m.packet(t)
	r, st := m.tab.Create(&p, m.now)
	if e := m.live(i); e != nil {
		m.step(i, e, a)
		if st != Existing || r.Reply != (a != e.origA) || r.State != m.state(i, e) {
			t.Fatalf("Create flow %d: %s reply=%v %s; want existing %s", i, st, r.Reply, r.State, m.state(i, e))
		}
		return
	}
	delete(m.entries, i)
	if m.cfg.Capacity > 0 && m.liveCount() >= m.cfg.Capacity {
		m.full++
		if st != Full {
			t.Fatalf("Create flow %d: %s; want full (%d live, capacity %d)", i, st, m.liveCount(), m.cfg.Capacity)
		}
		return
	}
	e := &modelEntry{origA: a, last: m.now, lastOrig: true}
	m.entries[i] = e
	if st != Created || r.Reply || r.State != m.state(i, e) {
		t.Fatalf("Create flow %d: %s reply=%v %s; want created", i, st, r.Reply, r.State)
	}
}

func (m *model) Lookup(t *rapid.T) {
	i, a, p := m.packet(t)
	r, ok := m.tab.Lookup(&p, m.now)
	e := m.live(i)
	if e == nil {
		if ok {
			t.Fatalf("Lookup flow %d found an entry the model has not", i)
		}
		if r.Expired && m.entries[i] == nil {
			t.Fatalf("Lookup flow %d reports an expiry, but there was no entry", i)
		}
		delete(m.entries, i)
		return
	}
	m.step(i, e, a)
	if !ok || r.Expired || r.Reply != (a != e.origA) || r.State != m.state(i, e) {
		t.Fatalf("Lookup flow %d: ok=%v expired=%v reply=%v %s; want found %s", i, ok, r.Expired, r.Reply, r.State, m.state(i, e))
	}
}

func (m *model) Sweep(t *rapid.T) {
	max := rapid.IntRange(0, 8).Draw(t, "max")
	removed := m.tab.Sweep(m.now, max)
	if max > 0 && m.cfg.Shards == 1 && removed > max {
		t.Fatalf("Sweep(max %d) removed %d", max, removed)
	}
	if max == 0 && m.tab.Len() != m.liveCount() {
		t.Fatalf("after a full Sweep, Len %d; %d live", m.tab.Len(), m.liveCount())
	}
}

// Advance moves the clock by a step drawn from the timeouts in play, or
// onto (or 1 ns before) the moment some entry expires.
func (m *model) Advance(t *rapid.T) {
	if i := rapid.IntRange(0, len(m.flows)).Draw(t, "edge of"); i < len(m.flows) {
		if e := m.live(i); e != nil {
			edge := e.last.Add(m.timeout(i, e))
			m.now = edge.Add(-time.Duration(rapid.IntRange(0, 1).Draw(t, "1ns before")))
			return
		}
	}
	d := rapid.SampledFrom([]time.Duration{0, time.Nanosecond, time.Second, 29 * time.Second,
		30 * time.Second, 59 * time.Second, 179 * time.Second, 600 * time.Second}).Draw(t, "advance")
	m.now = m.now.Add(d)
}

// Check compares the table's live connections with the model's after
// every action.
func (m *model) Check(t *rapid.T) {
	want := map[flow.Key]State{}
	for i := range m.flows {
		if e := m.live(i); e != nil {
			p := m.flows[i]
			if !e.origA {
				p = p.Reverse()
			}
			want[p.Key()] = m.state(i, e)
		}
	}
	got := map[flow.Key]State{}
	for _, c := range m.tab.Conns(m.now) {
		got[c.Key] = c.State
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Conns at +%s = %v; model %v", m.now.Sub(t0), got, want)
	}
	if n := m.tab.Len(); n < len(want) || (m.cfg.Capacity > 0 && n > m.cfg.Capacity) {
		t.Fatalf("Len %d with %d live, capacity %d", n, len(want), m.cfg.Capacity)
	}
	if m.tab.Exceeded() != m.full {
		t.Fatalf("Exceeded %d; model %d", m.tab.Exceeded(), m.full)
	}
}

// TestPropertyModel runs random sequences of Create, Lookup, Sweep and
// clock steps (landing on expiry edges often) against the model: idle
// timeouts and their exact edge (CT-17), UDP streams (CT-17n), capacity
// with expired entries cleared when full (CT-18..CT-20), and sweeping
// that never removes a live entry, for several shard counts.
func TestPropertyModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			UDPTimeout:       rapid.SampledFrom([]time.Duration{30 * time.Second, 45 * time.Second, 60 * time.Second}).Draw(t, "udp"),
			UDPStreamTimeout: rapid.SampledFrom([]time.Duration{60 * time.Second, 180 * time.Second}).Draw(t, "stream"),
			Capacity:         rapid.IntRange(0, 4).Draw(t, "capacity"),
			Shards:           rapid.SampledFrom([]int{1, 2, 16}).Draw(t, "shards"),
		}
		m := &model{tab: MustNew(cfg), cfg: cfg, entries: map[int]*modelEntry{}, now: t0}
		for i := range 4 {
			src, dst := fmt.Sprintf("10.0.1.%d", 10+i), "192.0.2.1"
			if i == 3 {
				src, dst = "2001:db8::a", "2001:db8::1"
			}
			m.flows = append(m.flows,
				udp(netip.AddrPortFrom(mustAddr(src), uint16(40000+i)).String(), netip.AddrPortFrom(mustAddr(dst), 53).String()))
			if i < 2 {
				m.flows = append(m.flows, other(47, src, dst))
			}
		}
		t.Repeat(rapid.StateMachineActions(m))
	})
}
