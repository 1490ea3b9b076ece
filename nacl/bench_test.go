package nacl

import (
	"fmt"
	"testing"

	"github.com/pfsim/pfsim/flow"
)

// benchACL returns an ACL whose ingress has n rules of the packet's
// family, the last of which (number 10*n) matches tcp/80 from anywhere;
// the n-1 before it deny single addresses the packet does not come from,
// so a first-match scan must pass all of them. Egress mirrors ingress.
func benchACL(b *testing.B, n int, v6 bool) ACL {
	b.Helper()
	rules := make([]Rule, 0, n)
	for i := 1; i < n; i++ {
		cidr := fmt.Sprintf("203.0.113.%d/32", i)
		if v6 {
			cidr = fmt.Sprintf("2001:db8:bad::%x/128", i)
		}
		rules = append(rules, mustRule(b, fmt.Sprintf("%d deny -1 %s", 10*i, cidr)))
	}
	any := "0.0.0.0/0"
	if v6 {
		any = "::/0"
	}
	rules = append(rules, mustRule(b, fmt.Sprintf("%d allow tcp 80 %s", 10*n, any)))
	return ACL{ID: "acl-bench", Ingress: rules, Egress: rules}
}

// BenchmarkEvaluate measures Compiled.Evaluate when the last of n rules
// decides (the worst case for a scan), and when no rule matches and `*`
// drops. The golden model runs on the same input as a baseline. Every
// iteration checks the verdict.
func BenchmarkEvaluate(b *testing.B) {
	cases := []struct {
		name string
		n    int
		v6   bool
		pkt  flow.Packet
		want flow.Verdict
		rule int
	}{
		{"rules=1", 1, false, tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), flow.Allow, 10},
		{"rules=20", 20, false, tcp("198.51.100.7:50000", "10.0.1.10:80", flow.SYN), flow.Allow, 200},
		{"rules=20,ipv6", 20, true, tcp("[2001:db8:c::7]:50000", "[2001:db8:1::10]:80", flow.SYN), flow.Allow, 200},
		{"rules=20,star", 20, false, tcp("198.51.100.7:50000", "10.0.1.10:443", flow.SYN), flow.Drop, flow.DefaultRuleV4},
	}
	for _, tc := range cases {
		a := benchACL(b, tc.n, tc.v6)
		c := mustCompile(b, a)
		pkt := tc.pkt
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := evalc(c, &pkt, flow.Ingress); d.Verdict != tc.want || int(d.RuleNumber) != tc.rule {
					b.Fatalf("got %s by %d, want %s by %d", d.Verdict, d.RuleNumber, tc.want, tc.rule)
				}
			}
		})
		b.Run("golden/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := Reference(&a, &pkt, flow.Ingress); d.Verdict != tc.want || int(d.RuleNumber) != tc.rule {
					b.Fatalf("got %s by %d, want %s by %d", d.Verdict, d.RuleNumber, tc.want, tc.rule)
				}
			}
		})
	}
}
