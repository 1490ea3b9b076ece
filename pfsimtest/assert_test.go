package pfsimtest_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// Allows and Drops pass and fail on packets whose fate is known, and a
// failure shows the packet and the words of the filter that decided.
func TestAllowsAndDrops(t *testing.T) {
	cfg := webConfig()
	for _, c := range []struct {
		name    string
		packet  string
		allowed bool
		// words that a failure of the wrong assertion must show
		why []string
	}{
		// The web port from the internet: the ACL's rule 100, then sg-web.
		{"https in", "tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]", true,
			[]string{"network ACL acl-public ingress rule 100", "security group sg-web", "between: outside and eni-web"}},
		// SSH: the ACL lets ephemeral-range ports in only, so port 22 meets the * rule.
		{"ssh in", "tcp 198.51.100.7:40000 > 10.0.1.10:22 [S]", false,
			[]string{"dropped by network ACL acl-public ingress rule *"}},
		// A high port passes the ACL (rule 110) and meets no group rule.
		{"high port in", "tcp 198.51.100.7:40000 > 10.0.1.10:8080 [S]", false,
			[]string{"allowed by network ACL acl-public ingress rule 110", "then dropped by security group"}},
		// The database from the web server: sg-db names sg-web.
		{"web to db", "tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]", true,
			[]string{"between: eni-web and eni-db", "sg-db"}},
		// The database from the internet: no rule of sg-db.
		{"internet to db", "tcp 198.51.100.7:40000 > 10.0.3.30:5432 [S]", false,
			[]string{"dropped by security group"}},
		// The metadata service: no filter sees it (NOT-10).
		{"metadata", "tcp 10.0.3.30:40000 > 169.254.169.254:80 [S]", true,
			[]string{"instance metadata"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := flow.MustParsePacket(c.packet)
			right, wrong := pfsimtest.Allows[vpc.Config], pfsimtest.Drops[vpc.Config]
			wrongName := "Drops: the packet was allowed"
			if !c.allowed {
				right, wrong = wrong, right
				wrongName = "Allows: the packet was dropped"
			}
			var ok recorder
			assert.True(t, right(&ok, cfg, p))
			assert.Empty(t, ok.failures)

			var bad recorder
			assert.False(t, wrong(&bad, cfg, p))
			require.Len(t, bad.failures, 1)
			msg := bad.failures[0]
			assert.Contains(t, msg, wrongName)
			assert.Contains(t, msg, "packet:  "+p.String(), "the failure shows the packet")
			for _, w := range c.why {
				assert.Contains(t, msg, w)
			}
			assert.Positive(t, bad.helpers, "the assertion marks itself a helper")
		})
	}
}

// The failure message of Allows lists every filter met, one a line, in
// the words of vpc.Path.Explain.
func TestAllowsMessage(t *testing.T) {
	cfg := webConfig()
	p := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:8080 [S]")
	v, err := vpc.New(cfg)
	require.NoError(t, err)
	path, err := v.Send(&p, pfsimtest.Epoch)
	require.NoError(t, err)
	require.Len(t, path.Hops, 2)

	var r recorder
	pfsimtest.Allows(&r, cfg, p)
	require.Len(t, r.failures, 1)
	assert.Equal(t, "Allows: the packet was dropped\n"+
		"    packet:  tcp 198.51.100.7:40000 > 10.0.1.10:8080 [S]\n"+
		"    between: outside and eni-web\n"+
		"    path:    "+path.Hops[0].Explain(&p)+"\n"+
		"             then "+path.Hops[1].Explain(&p), r.failures[0])
	assert.Equal(t, path.Hops[0].Explain(&p)+"; then "+path.Hops[1].Explain(&p), path.Explain(),
		"the lines are Path.Explain's sentences")
}

// What the assertions cannot judge fails them, with the reason.
func TestAssertionMisuse(t *testing.T) {
	cfg := webConfig()
	good := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]")
	broken := cfg
	broken.Interfaces = append(broken.Interfaces, vpc.Interface{ID: "eni-bad", Subnet: "subnet-nope"})
	var nilVPC *vpc.VPC
	for _, c := range []struct {
		name string
		run  func(t pfsimtest.TestingT) bool
		want string
	}{
		{"no interface at either end", func(t pfsimtest.TestingT) bool {
			return pfsimtest.Allows(t, cfg, flow.MustParsePacket("tcp 198.51.100.7:1 > 203.0.113.9:443 [S]"))
		}, "neither 198.51.100.7 nor 203.0.113.9 is an interface's address"},
		{"invalid configuration", func(t pfsimtest.TestingT) bool { return pfsimtest.Drops(t, broken, good) },
			"the configuration is invalid: interface eni-bad: subnet subnet-nope"},
		{"nil VPC", func(t pfsimtest.TestingT) bool { return pfsimtest.Allows(t, nilVPC, good) }, "the *vpc.VPC is nil"},
		{"two times", func(t pfsimtest.TestingT) bool {
			return pfsimtest.Allows(t, cfg, good, pfsimtest.Epoch, pfsimtest.Epoch)
		}, "2 times given: give at most one"},
		{"dial of udp", func(t pfsimtest.TestingT) bool {
			return pfsimtest.Connects(t, cfg, vpc.Dial{Proto: flow.UDP, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"), DstPort: 53})
		}, "want tcp, icmp or icmpv6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r recorder
			assert.False(t, c.run(&r))
			require.Len(t, r.failures, 1)
			assert.Contains(t, r.failures[0], c.want)
		})
	}
}

// A running VPC keeps state between assertions, a configuration does not:
// the SYN-ACK of a connection the SYN opened is admitted by the tracked
// entry in the VPC, and judged alone, against sg-db's rules, from the
// configuration. The time given decides: past the SYN_SENT timeout
// (120 s, CT-17a) the entry is gone.
func TestSystemsAndTime(t *testing.T) {
	cfg := webConfig()
	syn := flow.MustParsePacket("tcp 10.0.1.10:40000 > 10.0.3.30:5432 [S]")
	synAck, ok := pfsimtest.Reply(syn)
	require.True(t, ok)
	// The database's group allows no outbound except to anywhere: make it
	// allow nothing out, so that only the entry admits the SYN-ACK.
	cfg.SecurityGroups[1].Egress = nil

	v, err := vpc.New(cfg)
	require.NoError(t, err)
	var r recorder
	assert.True(t, pfsimtest.Allows(&r, v, syn, pfsimtest.Epoch))
	assert.True(t, pfsimtest.Allows(&r, v, synAck, pfsimtest.Epoch.Add(time.Second)), "tracked: the reply is admitted")
	assert.True(t, pfsimtest.Drops(&r, cfg, synAck), "a fresh VPC has no entry: sg-db allows nothing out")
	assert.Empty(t, r.text())

	late, err := vpc.New(cfg)
	require.NoError(t, err)
	assert.True(t, pfsimtest.Allows(&r, late, syn, pfsimtest.Epoch))
	assert.True(t, pfsimtest.Drops(&r, late, synAck, pfsimtest.Epoch.Add(120*time.Second)), "the entry died at its timeout")
	assert.Empty(t, r.text())
}

// Connects passes on a completed handshake and fails on a timeout and on
// a refusal, each with its story.
func TestConnects(t *testing.T) {
	cfg := webConfig()
	client := netip.MustParseAddr("198.51.100.7")
	web := netip.MustParseAddr("10.0.1.10")

	var r recorder
	d := vpc.Dial{Proto: flow.TCP, Src: client, Dst: web, DstPort: 443}
	assert.True(t, pfsimtest.Connects(&r, cfg, d))
	assert.Empty(t, r.failures)
	assert.Equal(t, vpc.Connected, pfsimtest.Outcome(cfg, d))

	// Port 8080: the ACL lets the SYN in (rule 110), sg-web drops it.
	timeout := vpc.Dial{Proto: flow.TCP, Src: client, SrcPort: 50000, Dst: web, DstPort: 8080}
	assert.False(t, pfsimtest.Connects(&r, cfg, timeout))
	require.Len(t, r.failures, 1)
	assert.Contains(t, r.failures[0], "Connects: tcp 198.51.100.7:50000 > 10.0.1.10:8080 timed out")
	assert.Contains(t, r.failures[0], "1:       tcp 198.51.100.7:50000 > 10.0.1.10:8080 [S]")
	assert.Contains(t, r.failures[0], "then dropped by security group")
	assert.Equal(t, vpc.Timeout, pfsimtest.Outcome(cfg, timeout))

	// The database lets sg-web in on 5432; open the group to tcp/6432 on
	// which nothing listens: the host answers RST.
	cfg.SecurityGroups[1].Ingress[0].ToPort = 6432
	refused := vpc.Dial{Proto: flow.TCP, Src: web, Dst: netip.MustParseAddr("10.0.3.30"), DstPort: 6432}
	r = recorder{}
	assert.False(t, pfsimtest.Connects(&r, cfg, refused))
	require.Len(t, r.failures, 1)
	assert.Contains(t, r.failures[0], "was refused: the host at 10.0.3.30 answered with a RST, for nothing listens on tcp/6432 there")
	assert.Contains(t, r.failures[0], "[R.]")
	assert.Equal(t, vpc.Refused, pfsimtest.Outcome(cfg, refused))

	assert.Zero(t, pfsimtest.Outcome(cfg, vpc.Dial{Proto: flow.TCP, Src: client, Dst: client, DstPort: 1}), "no path: no outcome")
}

// Exempt tells the packets no filter sees.
func TestExempt(t *testing.T) {
	cfg := webConfig()
	for packet, want := range map[string]bool{
		"tcp 10.0.1.10:40000 > 169.254.169.254:80 [S]": true,  // metadata
		"udp 10.0.1.10:40000 > 10.0.0.2:53":            true,  // the VPC's base + 2: Amazon DNS
		"udp 10.0.1.10:40000 > 10.0.1.1:53":            true,  // the subnet's router
		"tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]":   false, // the internet
		"tcp 198.51.100.7:40000 > 203.0.113.1:443 [S]": false, // no path at all
	} {
		assert.Equal(t, want, pfsimtest.Exempt(cfg, flow.MustParsePacket(packet)), packet)
	}
}

// The AWS service addresses the generators lean to are those package vpc
// exempts: if vpc stopped exempting one, or the list went stale, the
// generators would lean to the wrong corner.
func TestAWSServiceAddrsAreExempt(t *testing.T) {
	cfg := webConfig()
	cfg.Subnets[0].IPv6CIDR = netip.MustParsePrefix("2001:db8:1::/64")
	cfg.Interfaces[0].IPv6Addrs = []netip.Addr{netip.MustParseAddr("2001:db8:1::10")}
	for _, a := range pfsimtest.AWSServiceAddrs {
		from := "10.0.1.10"
		if a.Is6() {
			from = "2001:db8:1::10"
		}
		p := flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr(from), Dst: a, SrcPort: 40000, DstPort: 53}
		assert.True(t, pfsimtest.Exempt(cfg, p), "%s", a)
	}
}
