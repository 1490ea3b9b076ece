package nacl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
)

// TestNoAllocs enforces the architecture's contract that the fast path
// does not allocate: Compiled.Evaluate on an allow, a numbered deny and a
// `*` drop, in both families and both directions.
func TestNoAllocs(t *testing.T) {
	c := mustCompile(t, ACL{ID: "acl-web",
		Ingress: mustRules(t, "90 deny -1 198.51.100.66/32", "100 allow tcp 80 0.0.0.0/0", "105 allow tcp 80 ::/0",
			"110 deny -1 2001:db8:bad::/48"),
		Egress: mustRules(t, "100 allow tcp 1024-65535 0.0.0.0/0", "120 allow icmpv6 type -1 code -1 ::/0"),
	})
	tests := []struct {
		name string
		pkt  flow.Packet
		dir  flow.Direction
		want flow.Verdict
		rule int
	}{
		{"allow v4", tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), flow.Ingress, flow.Allow, 100},
		{"deny v4", tcp("198.51.100.66:50000", "10.0.1.10:80", flow.SYN), flow.Ingress, flow.Drop, 90},
		{"star v4", tcp("198.51.100.7:50000", "10.0.1.10:22", flow.SYN), flow.Ingress, flow.Drop, flow.DefaultRuleV4},
		{"allow v6", tcp("[2001:db8:c::7]:50000", "[2001:db8:1::10]:80", flow.SYN), flow.Ingress, flow.Allow, 105},
		{"deny v6", udp("[2001:db8:bad::1]:5000", "[2001:db8:1::10]:53"), flow.Ingress, flow.Drop, 110},
		{"star v6", tcp("[2001:db8:1::10]:80", "[2001:db8:c::7]:50000", flow.SYN|flow.ACK), flow.Egress, flow.Drop, flow.DefaultRuleV6},
		{"allow v4 egress", tcp("10.0.1.10:80", "198.51.100.7:50000", flow.SYN|flow.ACK), flow.Egress, flow.Allow, 100},
		{"allow icmpv6 egress", icmp("2001:db8:1::10", "2001:db8:c::7", 129, 0), flow.Egress, flow.Allow, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d flow.Decision
			n := allocs.Count(100, func() { c.Evaluate(&tt.pkt, tt.dir, &d) })
			assert.Zero(t, n)
			assert.Equal(t, tt.want, d.Verdict)
			assert.EqualValues(t, tt.rule, d.RuleNumber)
		})
	}
}
