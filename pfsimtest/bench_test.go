package pfsimtest_test

import (
	"net/netip"
	"testing"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// What a property test pays per case: drawing a packet, and judging it
// in a configuration (a fresh VPC each time) or in a running VPC.

func BenchmarkDrawPacket(b *testing.B) {
	g := pfsimtest.Packet(pfsimtest.From(netip.MustParsePrefix("0.0.0.0/0")), pfsimtest.ToInterface(webConfig(), "eni-web"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if p := g.Example(i); !p.Dst.IsValid() {
			b.Fatal("no destination")
		}
		i++
	}
}

func BenchmarkDrawVPC(b *testing.B) {
	g := pfsimtest.VPC()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if c := g.Example(i); len(c.Interfaces) == 0 {
			b.Fatal("no interface")
		}
		i++
	}
}

func BenchmarkAllows(b *testing.B) {
	cfg := webConfig()
	p := flow.MustParsePacket("tcp 198.51.100.7:40000 > 10.0.1.10:443 [S]")
	var t nopT
	b.Run("config", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !pfsimtest.Allows(&t, cfg, p) {
				b.Fatal("dropped")
			}
		}
	})
	b.Run("vpc", func(b *testing.B) {
		v, err := vpc.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if !pfsimtest.Allows(&t, v, p) {
				b.Fatal("dropped")
			}
		}
	})
}

// The exact assertions, answered by enumeration: every class of packets
// the configuration tells apart, one probe each.
func BenchmarkNeverReaches(b *testing.B) {
	cfg := webConfig()
	outside := pfsimtest.Space{Src: pfsimtest.Complement(cfg.CIDR), Dst: []netip.Prefix{netip.MustParsePrefix("10.0.3.30/32")}}
	var t nopT
	b.ReportAllocs()
	for b.Loop() {
		if !pfsimtest.NeverReaches(&t, cfg, outside) {
			b.Fatal("reached")
		}
	}
}

func BenchmarkEquivalent(b *testing.B) {
	cfg := webConfig()
	var t nopT
	b.ReportAllocs()
	for b.Loop() {
		if !pfsimtest.Equivalent(&t, cfg, cfg) {
			b.Fatal("not equivalent")
		}
	}
}

// A property of 100 cases, as rapid runs it by default.
func BenchmarkProperty(b *testing.B) {
	cfg := webConfig()
	internet := netip.MustParsePrefix("0.0.0.0/0")
	b.ReportAllocs()
	for b.Loop() {
		rapid.Check(b, func(t *rapid.T) {
			p := pfsimtest.Packet(pfsimtest.From(internet), pfsimtest.ToInterface(cfg, "eni-web")).Draw(t, "packet")
			if p.Proto == flow.TCP && p.DstPort == 443 || pfsimtest.Exempt(cfg, p) {
				pfsimtest.Allows(t, cfg, p)
			} else {
				pfsimtest.Drops(t, cfg, p)
			}
		})
	}
}

type nopT struct{}

func (nopT) Errorf(string, ...any) {}
