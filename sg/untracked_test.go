package sg_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/sg"
)

// ct4 is AWS's worked example (CT-4): all traffic out to 0.0.0.0/0 and
// ::/0; in, every ICMP type from 0.0.0.0/0, TCP 80 from 0.0.0.0/0 and ::/0,
// and TCP 22 from 203.0.113.1/32 only. withV4Out=false removes the IPv4 outbound rule.
func ct4(withV4Out bool) sg.Group {
	g := sg.Group{
		ID: "sg-ct4",
		Ingress: []sg.Rule{
			ruleCIDR(pTCP, 22, 22, "203.0.113.1/32"),
			ruleCIDR(pTCP, 80, 80, "0.0.0.0/0"),
			ruleCIDR(pTCP, 80, 80, "::/0"),
			ruleCIDR(pICMP, -1, -1, "0.0.0.0/0"),
		},
	}
	if withV4Out {
		g.Egress = append(g.Egress, ruleCIDR(pAll, 0, 0, "0.0.0.0/0"))
	}
	g.Egress = append(g.Egress, ruleCIDR(pAll, 0, 0, "::/0"))
	return g
}

// untrackedCase is one packet with the answers of the four predicates.
type untrackedCase struct {
	name    string
	pkt     flow.Packet
	dir     flow.Direction
	admit   bool // Match ok
	open    bool // Match Open (U2)
	rev     bool // OpenReverse (U3)
	untrack bool // Untracked (U1..U3)
	answers bool // AnswersUntracked (U0)
}

func runUntracked(t *testing.T, s *sg.Set, tests []untrackedCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.pkt
			m, ok := s.Match(&p, tt.dir)
			assert.Equal(t, tt.admit, ok, "Match")
			assert.Equal(t, tt.open, m.Open, "Open (U2)")
			assert.Equal(t, tt.rev, s.OpenReverse(&p, tt.dir), "OpenReverse (U3)")
			assert.Equal(t, tt.untrack, s.Untracked(&p, tt.dir), "Untracked")
			assert.Equal(t, tt.answers, s.AnswersUntracked(&p, tt.dir), "AnswersUntracked (U0)")
		})
	}
}

const (
	in  = flow.Ingress
	out = flow.Egress
)

// TestUntrackedCT4 is AWS's example, CT-4.
func TestUntrackedCT4(t *testing.T) {
	s := sg.MustCompile([]sg.Group{ct4(true)}, nil)
	runUntracked(t, s, []untrackedCase{
		// SSH is tracked: its inbound rule allows 203.0.113.1/32 only (U2).
		{"ssh syn tracked", tcp("203.0.113.1", 51000, "10.0.1.10", 22, flow.SYN), in, true, false, true, false, false},
		{"ssh reply is not an answer to an untracked flow", tcp("10.0.1.10", 22, "203.0.113.1", 51000, flow.SYN|flow.ACK), out, true, true, false, false, false},
		// HTTP is not tracked: both directions are open to everyone.
		{"http v4 untracked", tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN), in, true, true, true, true, false},
		{"http v4 reply answers", tcp("10.0.1.10", 80, "198.51.100.7", 50000, flow.SYN|flow.ACK), out, true, true, false, false, true},
		{"http v6 untracked", tcp("2001:db8::7", 50000, "2001:db8:1::10", 80, flow.SYN), in, true, true, true, true, false},
		{"http v6 reply answers", tcp("2001:db8:1::10", 80, "2001:db8::7", 50000, flow.SYN|flow.ACK), out, true, true, false, false, true},
		// ICMP is always tracked (CT-2), even though it is open both ways.
		{"icmp echo tracked", icmp("198.51.100.7", "10.0.1.10", 8, 0), in, true, true, false, false, false},
		{"icmp echo reply", icmp("10.0.1.10", "198.51.100.7", 0, 0), out, true, true, false, false, false},
		// Nothing admits inbound UDP; an outbound UDP flow is tracked
		// (no open all-ports inbound rule).
		{"udp out tracked", udp("10.0.1.10", 40000, "198.51.100.53", 53), out, true, true, false, false, false},
		{"udp in dropped", udp("198.51.100.7", 40000, "10.0.1.10", 53), in, false, false, true, false, false},
	})

	// Without the IPv4 outbound rule, every IPv4 packet is tracked in both
	// directions, port 80 included.
	// IPv6 HTTP stays untracked.
	s = sg.MustCompile([]sg.Group{ct4(false)}, nil)
	runUntracked(t, s, []untrackedCase{
		{"http v4 now tracked", tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN), in, true, true, false, false, false},
		{"http v4 reply: no rule, no U0", tcp("10.0.1.10", 80, "198.51.100.7", 50000, flow.SYN|flow.ACK), out, false, false, false, false, false},
		{"http v6 still untracked", tcp("2001:db8::7", 50000, "2001:db8:1::10", 80, flow.SYN), in, true, true, true, true, false},
		{"http v6 reply answers", tcp("2001:db8:1::10", 80, "2001:db8::7", 50000, flow.SYN|flow.ACK), out, true, true, false, false, true},
	})
}

// TestUntrackedTraces walks TRACE-A, C, G and H's packets through the
// predicates; the stage decides with them (sg.Stage).
func TestUntrackedTraces(t *testing.T) {
	// TRACE-A: sg-web. A1 is untracked; A2, the SYN-ACK, fails U3 (no
	// all-ports inbound rule) but answers the untracked flow (U0).
	runUntracked(t, sg.MustCompile([]sg.Group{sgWeb()}, nil), []untrackedCase{
		{"A1 syn", tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN), in, true, true, true, true, false},
		{"A2 syn-ack", tcp("10.0.1.10", 80, "198.51.100.7", 50000, flow.SYN|flow.ACK), out, true, true, false, false, true},
		{"A3 ack", tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.ACK), in, true, true, true, true, false},
		{"A5 200 OK", tcp("10.0.1.10", 80, "198.51.100.7", 50000, flow.PSH|flow.ACK), out, true, true, false, false, true},
		// H5 at eni-web: from another interface, still open to everyone.
		{"H5 at eni-web", tcp("10.0.1.11", 45002, "10.0.1.10", 80, flow.SYN), in, true, true, true, true, false},
	})

	// TRACE-C: sg-client, egress only. C1 is tracked (U3 fails); the
	// reply C2 is admitted by the entry, not by a rule, and answers no
	// untracked flow.
	client := sg.Group{ID: "sg-client", Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	runUntracked(t, sg.MustCompile([]sg.Group{client}, nil), []untrackedCase{
		{"C1 syn", tcp("10.0.1.10", 40000, "203.0.113.80", 443, flow.SYN), out, true, true, false, false, false},
		{"C2 syn-ack", tcp("203.0.113.80", 443, "10.0.1.10", 40000, flow.SYN|flow.ACK), in, false, false, true, false, false},
		{"C4 stray syn-ack", tcp("203.0.113.80", 443, "10.0.1.10", 40001, flow.SYN|flow.ACK), in, false, false, true, false, false},
	})

	// TRACE-H H5 at eni-web2: tracked, since sg-other lacks inbound rules.
	other := sg.Group{ID: "sg-other", Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	s := sg.MustCompile([]sg.Group{other}, nil)
	h5 := tcp("10.0.1.11", 45002, "10.0.1.10", 80, flow.SYN)
	assert.False(t, s.Untracked(&h5, out))

	// TRACE-G: sg-open. G8/G9 are untracked; after the ingress rule is
	// removed (G10) the next packet meets no rule (CT-14).
	open := sg.Group{ID: "sg-open", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "0.0.0.0/0")}, Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	runUntracked(t, sg.MustCompile([]sg.Group{open}, nil), []untrackedCase{
		{"G8 syn", tcp("203.0.113.1", 52000, "10.0.1.10", 22, flow.SYN), in, true, true, true, true, false},
		{"G9 syn-ack", tcp("10.0.1.10", 22, "203.0.113.1", 52000, flow.SYN|flow.ACK), out, true, true, false, false, true},
	})
	open.Ingress = nil
	runUntracked(t, sg.MustCompile([]sg.Group{open}, nil), []untrackedCase{
		{"G11 after removal", tcp("203.0.113.1", 52000, "10.0.1.10", 22, flow.PSH|flow.ACK), in, false, false, true, false, false},
		{"G11 reply side", tcp("10.0.1.10", 22, "203.0.113.1", 52000, flow.ACK), out, true, true, false, false, false},
	})
	// G-tracked: sg-ssh admits from a /32, so tracked.
	ssh := sg.Group{ID: "sg-ssh", Ingress: []sg.Rule{ruleCIDR(pTCP, 22, 22, "203.0.113.1/32")}, Egress: []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}}
	g1 := tcp("203.0.113.1", 51000, "10.0.1.10", 22, flow.SYN)
	assert.False(t, sg.MustCompile([]sg.Group{ssh}, nil).Untracked(&g1, in))
}

// TestUntrackedU2U3 pins down which rules count for U2 and U3.
func TestUntrackedU2U3(t *testing.T) {
	http := tcp("198.51.100.7", 50000, "10.0.1.10", 80, flow.SYN)
	dns := udp("198.51.100.7", 50000, "10.0.1.10", 53)
	in80 := ruleCIDR(pTCP, 80, 80, "0.0.0.0/0")
	in53 := ruleCIDR(pUDP, 53, 53, "0.0.0.0/0")
	tests := []struct {
		name    string
		ingress []sg.Rule
		egress  []sg.Rule
		pkt     flow.Packet
		want    bool
	}{
		// U3: protocol -1, or the packet's protocol with 0-65535.
		{"U3 -1 to 0.0.0.0/0", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, http, true},
		{"U3 tcp 0-65535 counts", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pTCP, 0, 65535, "0.0.0.0/0")}, http, true},
		{"U3 tcp 1-65535 does not", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pTCP, 1, 65535, "0.0.0.0/0")}, http, false},
		{"U3 tcp 0-65534 does not", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pTCP, 0, 65534, "0.0.0.0/0")}, http, false},
		{"U3 tcp 1024-65535 does not", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pTCP, 1024, 65535, "0.0.0.0/0")}, http, false},
		{"U3 udp 0-65535 not for tcp", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pUDP, 0, 65535, "0.0.0.0/0")}, http, false},
		{"U3 udp 0-65535 for udp", []sg.Rule{in53}, []sg.Rule{ruleCIDR(pUDP, 0, 65535, "0.0.0.0/0")}, dns, true},
		{"U3 tcp 0-65535 not for udp", []sg.Rule{in53}, []sg.Rule{ruleCIDR(pTCP, 0, 65535, "0.0.0.0/0")}, dns, false},
		// U3: the peer must be exactly 0.0.0.0/0 of the packet's family.
		{"U3 -1 to 0.0.0.0/1 does not", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/1"), ruleCIDR(pAll, 0, 0, "128.0.0.0/1")}, http, false},
		{"U3 -1 to ::/0 not for ipv4", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pAll, 0, 0, "::/0")}, http, false},
		{"U3 prefix list with 0.0.0.0/0 does not", []sg.Rule{in80}, []sg.Rule{rulePL(pAll, 0, 0, "pl-all")}, http, false},
		{"U3 host bits: 1.2.3.4/0 is 0.0.0.0/0", []sg.Rule{in80}, []sg.Rule{ruleCIDR(pAll, 0, 0, "1.2.3.4/0")}, http, true},
		// U2: the admitting rule must be open; lists and halves do not count.
		{"U2 prefix list with 0.0.0.0/0 does not", []sg.Rule{rulePL(pTCP, 80, 80, "pl-all")}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, http, false},
		{"U2 two halves do not", []sg.Rule{ruleCIDR(pTCP, 80, 80, "0.0.0.0/1"), ruleCIDR(pTCP, 80, 80, "128.0.0.0/1")}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, http, false},
		{"U2 an open rule for another port does not", []sg.Rule{ruleCIDR(pTCP, 80, 80, "198.51.100.0/24"), ruleCIDR(pTCP, 81, 81, "0.0.0.0/0")}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, http, false},
		{"U2 a later open rule does", []sg.Rule{ruleCIDR(pTCP, 80, 80, "198.51.100.0/24"), ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, []sg.Rule{ruleCIDR(pAll, 0, 0, "0.0.0.0/0")}, http, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sg.Compile([]sg.Group{{ID: "sg-u", Ingress: tt.ingress, Egress: tt.egress}}, traceRes)
			require.NoError(t, err)
			p := tt.pkt
			assert.Equal(t, tt.want, s.Untracked(&p, in))
			// The answer in the other direction is U0 of the same flow.
			r := p.Reverse()
			assert.Equal(t, tt.want, s.AnswersUntracked(&r, out))
		})
	}

	// U3 is asked of the opposite direction: the same rules, mirrored, for
	// an outbound flow.
	s := sg.MustCompile([]sg.Group{{ID: "sg-m", Ingress: []sg.Rule{ruleCIDR(pTCP, 0, 65535, "::/0")}, Egress: []sg.Rule{ruleCIDR(pTCP, 443, 443, "::/0")}}}, nil)
	syn := tcp("2001:db8:1::10", 40000, "2001:db8::80", 443, flow.SYN)
	assert.True(t, s.Untracked(&syn, out))
	synack := syn.Reverse()
	synack.Flags = flow.SYN | flow.ACK
	assert.True(t, s.AnswersUntracked(&synack, in))
	assert.False(t, s.Untracked(&synack, in), "on its own it fails U3: egress opens port 443 only")
}
