package pfsimtest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// The reply to each kind of packet, and the packets no host answers.
func TestReplyTable(t *testing.T) {
	for _, c := range []struct {
		packet, reply string // reply "" for none
	}{
		// The handshake, step by step.
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]", "tcp 10.0.1.10:443 > 198.51.100.7:40000 [S.]"},
		{"tcp 10.0.1.10:443 > 198.51.100.7:40000 [S.]", "tcp 198.51.100.7:40000 > 10.0.1.10:443 [.]"},
		// Data and FINs are acknowledged; so is a bare ACK.
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [P.]", "tcp 10.0.1.10:443 > 198.51.100.7:40000 [.]"},
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [F.]", "tcp 10.0.1.10:443 > 198.51.100.7:40000 [.]"},
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [.]", "tcp 10.0.1.10:443 > 198.51.100.7:40000 [.]"},
		// An ECN-setup SYN is still a SYN.
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [SEW]", "tcp 10.0.1.10:443 > 198.51.100.7:40000 [S.]"},
		// Nobody answers a RST, a packet without flags, a SYN with a FIN.
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [R]", ""},
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [R.]", ""},
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [none]", ""},
		{"tcp 198.51.100.7:40000 > 10.0.1.10:443 [SF]", ""},
		// UDP and other protocols answer the other way.
		{"udp 10.0.1.10:40000 > 198.51.100.7:53", "udp 198.51.100.7:53 > 10.0.1.10:40000"},
		{"gre 10.0.1.10 > 198.51.100.7", "gre 198.51.100.7 > 10.0.1.10"},
		// ICMP queries get their reply type with the same identifier.
		{"icmp 198.51.100.7 > 10.0.1.10 echo-request id 7", "icmp 10.0.1.10 > 198.51.100.7 echo-reply id 7"},
		{"icmpv6 2001:db8::7 > 2001:db8:1::10 echo-request id 9", "icmpv6 2001:db8:1::10 > 2001:db8::7 echo-reply id 9"},
		{"icmp 198.51.100.7 > 10.0.1.10 type 13 code 0 id 3", "icmp 10.0.1.10 > 198.51.100.7 type 14 code 0 id 3"},
		// Replies and errors are not answered.
		{"icmp 198.51.100.7 > 10.0.1.10 echo-reply id 7", ""},
		{"icmp 198.51.100.7 > 10.0.1.10 type 3 code 4", ""},
	} {
		t.Run(c.packet, func(t *testing.T) {
			r, ok := pfsimtest.Reply(flow.MustParsePacket(c.packet))
			if c.reply == "" {
				assert.False(t, ok, "got %s", r)
				return
			}
			require.True(t, ok)
			assert.Equal(t, c.reply, r.String())
		})
	}
}

// An echo reply carries the request's data, so its length; other replies
// have none known.
func TestReplyLength(t *testing.T) {
	echo := flow.MustParsePacket("icmp 198.51.100.7 > 10.0.1.10 echo-request id 7")
	echo.Length = 84
	r, ok := pfsimtest.Reply(echo)
	require.True(t, ok)
	assert.Equal(t, uint16(84), r.Length)
	syn := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]")
	syn.Length = 60
	r, ok = pfsimtest.Reply(syn)
	require.True(t, ok)
	assert.Zero(t, r.Length)
}

// Every reply is a valid packet of the reversed flow.
func TestReplyIsTheReverseFlow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := pfsimtest.Packet().Draw(t, "packet")
		r, ok := pfsimtest.Reply(p)
		if !ok {
			return
		}
		require.NoError(t, r.Validate())
		assert.Equal(t, p.Key().Reverse(), r.Key())
	})
}

// The law the reply helper is for: when a VPC tracks a packet at every
// security group it crosses, the VPC admits its reply as part of that
// connection at every security group the reply crosses. A network ACL,
// which keeps no state, may still drop it (NACL-19), and nothing else may.
func TestReplyIsAdmittedAsReply(t *testing.T) {
	tracked := 0
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		v, err := vpc.New(cfg)
		require.NoError(t, err)
		// Many packets through one VPC: a packet that creates an entry
		// found none, so no earlier packet's entry stands for its reply.
		packets := pfsimtest.Packet(pfsimtest.In(cfg))
		now := pfsimtest.Epoch
		for range 20 {
			p := packets.Draw(t, "packet")
			now = now.Add(time.Second)
			path, err := v.Send(&p, now)
			require.NoError(t, err)
			r, ok := pfsimtest.Reply(p)
			if !ok || !path.Allowed() || !trackedEverywhere(&path) {
				continue
			}
			tracked++
			back, err := v.Send(&r, now.Add(time.Millisecond))
			require.NoError(t, err)
			for _, h := range back.Hops {
				if h.Decision.Stage == flow.StageSG {
					assert.Equal(t, flow.Allow, h.Decision.Verdict, "%s: %s", r, back.Explain())
					assert.Equal(t, flow.CTEstablished, h.Decision.Conntrack, "%s: %s", r, back.Explain())
					assert.Equal(t, flow.ReasonTracked, h.Decision.Reason, "%s: %s", r, back.Explain())
				}
			}
			if !back.Allowed() {
				assert.Equal(t, flow.StageNACL, back.Final.Stage, "only a network ACL drops a tracked reply: %s", back.Explain())
			}
		}
	})
	assert.Greater(t, tracked, 50, "the law was put to the test on tracked packets")
}

// trackedEverywhere reports whether every security group the path met
// created a tracking entry for its packet (and there was one).
func trackedEverywhere(path *vpc.Path) bool {
	n := 0
	for _, h := range path.Hops {
		if h.Decision.Stage == flow.StageSG {
			if h.Decision.Conntrack != flow.CTNew {
				return false
			}
			n++
		}
	}
	return n > 0
}
