package pfsimtest

import (
	"cmp"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// The enumeration is held to the plainest oracle there is: every packet
// of a small space, each sent alone through a VPC built for it. The
// spaces are drawn around the configuration's edges (its rules' prefixes
// and ports, its interfaces), where one probe per class is most likely
// to miss something if the classes were cut wrong.

// smallSpace draws a space of a few hundred packets between an interface
// of cfg and a /30 around an address the configuration leans to, in one
// direction or the other; f, when not nil, steers it to one rule.
func smallSpace(t *rapid.T, cfg vpc.Config, f *focus) (Space, []flow.Packet) {
	p := newPool(&options{cfg: &cfg})
	steer := func(label string) bool { return f != nil && pick(t, label, 2, 8) == 1 }
	itfs := cfg.Interfaces
	if f != nil && len(f.ifaces) > 0 && steer("focus.iface") {
		itfs = f.ifaces
	}
	itf := rapid.SampledFrom(itfs).Draw(t, "iface")
	own := append(append([]netip.Addr(nil), itf.PrivateIPs...), itf.IPv6Addrs...)
	if f != nil && f.peer.IsValid() && steer("focus.family") {
		if same := ofFamilyAddrs(own, familyOf(f.peer.Addr())); len(same) > 0 {
			own = same
		}
	}
	self := rapid.SampledFrom(own).Draw(t, "self")
	fam := familyOf(self)
	near := rapid.SampledFrom(p.family(fam)).Draw(t, "near")
	if f != nil && f.peer.IsValid() && familyOf(f.peer.Addr()) == fam && steer("focus.peer") {
		near = randomIn(t, f.peer, "focus.near")
	}
	bits := 30
	if fam == 6 {
		bits = 126
	}
	around := netip.PrefixFrom(near, bits).Masked()
	port := int(rapid.SampledFrom(p.ports).Draw(t, "port"))
	if f != nil && f.port >= 0 && steer("focus.port") {
		port = f.port
	}
	lo := uint16(min(max(port-3, 0), 65535-7))
	icmp := flow.ICMP
	if fam == 6 {
		icmp = flow.ICMPv6
	}
	s := Space{
		Protocols: []flow.Proto{flow.TCP, flow.UDP, icmp, 47},
		Src:       []netip.Prefix{around},
		Dst:       []netip.Prefix{netip.PrefixFrom(self, self.BitLen())},
		SrcPorts:  []PortRange{{1024, 1024}, {65535, 65535}},
		DstPorts:  []PortRange{{lo, lo + 7}},
		ICMPTypes: []uint8{0, 3, 8, 11, 128, 129},
		ICMPCodes: []uint8{0, 4},
	}
	if proto, ok := f.protocol(); ok && !slices.Contains(s.Protocols, proto) {
		s.Protocols = append(s.Protocols, proto)
	}
	outbound := rapid.Bool().Draw(t, "outbound")
	if f != nil && steer("focus.direction") {
		outbound = f.outbound
	}
	if outbound {
		s.Src, s.Dst = s.Dst, s.Src
	}
	return s, every(s)
}

func ofFamilyAddrs(as []netip.Addr, fam int) []netip.Addr {
	var out []netip.Addr
	for _, a := range as {
		if familyOf(a) == fam {
			out = append(out, a)
		}
	}
	return out
}

// focus is where one rule stands: the interfaces whose traffic meets it,
// the direction, its peer prefix and a port of its range.
type focus struct {
	ifaces   []vpc.Interface
	outbound bool
	peer     netip.Prefix // invalid when the peer is not a prefix
	proto    flow.Protocol
	port     int // -1 when the rule has no ports
}

func (f *focus) protocol() (flow.Proto, bool) {
	if f == nil {
		return 0, false
	}
	return f.proto.Proto()
}

// focusOf returns where the rule e adds, removes or changes stands, in
// the configuration before (cfg) or after the edit.
func focusOf(cfg vpc.Config, e Edit) *focus {
	f := &focus{outbound: e.Direction == flow.Egress, port: -1}
	text := e.After
	if text == "" {
		text = e.Before
	}
	if e.Kind == vpc.KindNetworkACL {
		r, err := nacl.ParseRule(text)
		if err != nil {
			return nil
		}
		f.peer, f.proto = r.CIDR, r.Protocol
		if r.HasPorts() {
			f.port = r.FromPort
		}
		for _, itf := range cfg.Interfaces {
			for _, s := range cfg.Subnets {
				if s.ID == itf.Subnet && cmp.Or(s.ACL, vpc.DefaultACL) == e.ID {
					f.ifaces = append(f.ifaces, itf)
				}
			}
		}
		return f
	}
	for _, c := range []vpc.Config{e.Config, cfg} {
		for _, g := range c.SecurityGroups {
			if g.ID != e.ID {
				continue
			}
			for _, r := range g.Rules(e.Direction) {
				if r.Text(e.Direction) != text {
					continue
				}
				f.peer, f.proto = r.CIDR, r.Protocol
				if r.Protocol == flow.ProtocolOf(flow.TCP) || r.Protocol == flow.ProtocolOf(flow.UDP) {
					f.port = r.FromPort
				}
			}
		}
	}
	for _, itf := range cfg.Interfaces {
		if slices.Contains(itf.Groups, e.ID) {
			f.ifaces = append(f.ifaces, itf)
		}
	}
	return f
}

// every lists every packet of a space with finite, small fields.
func every(s Space) []flow.Packet {
	var out []flow.Packet
	each := func(ps []netip.Prefix, f func(netip.Addr)) {
		for _, q := range ps {
			for a := q.Masked().Addr(); a.IsValid() && q.Contains(a); a = a.Next() {
				f(a)
			}
		}
	}
	each(s.Src, func(src netip.Addr) {
		each(s.Dst, func(dst netip.Addr) {
			for _, proto := range s.Protocols {
				base := flow.Packet{Proto: proto, Src: src, Dst: dst}
				switch {
				case proto == flow.ICMP && src.Is6() || proto == flow.ICMPv6 && src.Is4():
				case proto.HasPorts():
					for _, sr := range s.SrcPorts {
						for _, dr := range s.DstPorts {
							for sp := int(sr.From); sp <= int(sr.To); sp++ {
								for dp := int(dr.From); dp <= int(dr.To); dp++ {
									p := base
									p.SrcPort, p.DstPort = uint16(sp), uint16(dp)
									if proto == flow.TCP {
										p.Flags = flow.SYN
									}
									out = append(out, p)
								}
							}
						}
					}
				case proto.IsICMP():
					for _, typ := range s.ICMPTypes {
						for _, code := range s.ICMPCodes {
							p := base
							p.ICMPType, p.ICMPCode = typ, code
							out = append(out, p)
						}
					}
				default:
					out = append(out, base)
				}
			}
		})
	})
	return out
}

// alone sends p as the only packet of a fresh VPC of cfg: 1 when it gets
// through the filters, 2 when it reaches without meeting any (NOT-10), 0
// when it is dropped or has no path. (The VPC's tables have one shard
// each, which is cheaper to build and changes no verdict.)
func alone(t *rapid.T, cfg vpc.Config, p flow.Packet) int {
	v, err := fresh(cfg, false)
	require.NoError(t, err)
	path, err := v.Send(&p, Epoch)
	return outcome(&path, err)
}

func outcome(path *vpc.Path, err error) int {
	switch {
	case err != nil || !path.Allowed():
		return 0
	case path.Exempt != "" || len(path.Hops) == 0:
		return 2
	}
	return 1
}

// oracle judges packets one by one, as alone does, through one VPC: each
// is sent probeGap after the one before, so no packet meets another's
// connection (TestProbeGapForgets holds this to alone).
type oracle struct {
	v    *vpc.VPC
	now  time.Time
	path vpc.Path
}

func newOracle(t *rapid.T, cfg vpc.Config) *oracle {
	v, err := fresh(cfg, true)
	require.NoError(t, err)
	return &oracle{v: v, now: Epoch}
}

func (o *oracle) judge(p flow.Packet) int {
	o.now = o.now.Add(probeGap)
	err := o.v.SendInto(&p, o.now, &o.path)
	return outcome(&o.path, err)
}

// Packets sent probeGap apart through one VPC are judged as each alone
// through a fresh VPC: same verdict, same filter and rule deciding. This
// is what lets the enumeration, and the oracle, send every probe through
// one VPC. The packets are those of connections, replies included, so
// that earlier packets leave entries later ones would find.
func TestProbeGapForgets(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := VPC().Draw(t, "vpc")
		v, err := fresh(cfg, true)
		require.NoError(t, err)
		now := Epoch
		for _, s := range Conversation(In(cfg)).Draw(t, "conversation") {
			now = now.Add(probeGap)
			long, err := v.Send(&s.Packet, now)
			require.NoError(t, err)
			one, err := fresh(cfg, false)
			require.NoError(t, err)
			first, err := one.Send(&s.Packet, Epoch)
			require.NoError(t, err)
			a, b := long.Final, first.Final
			assert.Equal(t, []any{b.Verdict, b.Stage, b.Direction, b.Reason, b.RuleNumber, b.Rule, first.Exempt},
				[]any{a.Verdict, a.Stage, a.Direction, a.Reason, a.RuleNumber, a.Rule, long.Exempt}, "%s", s.Packet)
		}
	})
}

// Reaching finds a packet exactly when one of the space gets through the
// filters, and what it finds lies in the space and gets through.
func TestReachingIsExact(t *testing.T) {
	var found, none int
	rapid.Check(t, func(t *rapid.T) {
		cfg := VPC().Draw(t, "vpc")
		o := newOracle(t, cfg)
		for range 3 {
			space, packets := smallSpace(t, cfg, nil)
			want := slices.ContainsFunc(packets, func(p flow.Packet) bool { return o.judge(p) == 1 })
			w, ok, err := engine.Reaching(cfg, space)
			require.NoError(t, err)
			require.Equal(t, want, ok, "space %s: witness %s", space, w)
			if !ok {
				none++
				continue
			}
			found++
			require.NoError(t, w.Validate())
			assert.True(t, space.Contains(w), "witness %s in %s", w, space)
			assert.Equal(t, 1, alone(t, cfg, w), "witness %s gets through the filters", w)
		}
	})
	assert.Greater(t, found, 20, "spaces where a packet got through")
	assert.Greater(t, none, 20, "spaces where none did")
}

// OnlyIn finds a packet exactly when one of the space reaches through the
// first configuration and not the second: here a configuration and the
// same with one rule edited, in both orders, over spaces mostly drawn
// where the edited rule stands.
func TestOnlyInIsExact(t *testing.T) {
	var found, none int
	rapid.Check(t, func(t *rapid.T) {
		a := VPC().Draw(t, "vpc")
		e := Edits(a).Draw(t, "edit")
		b := e.Config
		oa, ob := newOracle(t, a), newOracle(t, b)
		for range 8 {
			space, packets := smallSpace(t, a, focusOf(a, e))
			var inA, inB []bool
			for _, p := range packets {
				inA, inB = append(inA, oa.judge(p) != 0), append(inB, ob.judge(p) != 0)
			}
			for _, c := range []struct {
				first, second vpc.Config
				in, out       []bool
			}{{a, b, inA, inB}, {b, a, inB, inA}} {
				want := false
				for i := range packets {
					want = want || c.in[i] && !c.out[i]
				}
				w, ok, err := engine.OnlyIn(c.first, c.second, space)
				require.NoError(t, err)
				require.Equal(t, want, ok, "space %s: witness %s", space, w)
				if !ok {
					none++
					continue
				}
				found++
				assert.True(t, space.Contains(w), "witness %s in %s", w, space)
				assert.NotZero(t, alone(t, c.first, w), "witness %s reaches through the first", w)
				assert.Zero(t, alone(t, c.second, w), "witness %s does not through the second", w)
			}
		}
	})
	assert.Greater(t, found, 20, "spaces where the edit made a difference")
	assert.Greater(t, none, 20, "spaces where it did not")
}

// A space that splits into more classes than the limit is refused, not
// answered approximately.
func TestEnumerationLimit(t *testing.T) {
	cfg := vpc.Config{
		Subnets:        []vpc.Subnet{{ID: "s", CIDR: netip.MustParsePrefix("10.0.1.0/24")}},
		SecurityGroups: []sg.Group{{ID: "sg"}},
		Interfaces: []vpc.Interface{{ID: "eni", Subnet: "s", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
			Groups: []string{"sg"}}},
	}
	_, _, err := enumeration{limit: 10}.Reaching(cfg, Space{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "classes of packets, more than the 10 this enumeration tries: narrow it")
	_, ok, err := enumeration{limit: enumerationLimit}.Reaching(cfg, Space{})
	require.NoError(t, err)
	assert.False(t, ok, "a group without rules lets nothing in or out")
}
