package pfsimtest_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// Packets are valid, of the families and protocols asked for, and inside
// the prefixes asked for.
func TestPacketHonoursOptions(t *testing.T) {
	docs := netip.MustParsePrefix("198.51.100.0/24")
	v6 := netip.MustParsePrefix("2001:db8::/32")
	rapid.Check(t, func(t *rapid.T) {
		p := pfsimtest.Packet().Draw(t, "any")
		require.NoError(t, p.Validate())

		p = pfsimtest.Packet(pfsimtest.OnlyIPv6()).Draw(t, "v6")
		require.NoError(t, p.Validate())
		assert.True(t, p.Is6())

		p = pfsimtest.Packet(pfsimtest.Protocols(flow.UDP, flow.ICMP)).Draw(t, "udp or icmp")
		require.NoError(t, p.Validate())
		assert.Contains(t, []flow.Proto{flow.UDP, flow.ICMP}, p.Proto)
		assert.True(t, p.Proto != flow.ICMP || !p.Is6(), "icmp over IPv4 only")

		p = pfsimtest.Packet(pfsimtest.From(docs), pfsimtest.To(v6, docs)).Draw(t, "from docs")
		require.NoError(t, p.Validate())
		assert.True(t, docs.Contains(p.Src), "source %s", p.Src)
		assert.True(t, docs.Contains(p.Dst), "destination %s: the only prefix of the source's family", p.Dst)
		assert.NotEqual(t, p.Src, p.Dst)
	})
}

// With a configuration, every packet can be sent: one end is an
// interface's, the two ends are not one interface's; and the interface
// options put the ends where asked.
func TestPacketInConfigCanBeSent(t *testing.T) {
	internet := netip.MustParsePrefix("0.0.0.0/0")
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		v, err := vpc.New(cfg)
		require.NoError(t, err)
		now := pfsimtest.Epoch

		p := pfsimtest.Packet(pfsimtest.In(cfg)).Draw(t, "in")
		require.NoError(t, p.Validate())
		_, err = v.Send(&p, now)
		require.NoError(t, err)

		target := rapid.SampledFrom(cfg.Interfaces).Draw(t, "target")
		p = pfsimtest.Packet(pfsimtest.From(internet), pfsimtest.ToInterface(cfg, target.ID)).Draw(t, "to target")
		assert.True(t, p.Src.Is4())
		assert.Contains(t, target.PrivateIPs, p.Dst)
		_, err = v.Send(&p, now)
		require.NoError(t, err)

		p = pfsimtest.Packet(pfsimtest.FromInterface(cfg, target.ID)).Draw(t, "from target")
		assert.Contains(t, append(slices.Clone(target.PrivateIPs), target.IPv6Addrs...), p.Src)
		_, err = v.Send(&p, now)
		require.NoError(t, err)

		d := pfsimtest.Dial(pfsimtest.In(cfg)).Draw(t, "dial")
		_, err = v.Connect(d, now)
		require.NoError(t, err, "dial %s", pfsimtest.DialString(d))
	})
}

// Options that leave nothing to draw fail the test that draws, with a
// message that says why; Dial and Conversation refuse them as Packet does.
func TestPacketImpossibleOptions(t *testing.T) {
	cfg := webConfig()
	const nothing = "the options leave no packet to draw"
	for _, c := range []struct {
		name string
		gen  *rapid.Generator[flow.Packet]
		want string
	}{
		{"no such interface", pfsimtest.Packet(pfsimtest.ToInterface(cfg, "eni-nope")),
			`pfsimtest.Packet: the configuration has no interface "eni-nope"`},
		{"eni-web has no IPv6 address", pfsimtest.Packet(pfsimtest.OnlyIPv6(), pfsimtest.ToInterface(cfg, "eni-web")),
			"pfsimtest.Packet: " + nothing},
		{"from an interface to itself",
			pfsimtest.Packet(pfsimtest.FromInterface(cfg, "eni-web"), pfsimtest.ToInterface(cfg, "eni-web")),
			"pfsimtest.Packet: " + nothing},
		{"icmp never travels over IPv6", pfsimtest.Packet(pfsimtest.OnlyIPv6(), pfsimtest.Protocols(flow.ICMP)),
			"pfsimtest.Packet: " + nothing},
	} {
		t.Run(c.name, func(t *testing.T) { requireRefused(t, c.gen, c.want) })
	}
	requireRefused(t, pfsimtest.Dial(pfsimtest.ToInterface(cfg, "eni-nope")),
		`pfsimtest.Dial: the configuration has no interface "eni-nope"`)
	requireRefused(t, pfsimtest.Conversation(pfsimtest.OnlyIPv6(), pfsimtest.Protocols(flow.ICMP)),
		"pfsimtest.Conversation: "+nothing)
}

// Conversations are lives of one connection: every packet valid, the
// opener's going its way and the responder's the reverse way, gaps never
// negative, and each can be replayed through the VPC.
func TestConversationIsOneFlow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := pfsimtest.VPC().Draw(t, "vpc")
		v, err := vpc.New(cfg)
		require.NoError(t, err)
		steps := pfsimtest.Conversation(pfsimtest.In(cfg)).Draw(t, "conversation")
		require.NotEmpty(t, steps)
		assert.Zero(t, steps[0].Wait)
		assert.False(t, steps[0].Reply)
		open := steps[0].Packet.Key()
		now := pfsimtest.Epoch
		for i, s := range steps {
			require.NoError(t, s.Packet.Validate(), "step %d", i)
			assert.GreaterOrEqual(t, s.Wait, time.Duration(0))
			assert.NotEmpty(t, s.What)
			want := open
			if s.Reply {
				want = open.Reverse()
			}
			assert.Equal(t, want, s.Packet.Key(), "step %d (%s): %s", i, s.What, s.Packet)
			now = now.Add(s.Wait)
			_, err := v.Send(&s.Packet, now)
			require.NoError(t, err, "step %d", i)
		}
	})
}
