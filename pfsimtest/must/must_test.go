package must_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/pfsimtest/must"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// webConfig is one web server whose group admits tcp/443 from anywhere,
// behind the default network ACL.
func webConfig() vpc.Config {
	anywhere := netip.MustParsePrefix("0.0.0.0/0")
	return vpc.Config{
		CIDR: netip.MustParsePrefix("10.0.0.0/16"),
		SecurityGroups: []sg.Group{{ID: "sg-web",
			Ingress: []sg.Rule{{Protocol: flow.ProtocolOf(flow.TCP), FromPort: 443, ToPort: 443, CIDR: anywhere}},
			Egress:  []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}}},
		Subnets: []vpc.Subnet{{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-public", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
			Groups: []string{"sg-web"}, Listening: []vpc.Port{{Proto: flow.TCP, Port: 443}}}},
	}
}

// recorder is a fake testing.T: it records failures, and its FailNow ends
// the goroutine as testing.T's does.
type recorder struct {
	failures []string
	stopped  bool
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() {
	r.stopped = true
	runtime.Goexit()
}

// finishes runs f in a goroutine of its own, so that FailNow can end it,
// and reports whether f ran to its end.
func finishes(f func()) (finished bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		finished = true
	}()
	<-done
	return finished
}

// Each must function stops the test exactly when its pfsimtest
// counterpart fails, and reports the same failure.
func TestMustStops(t *testing.T) {
	cfg := webConfig()
	in := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]")
	out := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:22 [S]")
	dial := vpc.Dial{Proto: flow.TCP, Src: netip.MustParseAddr("198.51.100.7"), Dst: netip.MustParseAddr("10.0.1.10"), DstPort: 443}
	ssh := pfsimtest.Space{Dst: []netip.Prefix{netip.MustParsePrefix("10.0.1.10/32")}, DstPorts: []pfsimtest.PortRange{pfsimtest.Ports(22, 22)}}
	web := pfsimtest.Space{Dst: []netip.Prefix{netip.MustParsePrefix("10.0.1.10/32")}}
	wider := webConfig()
	wider.SecurityGroups[0].Ingress[0].ToPort = 444
	for _, c := range []struct {
		name       string
		pass, fail func(must.T)
		// what the failure says first
		want string
	}{
		{"Allows", func(t must.T) { must.Allows(t, cfg, in) }, func(t must.T) { must.Allows(t, cfg, out) },
			"Allows: the packet was dropped"},
		{"Drops", func(t must.T) { must.Drops(t, cfg, out) }, func(t must.T) { must.Drops(t, cfg, in) },
			"Drops: the packet was allowed"},
		{"Connects", func(t must.T) { must.Connects(t, cfg, dial) }, func(t must.T) { d := dial; d.DstPort = 22; must.Connects(t, cfg, d) },
			"Connects: tcp 198.51.100.7 > 10.0.1.10:22 timed out"},
		{"NeverReaches", func(t must.T) { must.NeverReaches(t, cfg, ssh) }, func(t must.T) { must.NeverReaches(t, cfg, web) },
			"NeverReaches: a packet of the space gets through the filters"},
		{"Equivalent", func(t must.T) { must.Equivalent(t, cfg, webConfig()) }, func(t must.T) { must.Equivalent(t, cfg, wider) },
			"Equivalent: the second lets a packet of the space through, the first drops it"},
		{"NoWiderThan", func(t must.T) { must.NoWiderThan(t, cfg, wider) }, func(t must.T) { must.NoWiderThan(t, wider, cfg) },
			"NoWiderThan: a packet of the space gets through that the other configuration drops"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r recorder
			assert.True(t, finishes(func() { c.pass(&r) }), "a passing assertion lets the test go on")
			assert.False(t, r.stopped)
			assert.Empty(t, r.failures)
			assert.False(t, finishes(func() { c.fail(&r) }), "a failing one stops it")
			assert.True(t, r.stopped)
			if assert.Len(t, r.failures, 1) {
				assert.Contains(t, r.failures[0], c.want)
			}
		})
	}
}
