package vpc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

var (
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
	tcp      = flow.ProtocolOf(flow.TCP)
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func pkt(t *testing.T, s string) *flow.Packet {
	t.Helper()
	p, err := flow.ParsePacket(s)
	require.NoError(t, err, s)
	return &p
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// The common topology of the spec's §5 traces.
func traceConfig() Config {
	sgWeb := sg.Group{ID: "sg-web",
		Ingress: []sg.Rule{
			{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere},
			{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere},
		},
		Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}},
	}
	sgDB := sg.Group{ID: "sg-db", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-web"}}}
	sgOther := sg.Group{ID: "sg-other", Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}}
	return Config{
		CIDR:           netip.MustParsePrefix("10.0.0.0/16"),
		SecurityGroups: []sg.Group{sgWeb, sgDB, sgOther},
		NetworkACLs:    []nacl.ACL{nacl.Custom("acl-deny-all")},
		Subnets: []Subnet{
			{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24")},
			{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24")},
		},
		Interfaces: []Interface{
			{ID: "eni-web", Subnet: "subnet-public", PrivateIPs: addrs("10.0.1.10"), Groups: []string{"sg-web"},
				Listening: []Port{{flow.TCP, 80}, {flow.TCP, 443}, {flow.TCP, 22}}},
			{ID: "eni-web2", Subnet: "subnet-public", PrivateIPs: addrs("10.0.1.11"), Groups: []string{"sg-other"}},
			{ID: "eni-db", Subnet: "subnet-db", PrivateIPs: addrs("10.0.3.30"), Groups: []string{"sg-db"},
				Listening: []Port{{flow.TCP, 5432}}},
		},
	}
}

func stages(p Path) []string {
	var out []string
	for _, h := range p.Hops {
		out = append(out, h.Interface()+" "+h.Decision.Stage.String()+" "+h.Decision.Direction.String()+" "+h.Decision.Verdict.String())
	}
	return out
}

// TRACE-H: an SG that references another SG, across two subnets (MODEL-7,
// SG-19, SG-29).
func TestTraceH_SGReference(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)

	// H1: eni-web → eni-db: four stages, tracked at both ends.
	h1, err := v.Send(pkt(t, "tcp 10.0.1.10:45000 > 10.0.3.30:5432 [S]"), at(0))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"eni-web sg egress allow", "eni-web nacl egress allow",
		"eni-db nacl ingress allow", "eni-db sg ingress allow",
	}, stages(h1))
	assert.Equal(t, flow.CTNew, h1.Hops[0].Decision.Conntrack, "new at eni-web")
	assert.Equal(t, flow.CTNew, h1.Final.Conntrack, "new at eni-db")
	assert.Equal(t, "eni-web", h1.From)
	assert.Equal(t, "eni-db", h1.To)

	// H2: the reply leaves eni-db although sg-db has no egress rules.
	h2, err := v.Send(pkt(t, "tcp 10.0.3.30:5432 > 10.0.1.10:45000 [S.]"), at(0))
	require.NoError(t, err)
	require.True(t, h2.Allowed(), h2.Explain())
	assert.Equal(t, flow.CTEstablished, h2.Hops[0].Decision.Conntrack)
	assert.Equal(t, flow.CTEstablished, h2.Final.Conntrack)

	// H3: eni-web2 does not carry sg-web: dropped at eni-db's SG, after
	// eni-web2's SG has tracked it (CT-21 analogue).
	h3, err := v.Send(pkt(t, "tcp 10.0.1.11:45001 > 10.0.3.30:5432 [S]"), at(time.Second))
	require.NoError(t, err)
	assert.False(t, h3.Allowed())
	assert.Equal(t, "eni-db sg ingress drop", stages(h3)[3])
	assert.Equal(t, flow.CTNew, h3.Hops[0].Decision.Conntrack)

	// H4: the database cannot open connections.
	h4, err := v.Send(pkt(t, "tcp 10.0.3.30:46000 > 10.0.1.10:80 [S]"), at(2*time.Second))
	require.NoError(t, err)
	assert.Equal(t, []string{"eni-db sg egress drop"}, stages(h4))

	// H5: same subnet, even with a deny-all ACL: no ACL is evaluated
	// (MODEL-3, NOT-6); tracked at eni-web2, untracked at eni-web.
	require.NoError(t, v.Apply(Change{Subnets: []Subnet{{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-deny-all"}}}))
	h5, err := v.Send(pkt(t, "tcp 10.0.1.11:45002 > 10.0.1.10:80 [S]"), at(3*time.Second))
	require.NoError(t, err)
	assert.Equal(t, []string{"eni-web2 sg egress allow", "eni-web sg ingress allow"}, stages(h5))
	assert.Equal(t, flow.CTNew, h5.Hops[0].Decision.Conntrack)
	assert.Equal(t, flow.CTUntracked, h5.Final.Conntrack)
}

// NOT-10: traffic to AWS services is not filtered, even through a
// deny-all ACL and a group with no egress rules.
func TestExemptServices_NOT10(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets[1].ACL = "acl-deny-all"
	v, err := New(cfg)
	require.NoError(t, err)
	for _, dst := range []string{"169.254.169.254", "169.254.169.123", "169.254.169.253", "10.0.0.2", "10.0.3.1", "10.0.3.2", "10.0.3.3"} {
		p := &flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("10.0.3.30"), Dst: netip.MustParseAddr(dst), SrcPort: 40000, DstPort: 53}
		path, err := v.Send(p, at(0))
		require.NoError(t, err)
		assert.True(t, path.Allowed(), dst)
		assert.Empty(t, path.Hops, dst)
		assert.Equal(t, flow.CTExempt, path.Final.Conntrack, dst)
		assert.NotEmpty(t, path.Exempt, dst)
		assert.Contains(t, path.Explain(), "traffic to an AWS service", dst)
		assert.NotContains(t, path.Explain(), "10.0.3.30", dst)
		back := p.Reverse()
		path, err = v.Send(&back, at(0))
		require.NoError(t, err)
		assert.Contains(t, path.Explain(), "traffic from an AWS service", dst)
		assert.NotContains(t, path.Explain(), "10.0.3.30", dst)
	}
	// 10.0.3.4 is an ordinary address outside any interface: filtered.
	p := &flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("10.0.3.30"), Dst: netip.MustParseAddr("10.0.3.4"), SrcPort: 40000, DstPort: 53}
	path, err := v.Send(p, at(0))
	require.NoError(t, err)
	assert.False(t, path.Allowed())
}

// Bad packets get an error, not a verdict.
func TestSendErrors(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	for _, s := range []string{
		"tcp 198.51.100.7:1 > 203.0.113.9:80 [S]", // no interface at either end
		"tcp 10.0.1.10:1 > 10.0.1.10:80 [S]",      // to itself
	} {
		_, err := v.Send(pkt(t, s), at(0))
		assert.Error(t, err, s)
	}
}

// A change is atomic: an invalid one changes nothing (scenario-format
// "change"; Errors standard).
func TestApplyAtomic(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	before := v.Config()
	err = v.Apply(Change{
		NetworkACLs: []nacl.ACL{{ID: "acl-new", Ingress: []nacl.Rule{{Number: 40000, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere}}}},
		Subnets:     []Subnet{{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24"), ACL: "acl-new"}},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rule_no")
	assert.Equal(t, before, v.Config())
	// The old association is still in force: the default ACL admits.
	path, err := v.Send(pkt(t, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]"), at(0))
	require.NoError(t, err)
	assert.True(t, path.Allowed())
}

// Configuration errors name the object and field.
func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"address outside subnet", func(c *Config) { c.Interfaces[0].PrivateIPs = addrs("10.9.9.9") }, "eni-web: private_ips 10.9.9.9"},
		{"unknown subnet", func(c *Config) { c.Interfaces[0].Subnet = "nope" }, "subnet nope: no such subnet"},
		{"unknown group", func(c *Config) { c.Interfaces[0].Groups = []string{"sg-nope"} }, "sg-nope"},
		{"no groups (SG-26)", func(c *Config) { c.Interfaces[0].Groups = nil }, "1..16"},
		{"unknown ACL", func(c *Config) { c.Subnets[0].ACL = "acl-nope" }, "acl-nope: no such network ACL"},
		{"shared address", func(c *Config) { c.Interfaces[1].PrivateIPs = addrs("10.0.1.10") }, "already an address of interface eni-web"},
		{"tracking range (CT-16)", func(c *Config) { c.Interfaces[0].Tracking.TCPEstablishedTimeout = time.Second }, "tcp_established_timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := traceConfig()
			c.edit(&cfg)
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TRACE-D: a drop is a timeout, a RST from the host is "refused" (NOT-1).
func TestConnect_TraceD(t *testing.T) {
	cfg := traceConfig()
	cfg.SecurityGroups = append(cfg.SecurityGroups, sg.Group{ID: "sg-admin",
		Ingress: []sg.Rule{{Protocol: tcp, FromPort: 8443, ToPort: 8443, CIDR: netip.MustParsePrefix("198.51.100.0/24")}}})
	cfg.Interfaces[0].Groups = []string{"sg-web", "sg-admin"}
	v, err := New(cfg)
	require.NoError(t, err)
	client := netip.MustParseAddr("198.51.100.7")
	web := netip.MustParseAddr("10.0.1.10")

	a, err := v.Connect(Dial{Proto: flow.TCP, Src: client, Dst: web, DstPort: 8080}, at(0))
	require.NoError(t, err)
	assert.Equal(t, Timeout, a.Outcome)
	require.NotNil(t, a.Cause)
	assert.Equal(t, flow.StageSG, a.Cause.Final.Stage)
	assert.Len(t, a.Exchanges, 1, "nothing comes back")

	a, err = v.Connect(Dial{Proto: flow.TCP, Src: client, Dst: web, DstPort: 8443}, at(5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, Refused, a.Outcome)
	require.Len(t, a.Exchanges, 2)
	assert.Equal(t, flow.RST|flow.ACK, a.Exchanges[1].Packet.Flags)
	// The RST before any reply deletes the entry at once (CT-17h).
	assert.Zero(t, v.tables["eni-web"].Len())

	a, err = v.Connect(Dial{Proto: flow.TCP, Src: client, SrcPort: 50000, Dst: web, DstPort: 80}, at(6*time.Second))
	require.NoError(t, err)
	assert.Equal(t, Connected, a.Outcome)
	require.Len(t, a.Exchanges, 3)
	assert.Equal(t, uint16(50000), a.Exchanges[0].Packet.SrcPort)

	// A picked client port lies in the Linux range (NACL-20).
	a, err = v.Connect(Dial{Proto: flow.TCP, Src: client, Dst: web, DstPort: 80}, at(7*time.Second))
	require.NoError(t, err)
	port := a.Exchanges[0].Packet.SrcPort
	assert.True(t, port >= EphemeralFirst && port <= EphemeralLast, port)

	// A ping: sg-web has no ICMP rule.
	a, err = v.Connect(Dial{Proto: flow.ICMP, Src: client, Dst: web}, at(8*time.Second))
	require.NoError(t, err)
	assert.Equal(t, Timeout, a.Outcome)
}

// TRACE-G: removing an SG rule keeps tracked connections (CT-13) and cuts
// untracked ones at once (CT-14).
func TestTraceG_RuleRemoval(t *testing.T) {
	client := netip.MustParsePrefix("203.0.113.1/32")
	ssh := func(peer netip.Prefix) sg.Group {
		return sg.Group{ID: "sg-ssh", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: peer}},
			Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}}
	}
	for _, c := range []struct {
		name      string
		peer      netip.Prefix
		first     flow.CTState
		afterEdit flow.Verdict
	}{
		{"tracked", client, flow.CTNew, flow.Allow},
		{"untracked", anywhere, flow.CTUntracked, flow.Drop},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := New(Config{
				SecurityGroups: []sg.Group{ssh(c.peer)},
				Subnets:        []Subnet{{ID: "s", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
				Interfaces: []Interface{{ID: "eni-web", Subnet: "s", PrivateIPs: addrs("10.0.1.10"), Groups: []string{"sg-ssh"},
					Tracking: conntrack.Config{TCPEstablishedTimeout: 60 * time.Second}}},
			})
			require.NoError(t, err)
			p, err := v.Send(pkt(t, "tcp 203.0.113.1:51000 > 10.0.1.10:22 [S]"), at(0))
			require.NoError(t, err)
			assert.Equal(t, c.first, p.Final.Conntrack)
			_, err = v.Send(pkt(t, "tcp 10.0.1.10:22 > 203.0.113.1:51000 [S.]"), at(0))
			require.NoError(t, err)
			_, err = v.Send(pkt(t, "tcp 203.0.113.1:51000 > 10.0.1.10:22 [.]"), at(0))
			require.NoError(t, err)

			noIngress := ssh(c.peer)
			noIngress.Ingress = nil
			require.NoError(t, v.Apply(Change{SecurityGroups: []sg.Group{noIngress}}))
			p, err = v.Send(pkt(t, "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]"), at(31*time.Second))
			require.NoError(t, err)
			assert.Equal(t, c.afterEdit, p.Final.Verdict)
			// G6: a new connection is dropped either way.
			p, err = v.Send(pkt(t, "tcp 203.0.113.1:51001 > 10.0.1.10:22 [S]"), at(32*time.Second))
			require.NoError(t, err)
			assert.Equal(t, flow.Drop, p.Final.Verdict)
			// G7: idle past the 60 s established timeout: gone.
			p, err = v.Send(pkt(t, "tcp 203.0.113.1:51000 > 10.0.1.10:22 [P.]"), at(91*time.Second))
			require.NoError(t, err)
			assert.Equal(t, flow.Drop, p.Final.Verdict)
		})
	}
}

// TRACE-E E5/E6: associating another ACL breaks an existing connection at
// the next packet (NACL-28, NACL-29).
func TestTraceE_ACLChangeBreaksConnection(t *testing.T) {
	cfg := traceConfig()
	block := nacl.ACL{ID: "acl-block",
		Ingress: []nacl.Rule{
			{Number: 90, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("198.51.100.66/32")},
			{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere},
		},
		Egress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere}},
	}
	cfg.NetworkACLs = append(cfg.NetworkACLs, block)
	v, err := New(cfg)
	require.NoError(t, err)
	p, err := v.Send(pkt(t, "tcp 198.51.100.66:50022 > 10.0.1.10:80 [P.]"), at(10*time.Second))
	require.NoError(t, err)
	assert.True(t, p.Allowed())
	require.NoError(t, v.Apply(Change{Subnets: []Subnet{{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-block"}}}))
	p, err = v.Send(pkt(t, "tcp 198.51.100.66:50022 > 10.0.1.10:80 [P.]"), at(21*time.Second))
	require.NoError(t, err)
	assert.False(t, p.Allowed())
	assert.Equal(t, flow.StageNACL, p.Final.Stage)
	assert.EqualValues(t, 90, p.Final.RuleNumber)
}

// CT-21: on egress the SG tracks a connection even when the NACL then
// drops its packet.
func TestEgressTrackedThenNACLDrop_CT21(t *testing.T) {
	cfg := traceConfig()
	cfg.Subnets[1].ACL = "acl-deny-all"
	v, err := New(cfg)
	require.NoError(t, err)
	// sg-db has no egress rules; give eni-db sg-other as well.
	cfg.Interfaces[2].Groups = []string{"sg-db", "sg-other"}
	require.NoError(t, v.Apply(Change{Interfaces: []Interface{cfg.Interfaces[2]}}))
	p, err := v.Send(pkt(t, "udp 10.0.3.30:40000 > 192.0.2.53:53"), at(0))
	require.NoError(t, err)
	assert.False(t, p.Allowed())
	assert.Equal(t, flow.StageNACL, p.Final.Stage)
	assert.Equal(t, flow.CTNew, p.Final.Conntrack)
	assert.Equal(t, 1, v.tables["eni-db"].Len())
}

// A long simulation does not keep every flow it ever saw: each table
// sweeps a little of itself whenever a connection is created (expired
// entries go; live ones stay), with no pacing by the VPC.
func TestSendSweepsExpiredEntries(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	table := v.tables["eni-web"]
	// 3000 UDP flows from eni-web, a second apart: each lives 30 s.
	for i := 0; i < 3000; i++ {
		p := &flow.Packet{Proto: flow.UDP, Src: netip.MustParseAddr("10.0.1.10"), Dst: netip.MustParseAddr("192.0.2.53"),
			SrcPort: uint16(10000 + i), DstPort: 53}
		path, err := v.Send(p, at(time.Duration(i)*time.Second))
		require.NoError(t, err)
		require.Equal(t, flow.CTNew, path.Final.Conntrack)
	}
	assert.Less(t, table.Len(), 3000-1000, "expired flows were swept")
	assert.GreaterOrEqual(t, table.Len(), 30, "the last 30 s of flows are alive")
}

// Connections lists each interface's live tracked connections, original
// direction first; expired ones are not listed.
func TestConnections(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	_, err = v.Send(pkt(t, "tcp 10.0.1.10:45000 > 10.0.3.30:5432 [S]"), at(0))
	require.NoError(t, err)
	_, err = v.Send(pkt(t, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]"), at(0)) // untracked (CT-3)
	require.NoError(t, err)
	cs := v.Connections(at(time.Second))
	require.Len(t, cs, 2)
	require.Len(t, cs["eni-web"], 1)
	assert.Equal(t, "tcp 10.0.1.10:45000 > 10.0.3.30:5432", cs["eni-web"][0].Key.String())
	assert.Equal(t, "SYN_SENT", cs["eni-db"][0].State.String())
	assert.Empty(t, v.Connections(at(121*time.Second)), "SYN_SENT lives 120 s (CT-17a)")
}

// TestSameGroupsSeparateTables: two interfaces with the same groups share
// one compiled rule set but keep their own connection tables, and a group
// reference admits exactly the members of the referenced group.
func TestSameGroupsSeparateTables(t *testing.T) {
	v, err := New(Config{
		SecurityGroups: []sg.Group{
			{ID: "sg-web", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
				Egress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-db"}}},
			{ID: "sg-db", Ingress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-web"}}},
			{ID: "sg-other", Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}},
		},
		Subnets: []Subnet{{ID: "subnet-a", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		Interfaces: []Interface{
			{ID: "eni-web1", Subnet: "subnet-a", PrivateIPs: addrs("10.0.1.10"), Groups: []string{"sg-web"}},
			{ID: "eni-web2", Subnet: "subnet-a", PrivateIPs: addrs("10.0.1.11"), Groups: []string{"sg-web"}},
			{ID: "eni-db", Subnet: "subnet-a", PrivateIPs: addrs("10.0.1.30"), Groups: []string{"sg-db"}},
			{ID: "eni-other", Subnet: "subnet-a", PrivateIPs: addrs("10.0.1.40"), Groups: []string{"sg-other"}},
		},
	})
	require.NoError(t, err)
	assert.Same(t, v.cur.Load().ifaces["eni-web1"].stage.Set(), v.cur.Load().ifaces["eni-web2"].stage.Set(), "same groups, one set")
	assert.NotSame(t, v.cur.Load().ifaces["eni-web1"].stage.Table(), v.cur.Load().ifaces["eni-web2"].stage.Table())

	path, err := v.Send(pkt(t, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]"), at(0))
	require.NoError(t, err)
	assert.Equal(t, flow.CTNew, path.Final.Conntrack)
	// The same client and ports at the other web server: a new connection
	// there, and its SYN-ACK is admitted only by its own table's entry.
	path, err = v.Send(pkt(t, "tcp 198.51.100.7:50000 > 10.0.1.11:80 [S]"), at(time.Second))
	require.NoError(t, err)
	assert.Equal(t, flow.CTNew, path.Final.Conntrack, "eni-web2's table knew nothing of eni-web1's connection")
	assert.Equal(t, 1, v.cur.Load().ifaces["eni-web1"].stage.Table().Len())
	assert.Equal(t, 1, v.cur.Load().ifaces["eni-web2"].stage.Table().Len())

	// Both web servers carry sg-web, so both reach the database; another
	// interface is stopped at the database's ingress.
	for _, src := range []string{"10.0.1.10", "10.0.1.11"} {
		path, err = v.Send(pkt(t, "tcp "+src+":45000 > 10.0.1.30:5432 [S]"), at(2*time.Second))
		require.NoError(t, err)
		assert.True(t, path.Allowed(), "%s: %s", src, path.Explain())
	}
	path, err = v.Send(pkt(t, "tcp 10.0.1.40:45000 > 10.0.1.30:5432 [S]"), at(2*time.Second))
	require.NoError(t, err)
	assert.False(t, path.Allowed(), "eni-other does not carry sg-web")
	assert.Equal(t, "eni-db", path.Hops[len(path.Hops)-1].Interface())
	assert.Equal(t, flow.StageSG, path.Final.Stage)
	assert.Equal(t, flow.Ingress, path.Final.Direction)
}

// Send, SendInto, ENI.Cross and Connect refuse a time the connection
// tables cannot hold, the zero time.Time first, with an error that wraps
// conntrack.ErrTime; nothing is tracked.
func TestRefusesBadTime(t *testing.T) {
	v, err := New(traceConfig())
	require.NoError(t, err)
	syn := pkt(t, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]")
	for _, bad := range []time.Time{{}, conntrack.MaxTime.Add(time.Second)} {
		_, err := v.Send(syn, bad)
		assert.ErrorIs(t, err, conntrack.ErrTime)
		var path Path
		assert.ErrorIs(t, v.SendInto(syn, bad, &path), conntrack.ErrTime)
		eni, err := v.ENI("eni-web")
		require.NoError(t, err)
		assert.ErrorIs(t, eni.Cross(syn, flow.Ingress, bad, &path), conntrack.ErrTime)
		_, err = v.Connect(Dial{Proto: flow.TCP, Src: syn.Src, Dst: syn.Dst, DstPort: 80}, bad)
		assert.ErrorIs(t, err, conntrack.ErrTime)
		assert.Empty(t, v.Connections(bad))
	}
	assert.Empty(t, v.Connections(at(0)), "the refused packets tracked nothing")
	_, err = v.Send(syn, time.Time{})
	assert.Contains(t, err.Error(), "zero time.Time")
}
