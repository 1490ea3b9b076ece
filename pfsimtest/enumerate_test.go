package pfsimtest

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
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
// direction or the other.
func smallSpace(t *rapid.T, cfg vpc.Config) (Space, []flow.Packet) {
	p := newPool(&options{cfg: &cfg})
	itf := rapid.SampledFrom(cfg.Interfaces).Draw(t, "iface")
	self := rapid.SampledFrom(append(append([]netip.Addr(nil), itf.PrivateIPs...), itf.IPv6Addrs...)).Draw(t, "self")
	fam := familyOf(self)
	near := rapid.SampledFrom(p.family(fam)).Draw(t, "near")
	bits := 30
	if fam == 6 {
		bits = 126
	}
	around := netip.PrefixFrom(near, bits).Masked()
	port := int(rapid.SampledFrom(p.ports).Draw(t, "port"))
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
	if rapid.Bool().Draw(t, "outbound") {
		s.Src, s.Dst = s.Dst, s.Src
	}
	return s, every(s)
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
// when it is dropped or has no path.
func alone(t *rapid.T, cfg vpc.Config, p flow.Packet) int {
	v, err := vpc.New(cfg)
	require.NoError(t, err)
	path, err := v.Send(&p, Epoch)
	switch {
	case err != nil || !path.Allowed():
		return 0
	case path.Exempt != "" || len(path.Hops) == 0:
		return 2
	}
	return 1
}

// Reaching finds a packet exactly when one of the space gets through the
// filters, and what it finds lies in the space and gets through.
func TestReachingIsExact(t *testing.T) {
	var found, none int
	rapid.Check(t, func(t *rapid.T) {
		cfg := VPC().Draw(t, "vpc")
		space, packets := smallSpace(t, cfg)
		want := false
		for _, p := range packets {
			if alone(t, cfg, p) == 1 {
				want = true
				break
			}
		}
		w, ok, err := engine.Reaching(cfg, space)
		require.NoError(t, err)
		require.Equal(t, want, ok, "space %s: witness %s", space, w)
		if ok {
			found++
			require.NoError(t, w.Validate())
			assert.True(t, space.Contains(w), "witness %s in %s", w, space)
			assert.Equal(t, 1, alone(t, cfg, w), "witness %s gets through the filters", w)
		} else {
			none++
		}
	})
	assert.Positive(t, found, "some spaces had a packet get through")
	assert.Positive(t, none, "some had none")
}

// OnlyIn finds a packet exactly when one of the space reaches through the
// first configuration and not the second: here a configuration and the
// same with one rule edited, in both orders.
func TestOnlyInIsExact(t *testing.T) {
	var found, none int
	rapid.Check(t, func(t *rapid.T) {
		a := VPC().Draw(t, "vpc")
		b := Edits(a).Draw(t, "edit").Config
		if rapid.Bool().Draw(t, "swap") {
			a, b = b, a
		}
		space, packets := smallSpace(t, a)
		want := false
		for _, p := range packets {
			if alone(t, a, p) != 0 && alone(t, b, p) == 0 {
				want = true
				break
			}
		}
		w, ok, err := engine.OnlyIn(a, b, space)
		require.NoError(t, err)
		require.Equal(t, want, ok, "space %s: witness %s", space, w)
		if ok {
			found++
			assert.True(t, space.Contains(w), "witness %s in %s", w, space)
			assert.NotZero(t, alone(t, a, w), "witness %s reaches through the first", w)
			assert.Zero(t, alone(t, b, w), "witness %s does not through the second", w)
		} else {
			none++
		}
	})
	assert.Positive(t, found, "some edits made a difference in the space")
	assert.Positive(t, none, "some did not")
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
