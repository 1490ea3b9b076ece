package conntrack

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
)

// seg is one TCP segment of a scripted connection: which way it goes, its
// flags, and the state the entry must be in after it.
type seg struct {
	reply  bool
	flags  flow.TCPFlags
	want   State
	closed bool // the segment ends the entry at once (CT-17h)
}

// endpoints of the TCP scripts, run twice: once with the original side at
// the higher address (its key is not the canonical one) and once at the
// lower, so both halves of the canonical-key bookkeeping are exercised.
var tcpSides = []struct{ name, client, server string }{
	{"orig-not-canonical", "198.51.100.7:50000", "10.0.1.10:80"},
	{"orig-canonical", "10.0.1.10:40000", "203.0.113.80:443"},
	{"ipv6", "[2001:db8::7]:50000", "[2001:db8::1]:80"},
}

// runTCP creates the entry with the first segment (which must go the
// original way) and looks up every following one, one second apart.
func runTCP(t *testing.T, script []seg) {
	t.Helper()
	for _, s := range tcpSides {
		tab := newTable(t, Config{})
		for i, sg := range script {
			p := tcp(s.client, s.server, sg.flags)
			if sg.reply {
				p = tcp(s.server, s.client, sg.flags)
			}
			now := at(sec(i))
			var r Result
			if i == 0 {
				require.False(t, sg.reply, "the first segment goes the original way")
				var st Status
				r, st = tab.Create(&p, now)
				require.Equalf(t, Created, st, "%s: segment %d [%s]", s.name, i, sg.flags)
			} else {
				var ok bool
				r, ok = tab.Lookup(&p, now)
				require.Truef(t, ok, "%s: segment %d [%s] found no entry", s.name, i, sg.flags)
			}
			assert.Equalf(t, sg.want, r.State, "%s: state after segment %d [%s]", s.name, i, sg.flags)
			assert.Equalf(t, sg.reply, r.Reply, "%s: direction of segment %d [%s]", s.name, i, sg.flags)
			assert.Equalf(t, sg.closed, r.Closed, "%s: Closed after segment %d [%s]", s.name, i, sg.flags)
			assert.Equalf(t, sec(i), r.Age, "%s: age at segment %d", s.name, i)
			assert.Truef(t, r.Created.Equal(t0), "%s: created at t0", s.name)
			if sg.closed {
				// CT-17h: the entry is gone at once; nothing is found,
				// and it is not reported as an expiry.
				assert.Zero(t, tab.Len(), "%s: Len after the killing RST", s.name)
				r, ok := tab.Lookup(&p, now)
				assert.False(t, ok, "%s: lookup after the killing RST", s.name)
				assert.False(t, r.Expired)
				require.Equal(t, len(script)-1, i, "nothing may follow a killing segment")
				return
			}
			assert.Equal(t, 1, tab.Len())
		}
	}
}

// handshake is the three-way handshake of CT-17a, b and c.
var handshake = []seg{
	{false, fS, SynSent, false},     // CT-17a: SYN from the original side
	{true, fSA, SynRecv, false},     // CT-17b: SYN-ACK in the reply direction
	{false, fA, Established, false}, // CT-17c: the original side's ACK
}

func with(script []seg, more ...seg) []seg {
	return append(append([]seg(nil), script...), more...)
}

// TestTCPStateMachine walks the TCP state machine of CT-17 (Linux's, in
// outline), one scripted connection per case.
func TestTCPStateMachine(t *testing.T) {
	tests := []struct {
		name   string
		script []seg
	}{
		// CT-17a..c: the handshake, then data both ways keeps ESTABLISHED.
		{"CT-17abc handshake", with(handshake,
			seg{false, fPA, Established, false},
			seg{true, fPA, Established, false},
			seg{true, fA, Established, false})},

		// Retransmissions and out-of-turn segments during the handshake
		// change nothing: a repeated SYN, an ACK before the SYN-ACK, a
		// SYN-ACK from the original side, a second SYN-ACK.
		{"CT-17a SYN retransmitted", []seg{
			{false, fS, SynSent, false},
			{false, fS, SynSent, false},
			{false, fA, SynSent, false},
			{false, fSA, SynSent, false},
			{true, fSA, SynRecv, false},
			{true, fSA, SynRecv, false},
			{false, fA, Established, false}}},

		// CT-17b: the reply side's ACK does not complete the handshake;
		// only the original side's does.
		{"CT-17b reply ACK keeps SYN_RECV", []seg{
			{false, fS, SynSent, false},
			{true, fSA, SynRecv, false},
			{true, fA, SynRecv, false},
			{false, fA, Established, false}}},

		// CT-17d..g: the original side closes first: FIN → FIN_WAIT, the
		// other side's ACK → CLOSE_WAIT, its FIN → LAST_ACK, the final
		// ACK → TIME_WAIT.
		{"CT-17d-g client closes", with(handshake,
			seg{false, fFA, FinWait, false},
			seg{true, fA, CloseWait, false},
			seg{true, fPA, CloseWait, false}, // the open side may still send
			seg{true, fFA, LastAck, false},
			seg{false, fA, TimeWait, false})},

		// The same sequence with the reply side closing first.
		{"CT-17d-g server closes", with(handshake,
			seg{true, fFA, FinWait, false},
			seg{false, fA, CloseWait, false},
			seg{false, fFA, LastAck, false},
			seg{true, fA, TimeWait, false})},

		// CT-17d: an ACK from the side that sent the FIN does not move
		// FIN_WAIT on; the other side's does. A bare FIN (no ACK bit)
		// counts as a FIN too.
		{"CT-17d FIN sender's own ACK", with(handshake,
			seg{false, fF, FinWait, false},
			seg{false, fA, FinWait, false},
			seg{false, fFA, FinWait, false}, // FIN retransmitted
			seg{true, fA, CloseWait, false},
			seg{false, fFA, CloseWait, false}, // the closed side's FIN again
			seg{true, fF, LastAck, false},
			seg{false, fA, TimeWait, false})},

		// CT-17f: a FIN-ACK answered directly by a FIN-ACK (simultaneous
		// close as most stacks do it): FIN_WAIT → LAST_ACK → TIME_WAIT.
		{"CT-17f FIN-ACK answered by FIN-ACK", with(handshake,
			seg{false, fFA, FinWait, false},
			seg{true, fFA, LastAck, false},
			seg{false, fA, TimeWait, false})},

		// CT-17g: TIME_WAIT keeps absorbing late ACKs.
		{"CT-17g late ACK in TIME_WAIT", with(handshake,
			seg{false, fFA, FinWait, false},
			seg{true, fFA, LastAck, false},
			seg{true, fA, TimeWait, false},
			seg{false, fA, TimeWait, false})},

		// CT-17h: an RST in either direction once a reply has been
		// seen → CLOSE (10 s); the RST is admitted by the entry.
		{"CT-17h RST from client after handshake", with(handshake,
			seg{false, fR, Close, false},
			seg{true, fA, Close, false})},
		{"CT-17h RST-ACK from server after handshake", with(handshake,
			seg{true, fRA, Close, false})},
		{"CT-17h RST in SYN_RECV", []seg{
			{false, fS, SynSent, false},
			{true, fSA, SynRecv, false},
			{false, fR, Close, false}}},

		// CT-17h, TRACE-D D5: an RST-ACK as the first reply (a refused
		// connection) is admitted and deletes the entry at once.
		{"CT-17h TRACE-D refused connection", []seg{
			{false, fS, SynSent, false},
			{true, fRA, Close, true}}},
		// The original side giving up before any reply does the same.
		{"CT-17h RST before any reply, original side", []seg{
			{false, fS, SynSent, false},
			{false, fS, SynSent, false},
			{false, fR, Close, true}}},

		// CT-17k: a connection picked up mid-stream from a plain ACK or a
		// data segment starts ESTABLISHED and closes as usual.
		{"CT-17k pickup from ACK", []seg{
			{false, fA, Established, false},
			{true, fPA, Established, false},
			{true, fFA, FinWait, false},
			{false, fFA, LastAck, false},
			{true, fA, TimeWait, false}}},
		{"CT-17k pickup from data", []seg{
			{false, fPA, Established, false},
			{true, fA, Established, false}}},
		// A picked-up connection has seen no reply yet: an RST answering
		// its first packet deletes it as in TRACE-D.
		{"CT-17k pickup then RST", []seg{
			{false, fPA, Established, false},
			{true, fR, Close, true}}},

		// A SYN from the original side on TIME_WAIT or CLOSE reopens the
		// connection (port reuse) and the handshake runs again.
		{"SYN on TIME_WAIT reopens", with(handshake,
			seg{false, fFA, FinWait, false},
			seg{true, fFA, LastAck, false},
			seg{false, fA, TimeWait, false},
			seg{false, fS, SynSent, false},
			seg{true, fSA, SynRecv, false},
			seg{false, fA, Established, false})},
		{"SYN on CLOSE reopens", with(handshake,
			seg{true, fR, Close, false},
			seg{false, fS, SynSent, false},
			seg{true, fSA, SynRecv, false},
			seg{false, fA, Established, false})},
		// A reopened connection has seen no reply again, so an RST-ACK
		// refusing it deletes the entry at once (CT-17h).
		{"reopened connection refused", with(handshake,
			seg{false, fFA, FinWait, false},
			seg{true, fFA, LastAck, false},
			seg{false, fA, TimeWait, false},
			seg{false, fS, SynSent, false},
			seg{true, fRA, Close, true})},
		// A SYN on an established connection does not restart it.
		{"SYN on ESTABLISHED ignored", with(handshake,
			seg{false, fS, Established, false})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runTCP(t, tc.script) })
	}
}

// TestTCPCannotStart (CT-17k): only a SYN, a plain ACK or a data segment can
// start a tracked TCP connection. Anything else from no state is judged by
// the rules alone: Create reports CannotStart and the table stays empty.
func TestTCPCannotStart(t *testing.T) {
	tests := []struct {
		flags flow.TCPFlags
		want  State // StateNone: CannotStart
	}{
		// CT-17a, CT-17k: the segments that start a connection.
		{fS, SynSent},
		{flow.SYN | flow.ECE | flow.CWR, SynSent}, // ECN-setup SYN
		{fA, Established},
		{fPA, Established},
		{flow.ACK | flow.URG, Established},
		// CT-17k: a SYN-ACK, FIN or RST from no state, and invalid mixes.
		{fSA, StateNone},
		{fF, StateNone},
		{fFA, StateNone},
		{fR, StateNone},
		{fRA, StateNone},
		{flow.SYN | flow.FIN, StateNone},
		{flow.SYN | flow.RST, StateNone},
		{flow.PSH, StateNone},
		{0, StateNone},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("[%s]", tc.flags), func(t *testing.T) {
			tab := newTable(t, Config{})
			p := tcp("198.51.100.7:50000", "10.0.1.10:80", tc.flags)
			r, st := tab.Create(&p, t0)
			if tc.want == StateNone {
				assert.Equal(t, CannotStart, st)
				assert.Zero(t, r)
				assert.Zero(t, tab.Len())
				_, ok := tab.Lookup(&p, t0)
				assert.False(t, ok)
				return
			}
			assert.Equal(t, Created, st)
			assert.Equal(t, tc.want, r.State)
			assert.False(t, r.Reply)
			assert.Equal(t, 1, tab.Len())
		})
	}
}

// TestCreateExisting: Create on a flow that is already tracked applies the
// packet to the entry and says so (a caller that did not look first, or a
// lost race with another goroutine), in either direction.
func TestCreateExisting(t *testing.T) {
	tab := newTable(t, Config{})
	syn := tcp("198.51.100.7:50000", "10.0.1.10:80", fS)
	synAck := tcp("10.0.1.10:80", "198.51.100.7:50000", fSA)
	ack := tcp("198.51.100.7:50000", "10.0.1.10:80", fA)

	_, st := tab.Create(&syn, t0)
	require.Equal(t, Created, st)

	// A SYN-ACK cannot start a connection, but it belongs to this one.
	r, st := tab.Create(&synAck, at(time.Second))
	assert.Equal(t, Existing, st)
	assert.Equal(t, SynRecv, r.State)
	assert.True(t, r.Reply)
	assert.Equal(t, time.Second, r.Age)

	r, st = tab.Create(&ack, at(2*time.Second))
	assert.Equal(t, Existing, st)
	assert.Equal(t, Established, r.State)
	assert.False(t, r.Reply)
	assert.Equal(t, 1, tab.Len())
}

// TestCreateOverExpired: Create on a flow whose entry has expired replaces
// it with a fresh one; a packet that cannot start a connection removes the
// dead entry and creates nothing.
func TestCreateOverExpired(t *testing.T) {
	tab := newTable(t, Config{})
	syn := tcp("198.51.100.7:50000", "10.0.1.10:80", fS)
	_, st := tab.Create(&syn, t0)
	require.Equal(t, Created, st)

	// CT-17a: SYN_SENT lasts 120 s; the new SYN makes a new entry.
	r, st := tab.Create(&syn, at(SynSentTimeout))
	assert.Equal(t, Created, st)
	assert.Equal(t, SynSent, r.State)
	assert.True(t, r.Created.Equal(at(SynSentTimeout)), "a new entry, created now")
	assert.Equal(t, 1, tab.Len())

	// CT-17k: a FIN on the expired entry cannot start one.
	fin := tcp("198.51.100.7:50000", "10.0.1.10:80", fFA)
	_, st = tab.Create(&fin, at(2*SynSentTimeout))
	assert.Equal(t, CannotStart, st)
	assert.Zero(t, tab.Len())
}
