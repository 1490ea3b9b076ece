package analysis

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// Benchmarks of the symbolic answers, each beside the concrete evaluator
// run exhaustively over a small space: the symbolic answer covers every
// packet (2^32 addresses and more per axis); the exhaustive run covers
// the small space only.

// benchPrefix draws a prefix from a realistic mix: private blocks, the
// documentation blocks, /0, and many /24 to /32.
func benchPrefix(r *rand.Rand) netip.Prefix {
	bases := []string{"10.0.0.0", "172.16.0.0", "192.168.0.0", "198.51.100.0", "203.0.113.0", "192.0.2.0"}
	switch r.IntN(100) {
	case 0:
		return netip.MustParsePrefix("0.0.0.0/0")
	case 1, 2:
		return netip.MustParsePrefix("10.0.0.0/8")
	}
	a := netip.MustParseAddr(bases[r.IntN(len(bases))]).As4()
	a[2], a[3] = byte(r.IntN(256)), byte(r.IntN(256))
	return netip.PrefixFrom(netip.AddrFrom4(a), 16+r.IntN(17)).Masked()
}

func benchPorts(r *rand.Rand) (int, int) {
	switch r.IntN(4) {
	case 0:
		p := []int{22, 80, 443, 3389, 5432, 8080}[r.IntN(6)]
		return p, p
	case 1:
		return 1024, 65535
	case 2:
		return 32768, 65535
	}
	lo := r.IntN(65536)
	return lo, min(65535, lo+r.IntN(2000))
}

// benchACL returns an ACL of n ingress and n egress rules, 1 in 5 a deny.
func benchACL(r *rand.Rand, id string, n int) nacl.ACL {
	a := nacl.ACL{ID: id}
	for _, list := range []*[]nacl.Rule{&a.Ingress, &a.Egress} {
		for i := range n {
			rule := nacl.Rule{Number: i + 1, Action: nacl.Allow, CIDR: benchPrefix(r),
				Protocol: []flow.Protocol{6, 6, 6, 17, 1, -1}[r.IntN(6)]}
			if rule.Protocol == flow.AnyProtocol && rule.CIDR.Bits() < 24 {
				rule.Protocol = 6 // "all traffic" rules are for narrow blocks
			}
			if r.IntN(5) == 0 {
				rule.Action = nacl.Deny
			}
			switch {
			case rule.HasPorts():
				rule.FromPort, rule.ToPort = benchPorts(r)
			case rule.HasICMP():
				rule.ICMPType, rule.ICMPCode = []int{-1, 8, 0, 3}[r.IntN(4)], -1
			}
			*list = append(*list, rule)
		}
	}
	return a
}

// edited returns a copy of a with k rules of each direction changed.
func edited(r *rand.Rand, a nacl.ACL, k int) nacl.ACL {
	b := nacl.ACL{ID: a.ID, Ingress: append([]nacl.Rule(nil), a.Ingress...), Egress: append([]nacl.Rule(nil), a.Egress...)}
	for range k {
		i := r.IntN(len(b.Ingress))
		b.Ingress[i].CIDR = benchPrefix(r)
		j := r.IntN(len(b.Egress))
		if b.Egress[j].Action == nacl.Allow {
			b.Egress[j].Action = nacl.Deny
		} else {
			b.Egress[j].Action = nacl.Allow
		}
	}
	return b
}

// BenchmarkDiffACLs: the exact difference of two 1,000-rule ACLs (1,000
// rules per direction), one the other with 10 rules of each direction
// changed: every region, each with a packet judged by both ACLs. Most of
// the time goes to nacl.Compile, which the evaluator that words each
// packet's verdict needs; BenchmarkDiffACLSpaces is the rest.
func BenchmarkDiffACLs(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	old := benchACL(r, "acl-big", 1000)
	new := edited(r, old, 10)
	b.ReportAllocs()
	var d Difference
	for b.Loop() {
		var err error
		if d, err = DiffACLs(old, new); err != nil {
			b.Fatal(err)
		}
	}
	if d.Relation == Equal || len(d.Changes) == 0 {
		b.Fatalf("the edits change something: %s", d.Relation)
	}
	for _, c := range d.Changes {
		if c.Old.Verdict == c.New.Verdict {
			b.Fatalf("%s", c)
		}
	}
	b.ReportMetric(float64(len(d.Changes)), "regions")
}

// BenchmarkDiffACLSpaces: the symbolic part of BenchmarkDiffACLs: the four
// spaces, the two differences, the regions with their packets, no
// evaluator.
func BenchmarkDiffACLSpaces(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	old := benchACL(r, "acl-big", 1000)
	new := edited(r, old, 10)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
			o, nw := aclSpace(&old, dir), aclSpace(&new, dir)
			n += len(nw.Minus(o).Regions()) + len(o.Minus(nw).Regions())
		}
	}
	if n == 0 {
		b.Fatal("the edits change something")
	}
	b.ReportMetric(float64(n), "regions")
}

// BenchmarkACLSpace: one 1,000-rule ACL direction turned into its space.
func BenchmarkACLSpace(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a := benchACL(r, "acl-big", 1000)
	b.ReportAllocs()
	for b.Loop() {
		if aclSpace(&a, flow.Ingress).IsEmpty() {
			b.Fatal("the ACL allows something")
		}
	}
}

// smallGrid is the small space the concrete evaluators run over
// exhaustively: the 8 sources of 198.51.100.0/29 to one destination, tcp,
// udp and icmp, destination ports 0..1023 (tcp, udp) and ICMP types
// 0..255 with code 0.
func smallGrid(dst netip.Addr) []flow.Packet {
	var out []flow.Packet
	src := netip.MustParseAddr("198.51.100.0")
	for range 8 {
		for _, proto := range []flow.Proto{flow.TCP, flow.UDP} {
			for port := range 1024 {
				out = append(out, flow.Packet{Proto: proto, Src: src, Dst: dst, SrcPort: 50000, DstPort: uint16(port)})
			}
		}
		for typ := range 256 {
			out = append(out, flow.Packet{Proto: flow.ICMP, Src: src, Dst: dst, ICMPType: uint8(typ)})
		}
		src = src.Next()
	}
	return out
}

// BenchmarkDiffACLsExhaustive: the baseline, both compiled ACLs run over
// the small grid in both directions, counting the packets whose verdicts
// differ.
func BenchmarkDiffACLsExhaustive(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	old := benchACL(r, "acl-big", 1000)
	new := edited(r, old, 10)
	co, err := nacl.Compile(old)
	if err != nil {
		b.Fatal(err)
	}
	cn, err := nacl.Compile(new)
	if err != nil {
		b.Fatal(err)
	}
	g := smallGrid(netip.MustParseAddr("10.0.1.10"))
	b.ReportAllocs()
	for b.Loop() {
		differ := 0
		var x, y flow.Decision
		for i := range g {
			for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
				co.Evaluate(&g[i], dir, &x)
				cn.Evaluate(&g[i], dir, &y)
				if x.Verdict != y.Verdict {
					differ++
				}
			}
		}
		if differ > 2*len(g) {
			b.Fatal("impossible count")
		}
	}
	b.ReportMetric(float64(2*len(g)), "packets")
}

// benchVPC returns a VPC whose interface carries 5 groups of 60 ingress
// and 60 egress rules each, in a subnet whose ACL has 100 rules per
// direction.
func benchVPC() vpc.Config {
	r := rand.New(rand.NewPCG(3, 4))
	cfg := vpc.Config{
		CIDR:        netip.MustParsePrefix("10.0.0.0/16"),
		NetworkACLs: []nacl.ACL{benchACL(r, "acl-web", 100)},
		Subnets:     []vpc.Subnet{{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-web"}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-web", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
			Groups: []string{"sg-0", "sg-1", "sg-2", "sg-3", "sg-4"}}},
	}
	for g := range 5 {
		grp := sg.Group{ID: fmt.Sprintf("sg-%d", g)}
		for _, list := range []*[]sg.Rule{&grp.Ingress, &grp.Egress} {
			for range 60 {
				rule := sg.Rule{Protocol: []flow.Protocol{6, 6, 6, 17, 1}[r.IntN(5)], CIDR: benchPrefix(r)}
				switch rule.Protocol {
				case 6, 17:
					rule.FromPort, rule.ToPort = benchPorts(r)
				case 1:
					rule.FromPort, rule.ToPort = []int{-1, 8, 0, 3}[r.IntN(4)], -1
				}
				if rule.FromPort == -1 {
					rule.ToPort = -1
				}
				*list = append(*list, rule)
			}
		}
		cfg.SecurityGroups = append(cfg.SecurityGroups, grp)
	}
	return cfg
}

var internet = Src(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))

// BenchmarkExposure: what the interface accepts from 0.0.0.0/0 and ::/0,
// from the configuration: the model, the interface's path, the entries,
// each with a packet run through vpc.ENI.Cross.
func BenchmarkExposure(b *testing.B) {
	cfg := benchVPC()
	b.ReportAllocs()
	var x Exposure
	for b.Loop() {
		m, err := NewModel(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if x, err = m.Exposure("eni-web", internet); err != nil {
			b.Fatal(err)
		}
	}
	if len(x.Entries) == 0 {
		b.Fatal("the interface accepts something")
	}
	for _, e := range x.Entries {
		if e.Check.Verdict != flow.Allow {
			b.Fatalf("%s: %s", e, e.Check)
		}
	}
	b.ReportMetric(float64(len(x.Entries)), "entries")
}

// BenchmarkExposureSpace: the symbolic part alone: the path's space from
// the configuration, intersected with the sources, grouped by source set.
func BenchmarkExposureSpace(b *testing.B) {
	cfg := benchVPC()
	b.ReportAllocs()
	for b.Loop() {
		m, err := NewModel(cfg)
		if err != nil {
			b.Fatal(err)
		}
		f, err := m.Path("eni-web", flow.Ingress)
		if err != nil {
			b.Fatal(err)
		}
		if len(bySources(f.Allowed().Intersect(internet))) == 0 {
			b.Fatal("the interface accepts something")
		}
	}
}

// BenchmarkExposureExhaustive: the baseline, every packet of the small
// grid crossing the interface inbound, on a VPC built once.
func BenchmarkExposureExhaustive(b *testing.B) {
	v, err := vpc.New(benchVPC())
	if err != nil {
		b.Fatal(err)
	}
	eni, err := v.ENI("eni-web")
	if err != nil {
		b.Fatal(err)
	}
	g := smallGrid(netip.MustParseAddr("10.0.1.10"))
	var path vpc.Path
	b.ReportAllocs()
	for b.Loop() {
		allowed := 0
		for i := range g {
			if err := eni.Cross(&g[i], flow.Ingress, epoch, &path); err != nil {
				b.Fatal(err)
			}
			if path.Allowed() {
				allowed++
			}
		}
		if allowed > len(g) {
			b.Fatal("impossible count")
		}
	}
	b.ReportMetric(float64(len(g)), "packets")
}

// BenchmarkShadowedNeedless: shadowed and needless rules of ACLs of AWS's
// largest size (40 rules a direction) and of 1,000 rules; beside
// BenchmarkACLSpace, the one ACL's space built once.
func BenchmarkShadowedNeedless(b *testing.B) {
	for _, n := range []int{40, 1000} {
		r := rand.New(rand.NewPCG(1, 2))
		a := benchACL(r, "acl-big", n)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(ShadowedRules(a))+len(NeedlessRules(a)) == 0 && n == 1000 {
					b.Fatal("a random 1,000-rule ACL has rules it does not need")
				}
			}
		})
	}
}
