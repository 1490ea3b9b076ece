package conntrack

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// TestUDPStreams: a UDP flow becomes a stream when its second
// request-response transaction completes, and stays one (CT-16b, CT-16c,
// CT-17n). A transaction completes when a reply-direction packet follows
// an original-direction one.
func TestUDPStreams(t *testing.T) {
	const (
		O = false // original direction
		R = true  // reply direction
	)
	tests := []struct {
		name  string
		dirs  []bool  // directions of the packets after the first (which is O)
		want  []State // state after each of them
		final time.Duration
	}{
		// CT-16b: traffic in a single direction.
		{"one direction only", []bool{O, O, O}, []State{UDPSingle, UDPSingle, UDPSingle}, 30 * time.Second},
		// CT-16b: "a single request-response transaction".
		{"one transaction", []bool{R}, []State{UDPSingle}, 30 * time.Second},
		// Several replies to one request are still one transaction.
		{"one request, many replies", []bool{R, R, R}, []State{UDPSingle, UDPSingle, UDPSingle}, 30 * time.Second},
		// Several requests before the reply: still one transaction.
		{"many requests, one reply", []bool{O, O, R}, []State{UDPSingle, UDPSingle, UDPSingle}, 30 * time.Second},
		// CT-16c/CT-17n: the second transaction completes → UDP_STREAM.
		{"two transactions", []bool{R, O, R}, []State{UDPSingle, UDPSingle, UDPStream}, 180 * time.Second},
		// CT-17n: once a stream, always a stream, whatever follows.
		{"stream stays a stream", []bool{R, O, R, O, O, O}, []State{UDPSingle, UDPSingle, UDPStream, UDPStream, UDPStream, UDPStream}, 180 * time.Second},
		// A flow the reply side talks on first, then the original side,
		// then the reply side: one completed transaction only.
		{"reply first", []bool{R, R, O, R}, []State{UDPSingle, UDPSingle, UDPSingle, UDPStream}, 180 * time.Second},
	}
	req, resp := udp("10.0.1.10:53000", "10.0.0.2:53"), udp("10.0.0.2:53", "10.0.1.10:53000")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, Config{})
			r, st := tab.Create(&req, t0)
			require.Equal(t, Created, st)
			require.Equal(t, UDPSingle, r.State)
			last := t0
			for i, reply := range tc.dirs {
				p := req
				if reply {
					p = resp
				}
				last = at(sec(i + 1))
				r, ok := tab.Lookup(&p, last)
				require.Truef(t, ok, "packet %d", i+1)
				assert.Equalf(t, tc.want[i], r.State, "state after packet %d", i+1)
				assert.Equalf(t, reply, r.Reply, "direction of packet %d", i+1)
			}
			// The final state's timeout applies: alive 1 ns before it.
			cs := tab.Conns(last.Add(tc.final - time.Nanosecond))
			require.Len(t, cs, 1)
			assert.True(t, cs[0].Expires.Equal(last.Add(tc.final)))
			assert.Empty(t, tab.Conns(last.Add(tc.final)))
		})
	}
}

// TestUDPConfiguredTimeouts: an interface's UdpTimeout and UdpStreamTimeout
// settings replace the defaults (CT-16b, CT-16c).
func TestUDPConfiguredTimeouts(t *testing.T) {
	tab := newTable(t, Config{UDPTimeout: 60 * time.Second, UDPStreamTimeout: 60 * time.Second})
	req, resp := udp("10.0.1.10:5060", "192.0.2.9:5060"), udp("192.0.2.9:5060", "10.0.1.10:5060")
	play(t, tab, []step{{p: req, create: true}})
	// UdpTimeout 60: alive at 59 s, where the default 30 s would have
	// ended it.
	r := play(t, tab, []step{{p: resp, at: sec(59)}})
	assert.Equal(t, UDPSingle, r.State)
	r = play(t, tab, []step{{p: req, at: sec(118)}, {p: resp, at: sec(118)}})
	assert.Equal(t, UDPStream, r.State)
	// UdpStreamTimeout 60: gone at 178 s, where 180 s would have kept it.
	r, ok := tab.Lookup(&req, at(sec(178)))
	assert.False(t, ok)
	assert.True(t, r.Expired)
}

// TestICMP covers CT-10: an ICMP query request creates the entry, only the
// reply type paired with it, going the reply way, (and further requests in the
// original direction) use it, and nothing else starts one.
func TestICMP(t *testing.T) {
	type probe struct {
		name  string
		p     flow.Packet
		found bool
		reply bool
	}
	const (
		home = "203.0.113.12"
		eni  = "172.31.16.139"
	)
	tests := []struct {
		name   string
		create flow.Packet
		probes []probe
	}{
		// TRACE-F F1/F2: an echo request creates ICMPQuery; the echo reply
		// with the same identifier, coming back, is a reply; the next
		// request of the same ping (F3) uses the entry too.
		{"echo v4", icmp(home, eni, flow.ICMPEchoRequest, 1), []probe{
			{"F2 echo reply same id", icmp(eni, home, flow.ICMPEchoReply, 1), true, true},
			{"F3 next echo request", icmp(home, eni, flow.ICMPEchoRequest, 1), true, false},
			// Another identifier is another flow.
			{"echo reply other id", icmp(eni, home, flow.ICMPEchoReply, 2), false, false},
			// Another peer is another flow.
			{"echo reply other peer", icmp(eni, "203.0.113.13", flow.ICMPEchoReply, 1), false, false},
			// The reply type the original way, or the request type the
			// reply way, does not fit the entry.
			{"echo reply sent by the requester", icmp(home, eni, flow.ICMPEchoReply, 1), false, false},
			{"echo request from the responder", icmp(eni, home, flow.ICMPEchoRequest, 1), false, false},
			// CT-11: errors are never related to anything.
			{"destination unreachable back", icmp(eni, home, flow.ICMPDestUnreachable, 1), false, false},
		}},
		// ICMPv6 echo: 128 ↔ 129.
		{"echo v6", icmp("2001:db8::12", "2001:db8::1", flow.ICMPv6EchoRequest, 77), []probe{
			{"echo reply", icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6EchoReply, 77), true, true},
			{"echo reply other id", icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6EchoReply, 78), false, false},
			{"packet too big", icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6PacketTooBig, 0), false, false},
		}},
		// Linux's other query pairs (CT-10): timestamp 13↔14, information
		// 15↔16, address mask 17↔18, ICMPv6 node information 139↔140.
		{"timestamp", icmp(home, eni, 13, 5), []probe{
			{"timestamp reply", icmp(eni, home, 14, 5), true, true},
			{"timestamp request again", icmp(home, eni, 13, 5), true, false},
			// Only the matching reply type: an echo reply, or another
			// query's request, with the same identifier does not fit.
			{"echo reply same id", icmp(eni, home, flow.ICMPEchoReply, 5), false, false},
			{"echo request same id", icmp(home, eni, flow.ICMPEchoRequest, 5), false, false},
			{"address mask reply same id", icmp(eni, home, 18, 5), false, false},
		}},
		{"information", icmp(home, eni, 15, 5), []probe{{"information reply", icmp(eni, home, 16, 5), true, true}}},
		{"address mask", icmp(home, eni, 17, 5), []probe{{"address mask reply", icmp(eni, home, 18, 5), true, true}}},
		{"node information", icmp("2001:db8::12", "2001:db8::1", 139, 5), []probe{
			{"node information reply", icmp("2001:db8::1", "2001:db8::12", 140, 5), true, true},
		}},
		// Identifier 0 puts the query in the key slots an ICMP error has
		// (both zero); the error must still not use the entry.
		{"echo id 0", icmp(home, eni, flow.ICMPEchoRequest, 0), []probe{
			{"time exceeded", icmp(eni, home, flow.ICMPTimeExceeded, 0), false, false},
			{"destination unreachable", icmp(home, eni, flow.ICMPDestUnreachable, 0), false, false},
			{"echo reply id 0", icmp(eni, home, flow.ICMPEchoReply, 0), true, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, pr := range tc.probes {
				tab := newTable(t, Config{})
				r, st := tab.Create(&tc.create, t0)
				require.Equal(t, Created, st)
				require.Equal(t, ICMPQuery, r.State)

				r, ok := tab.Lookup(&pr.p, at(time.Second))
				assert.Equalf(t, pr.found, ok, "%s: found", pr.name)
				if ok {
					assert.Equalf(t, pr.reply, r.Reply, "%s: reply", pr.name)
					assert.Equal(t, ICMPQuery, r.State)
				}
				// A probe that did not fit cannot start or disturb
				// anything: Create says CannotStart and the entry lives.
				if !ok {
					_, st := tab.Create(&pr.p, at(time.Second))
					assert.Equalf(t, CannotStart, st, "%s: Create", pr.name)
				}
				assert.Equal(t, 1, tab.Len())
				_, ok = tab.Lookup(&tc.create, at(2*time.Second))
				assert.Truef(t, ok, "%s: the entry survives", pr.name)
			}
		})
	}
}

// TestICMPCannotStart (CT-10, CT-11): a reply type without an entry (an
// echo reply on its own) and every non-query type are judged by the rules alone;
// Create reports CannotStart and the table stays empty.
func TestICMPCannotStart(t *testing.T) {
	tests := []struct {
		name string
		p    flow.Packet
	}{
		{"echo reply", icmp("172.31.16.139", "203.0.113.12", flow.ICMPEchoReply, 1)},
		{"timestamp reply", icmp("172.31.16.139", "203.0.113.12", 14, 1)},
		{"destination unreachable", icmp("203.0.113.12", "172.31.16.139", flow.ICMPDestUnreachable, 0)},
		{"time exceeded", icmp("203.0.113.12", "172.31.16.139", flow.ICMPTimeExceeded, 0)},
		{"redirect", icmp("203.0.113.12", "172.31.16.139", flow.ICMPRedirect, 0)},
		{"router advertisement", icmp("203.0.113.12", "172.31.16.139", 9, 0)},
		{"icmpv6 echo reply", icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6EchoReply, 1)},
		{"icmpv6 packet too big", icmp("2001:db8::1", "2001:db8::12", flow.ICMPv6PacketTooBig, 0)},
		{"icmpv6 neighbor solicitation", icmp("2001:db8::1", "2001:db8::12", 135, 0)},
		// ICMP's request type number used with ICMPv6 is not a request.
		{"icmpv6 type 8", icmp("2001:db8::1", "2001:db8::12", 8, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, Config{})
			r, st := tab.Create(&tc.p, t0)
			assert.Equal(t, CannotStart, st)
			assert.Zero(t, r)
			assert.Zero(t, tab.Len())
			_, ok := tab.Lookup(&tc.p, t0)
			assert.False(t, ok)
		})
	}
}

// TestOtherProtocols (CT-12): once the instance has sent a packet of some
// other protocol to a host, that host's packets of the same protocol are
// let back in for 600 seconds. The key is the address pair and the
// protocol number.
func TestOtherProtocols(t *testing.T) {
	a, b := "10.0.1.10", "192.0.2.1"
	tests := []struct {
		name  string
		p     flow.Packet
		found bool
		reply bool
	}{
		// B→A gre is the reply of A→B gre.
		{"gre back", other(47, b, a), true, true},
		{"gre again", other(47, a, b), true, false},
		// Ports play no part for other protocols: a decoder's leftovers
		// in the port fields are ignored.
		{"gre back with stray ports", flow.Packet{Proto: 47, Src: mustAddr(b), Dst: mustAddr(a), SrcPort: 9, DstPort: 7}, true, true},
		// The protocol number is part of the key.
		{"esp back", other(50, b, a), false, false},
		// So are both addresses.
		{"gre from a third host", other(47, "192.0.2.2", a), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := newTable(t, Config{})
			gre := other(47, a, b)
			r, st := tab.Create(&gre, t0)
			require.Equal(t, Created, st)
			require.Equal(t, Generic, r.State)

			r, ok := tab.Lookup(&tc.p, at(600*time.Second-time.Nanosecond))
			assert.Equal(t, tc.found, ok, "within 600 s")
			if ok {
				assert.Equal(t, tc.reply, r.Reply)
				assert.Equal(t, Generic, r.State)
			}
		})
	}

	// CT-12 edge: B→A at exactly 600 s after A→B is not accepted.
	tab := newTable(t, Config{})
	gre, back := other(47, a, b), other(47, b, a)
	_, st := tab.Create(&gre, t0)
	require.Equal(t, Created, st)
	r, ok := tab.Lookup(&back, at(600*time.Second))
	assert.False(t, ok, "at 600 s")
	assert.True(t, r.Expired)

	// IPv6 works the same way (here ESP, 50).
	tab = newTable(t, Config{})
	esp, espBack := other(50, "2001:db8::a", "2001:db8::b"), other(50, "2001:db8::b", "2001:db8::a")
	_, st = tab.Create(&esp, t0)
	require.Equal(t, Created, st)
	r, ok = tab.Lookup(&espBack, at(599*time.Second))
	assert.True(t, ok)
	assert.True(t, r.Reply)
}
