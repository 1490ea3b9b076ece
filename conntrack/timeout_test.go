package conntrack

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestTimeoutConstants pins the numbers of CT-16 and CT-17 and where each
// comes from, so that a change to one shows up as a spec change.
func TestTimeoutConstants(t *testing.T) {
	tests := []struct {
		name string
		got  time.Duration
		want int // seconds
	}{
		// [AWS] CT-16: documented defaults and ranges.
		{"CT-16a TcpEstablishedTimeout default", DefaultTCPEstablishedTimeout, 432000},
		{"CT-16a min", MinTCPEstablishedTimeout, 60},
		{"CT-16a max", MaxTCPEstablishedTimeout, 432000},
		{"CT-16b UdpTimeout default", DefaultUDPTimeout, 30},
		{"CT-16b min", MinUDPTimeout, 30},
		{"CT-16b max", MaxUDPTimeout, 60},
		{"CT-16c UdpStreamTimeout default", DefaultUDPStreamTimeout, 180},
		{"CT-16c min", MinUDPStreamTimeout, 60},
		{"CT-16c max", MaxUDPStreamTimeout, 180},
		{"CT-16d/CT-12 other protocols", OtherTimeout, 600},
		// [LNX] CT-17: Linux nf_conntrack defaults where AWS is silent.
		{"CT-17a SYN_SENT", SynSentTimeout, 120},
		{"CT-17b SYN_RECV", SynRecvTimeout, 60},
		{"CT-17d FIN_WAIT", FinWaitTimeout, 120},
		{"CT-17e CLOSE_WAIT", CloseWaitTimeout, 60},
		{"CT-17f LAST_ACK", LastAckTimeout, 30},
		{"CT-17g TIME_WAIT", TimeWaitTimeout, 120},
		{"CT-17h CLOSE", CloseTimeout, 10},
		{"CT-17o ICMP", ICMPTimeout, 30},
	}
	for _, tc := range tests {
		assert.Equal(t, time.Duration(tc.want)*time.Second, tc.got, tc.name)
	}
}

const (
	cli = "198.51.100.7:50000"
	srv = "10.0.1.10:80"
)

// timeoutCase brings a connection into a state with setup (the first packet
// creates the entry, the others find it, one second apart) and then probes
// it with a packet that leaves the state as it is.
type timeoutCase struct {
	name    string
	cfg     Config
	setup   []flow.Packet
	probe   flow.Packet
	state   State
	timeout time.Duration
}

func timeoutCases() []timeoutCase {
	c, s := cli, srv
	handshake := []flow.Packet{tcp(c, s, fS), tcp(s, c, fSA), tcp(c, s, fA)}
	hs := func(more ...flow.Packet) []flow.Packet {
		return append(append([]flow.Packet(nil), handshake...), more...)
	}
	udpReq, udpResp := udp("10.0.1.10:53000", "10.0.0.2:53"), udp("10.0.0.2:53", "10.0.1.10:53000")
	ping, pong := icmp("203.0.113.12", "172.31.16.139", flow.ICMPEchoRequest, 1), icmp("172.31.16.139", "203.0.113.12", flow.ICMPEchoReply, 1)
	ping6, pong6 := icmp("2001:db8::12", "2001:db8::1", flow.ICMPv6EchoRequest, 9), icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6EchoReply, 9)
	gre, greBack := other(47, "10.0.1.10", "192.0.2.1"), other(47, "192.0.2.1", "10.0.1.10")
	return []timeoutCase{
		// CT-17a..h: every TCP state with its [LNX] timeout, or AWS's
		// established timeout (CT-16a, CT-17c).
		{"CT-17a SYN_SENT", Config{}, []flow.Packet{tcp(c, s, fS)}, tcp(c, s, fS), SynSent, 120 * time.Second},
		{"CT-17b SYN_RECV", Config{}, handshake[:2], tcp(s, c, fSA), SynRecv, 60 * time.Second},
		{"CT-17c ESTABLISHED default", Config{}, handshake, tcp(c, s, fPA), Established, 432000 * time.Second},
		{"CT-17c ESTABLISHED configured 60s", Config{TCPEstablishedTimeout: time.Minute}, handshake, tcp(s, c, fPA), Established, 60 * time.Second},
		{"CT-17c ESTABLISHED configured 350s", Config{TCPEstablishedTimeout: 350 * time.Second}, handshake, tcp(c, s, fA), Established, 350 * time.Second},
		{"CT-17k picked up mid-stream", Config{TCPEstablishedTimeout: time.Minute}, []flow.Packet{tcp(c, s, fPA)}, tcp(s, c, fA), Established, 60 * time.Second},
		{"CT-17d FIN_WAIT", Config{}, hs(tcp(c, s, fFA)), tcp(c, s, fA), FinWait, 120 * time.Second},
		{"CT-17e CLOSE_WAIT", Config{}, hs(tcp(c, s, fFA), tcp(s, c, fA)), tcp(s, c, fPA), CloseWait, 60 * time.Second},
		{"CT-17f LAST_ACK", Config{}, hs(tcp(c, s, fFA), tcp(s, c, fFA)), tcp(c, s, fFA), LastAck, 30 * time.Second},
		{"CT-17g TIME_WAIT", Config{}, hs(tcp(c, s, fFA), tcp(s, c, fFA), tcp(c, s, fA)), tcp(s, c, fA), TimeWait, 120 * time.Second},
		{"CT-17h CLOSE", Config{}, hs(tcp(s, c, fRA)), tcp(c, s, fA), Close, 10 * time.Second},

		// CT-16b/CT-17l: UDP in one direction, or one transaction.
		{"CT-16b UDP one direction", Config{}, []flow.Packet{udpReq, udpReq}, udpReq, UDPSingle, 30 * time.Second},
		{"CT-16b UDP one transaction", Config{}, []flow.Packet{udpReq, udpResp}, udpResp, UDPSingle, 30 * time.Second},
		{"CT-16b UDP configured 60s", Config{UDPTimeout: time.Minute}, []flow.Packet{udpReq}, udpReq, UDPSingle, 60 * time.Second},
		// CT-16c/CT-17m/n: a stream after the second transaction.
		{"CT-16c UDP_STREAM", Config{}, []flow.Packet{udpReq, udpResp, udpReq, udpResp}, udpReq, UDPStream, 180 * time.Second},
		{"CT-16c UDP_STREAM configured 60s", Config{UDPStreamTimeout: time.Minute}, []flow.Packet{udpReq, udpResp, udpReq, udpResp}, udpResp, UDPStream, 60 * time.Second},

		// CT-17o: ICMP and ICMPv6 queries, 30 s.
		{"CT-17o ICMP echo", Config{}, []flow.Packet{ping, pong}, ping, ICMPQuery, 30 * time.Second},
		{"CT-17o ICMPv6 echo", Config{}, []flow.Packet{ping6}, pong6, ICMPQuery, 30 * time.Second},

		// CT-12/CT-17p: other protocols, 600 s.
		{"CT-12 GRE", Config{}, []flow.Packet{gre}, greBack, Generic, 600 * time.Second},
	}
}

// setupTimeoutCase plays tc.setup on a new table and returns it with the
// time of the last setup packet.
func setupTimeoutCase(t *testing.T, tc timeoutCase) (*Table, time.Time) {
	t.Helper()
	tab := newTable(t, tc.cfg)
	steps := make([]step, len(tc.setup))
	for i, p := range tc.setup {
		steps[i] = step{p: p, at: sec(i), create: i == 0}
	}
	r := play(t, tab, steps)
	require.Equal(t, tc.state, r.State, "state after setup")
	return tab, at(sec(len(tc.setup) - 1))
}

// TestTimeoutEdges: for every state, a packet 1 ns before last+timeout
// finds the entry; a packet at exactly last+timeout finds nothing (CT-17:
// at last_seen + timeout exactly, the entry is already gone), and the
// lookup reports the expiry once.
func TestTimeoutEdges(t *testing.T) {
	for _, tc := range timeoutCases() {
		t.Run(tc.name, func(t *testing.T) {
			// Just inside: found, state kept, timer restarted.
			tab, last := setupTimeoutCase(t, tc)
			r, ok := tab.Lookup(&tc.probe, last.Add(tc.timeout-time.Nanosecond))
			require.True(t, ok, "1ns before the timeout")
			assert.Equal(t, tc.state, r.State)
			assert.False(t, r.Expired)
			// ... and since the probe restarted the timer, the entry now
			// lives until probe time + timeout.
			last = last.Add(tc.timeout - time.Nanosecond)
			_, ok = tab.Lookup(&tc.probe, last.Add(tc.timeout-time.Nanosecond))
			assert.True(t, ok, "the probe restarted the idle timer")

			// Exactly at the timeout: gone, reported as expired, removed.
			tab, last = setupTimeoutCase(t, tc)
			r, ok = tab.Lookup(&tc.probe, last.Add(tc.timeout))
			assert.False(t, ok, "at exactly last+timeout")
			assert.True(t, r.Expired)
			assert.Zero(t, tab.Len(), "the expired entry is removed")
			r, ok = tab.Lookup(&tc.probe, last.Add(tc.timeout))
			assert.False(t, ok)
			assert.False(t, r.Expired, "the expiry is reported once")

			// Conns agrees with Lookup about the edge.
			tab, last = setupTimeoutCase(t, tc)
			cs := tab.Conns(last.Add(tc.timeout - time.Nanosecond))
			require.Len(t, cs, 1)
			assert.Equal(t, tc.state, cs[0].State)
			assert.True(t, cs[0].Expires.Equal(last.Add(tc.timeout)), "Expires = last + timeout")
			assert.Empty(t, tab.Conns(last.Add(tc.timeout)))
		})
	}
}

// TestTimeoutEdgesCreate: Create sees the same edge as Lookup. A packet
// 1 ns before the timeout joins the entry (Existing); at the timeout the
// dead entry is replaced by a new one (Created).
func TestTimeoutEdgesCreate(t *testing.T) {
	for _, tc := range timeoutCases() {
		t.Run(tc.name, func(t *testing.T) {
			tab, last := setupTimeoutCase(t, tc)
			first := tc.setup[0]
			_, st := tab.Create(&first, last.Add(tc.timeout-time.Nanosecond))
			assert.Equal(t, Existing, st)

			tab, last = setupTimeoutCase(t, tc)
			r, st := tab.Create(&first, last.Add(tc.timeout))
			assert.Equal(t, Created, st)
			assert.True(t, r.Created.Equal(last.Add(tc.timeout)))
			assert.Equal(t, 1, tab.Len())
		})
	}
}

// TestIdleTimerRestarts: the timeouts are idle timeouts; every packet of
// the connection, in either direction, restarts the timer (CT-16 notes:
// "Timeout (in seconds) for idle TCP connections").
func TestIdleTimerRestarts(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		first   flow.Packet
		orig    flow.Packet // a packet of the original direction
		reply   flow.Packet // a packet of the reply direction
		timeout time.Duration
	}{
		// TCP established with AWS's shortest setting, 60 s.
		{"tcp established 60s", Config{TCPEstablishedTimeout: time.Minute},
			tcp(cli, srv, fPA), tcp(cli, srv, fPA), tcp(srv, cli, fA), time.Minute},
		// UDP sending in one direction only keeps the 30 s timer going.
		{"udp one way", Config{}, udp(cli, srv), udp(cli, srv), udp(cli, srv), 30 * time.Second},
		// CT-12: other protocols, from either end.
		{"gre", Config{}, other(47, "10.0.1.10", "192.0.2.1"), other(47, "10.0.1.10", "192.0.2.1"),
			other(47, "192.0.2.1", "10.0.1.10"), 600 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, tc.cfg)
			_, st := tab.Create(&tc.first, t0)
			require.Equal(t, Created, st)
			// Ten packets, each 1 ns short of the timeout after the one
			// before, alternating directions: the entry outlives ten
			// timeouts.
			last := t0
			for i := range 10 {
				p := tc.orig
				if i%2 == 1 {
					p = tc.reply
				}
				last = last.Add(tc.timeout - time.Nanosecond)
				_, ok := tab.Lookup(&p, last)
				require.Truef(t, ok, "packet %d", i)
			}
			// Then silence for one full timeout ends it.
			r, ok := tab.Lookup(&tc.orig, last.Add(tc.timeout))
			assert.False(t, ok)
			assert.True(t, r.Expired)
		})
	}
}

// TestTraceG replays TRACE-G's tracked half (CT-13) at the table: with
// tcp_established_timeout 60 s, the connection idle since 31 s is gone at
// 91 s (G7), and was still there 1 ns earlier.
func TestTraceG(t *testing.T) {
	cfg := Config{TCPEstablishedTimeout: 60 * time.Second}
	client, eni := "203.0.113.1:51000", "10.0.1.10:22"
	setup := func() *Table {
		tab := newTable(t, cfg)
		r := play(t, tab, []step{
			{p: tcp(client, eni, fS), at: 0, create: true}, // G1 new
			{p: tcp(eni, client, fSA), at: 0},              // G2 est
			{p: tcp(client, eni, fA), at: 0},               // G3 est
			{p: tcp(client, eni, fPA), at: sec(31)},        // G5 est after the rule is gone
		})
		require.Equal(t, Established, r.State)
		return tab
	}
	g7 := tcp(client, eni, fPA)

	// G7 at 91 s: expired; the rules decide, and without a rule it drops.
	tab := setup()
	r, ok := tab.Lookup(&g7, at(sec(91)))
	assert.False(t, ok, "G7")
	assert.True(t, r.Expired, "G7 reports the expiry (NoteExpired)")

	// 1 ns earlier the connection was still tracked.
	tab = setup()
	r, ok = tab.Lookup(&g7, at(sec(91)-time.Nanosecond))
	assert.True(t, ok)
	assert.Equal(t, Established, r.State)
	assert.Equal(t, sec(91)-time.Nanosecond, r.Age)

	// G6: a new connection from the same client is not covered.
	g6 := tcp("203.0.113.1:51001", eni, fS)
	_, ok = tab.Lookup(&g6, at(sec(32)))
	assert.False(t, ok, "G6")
}

// TestTraceC replays TRACE-C part 2 at the table: C5's SYN creates an
// entry at 10 s; the SYN-ACK (C6) is dropped by the NACL before the SG, so
// the entry stays in SYN_SENT and expires at 130 s (CT-17a).
func TestTraceC(t *testing.T) {
	tab := newTable(t, Config{})
	c5 := tcp("10.0.1.10:40002", "203.0.113.80:443", fS)
	_, st := tab.Create(&c5, at(sec(10)))
	require.Equal(t, Created, st)

	cs := tab.Conns(at(sec(129)))
	require.Len(t, cs, 1)
	assert.Equal(t, SynSent, cs[0].State)
	assert.True(t, cs[0].Expires.Equal(at(sec(130))))
	assert.Equal(t, 1, tab.Sweep(at(sec(130)), 0))
	assert.Zero(t, tab.Len())
}
