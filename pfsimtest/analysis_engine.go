package pfsimtest

import (
	"github.com/pfsim/pfsim/analysis"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// symbolic answers the exact questions (see exactEngine) with package
// analysis: the packets a VPC delivers as new flows are one exact set
// (analysis.Model.Reach), so a question is a set difference and its
// answer a witness of it or the proof that there is none, whatever the
// size of the space.
type symbolic struct{}

func (symbolic) Reaching(cfg vpc.Config, space Space) (flow.Packet, bool, error) {
	s, err := toSpace(space)
	if err != nil {
		return flow.Packet{}, false, err
	}
	m, err := analysis.NewModel(cfg)
	if err != nil {
		return flow.Packet{}, false, err
	}
	p, ok := m.Reach().Minus(m.Unfiltered()).Intersect(s).Witness()
	return p, ok, nil
}

func (symbolic) OnlyIn(a, b vpc.Config, space Space) (flow.Packet, bool, error) {
	s, err := toSpace(space)
	if err != nil {
		return flow.Packet{}, false, err
	}
	ma, err := analysis.NewModel(a)
	if err != nil {
		return flow.Packet{}, false, err
	}
	mb, err := analysis.NewModel(b)
	if err != nil {
		return flow.Packet{}, false, err
	}
	p, ok := ma.Reach().Minus(mb.Reach()).Intersect(s).Witness()
	return p, ok, nil
}

// toSpace turns a Space into the analysis package's: each field that is
// set narrows the packets it applies to (ports tcp and udp, types and
// codes icmp and icmpv6) and leaves the others alone.
func toSpace(s Space) (analysis.Space, error) {
	if err := s.Validate(); err != nil {
		return analysis.None(), err
	}
	out := analysis.All()
	if s.Protocols != nil {
		out = out.Intersect(analysis.Proto(s.Protocols...))
	}
	if s.Src != nil {
		out = out.Intersect(analysis.Src(s.Src...))
	}
	if s.Dst != nil {
		out = out.Intersect(analysis.Dst(s.Dst...))
	}
	ported := analysis.Proto(flow.TCP, flow.UDP)
	for _, f := range []struct {
		ranges []PortRange
		space  func(from, to uint16) analysis.Space
	}{{s.SrcPorts, analysis.SrcPorts}, {s.DstPorts, analysis.DstPorts}} {
		if f.ranges == nil {
			continue
		}
		var in analysis.Space
		for _, r := range f.ranges {
			in = in.Union(f.space(r.From, r.To))
		}
		out = out.Intersect(in.Union(analysis.All().Minus(ported)))
	}
	icmp := analysis.Proto(flow.ICMP, flow.ICMPv6)
	for _, f := range []struct {
		values []uint8
		space  func(v int) analysis.Space
	}{{s.ICMPTypes, func(v int) analysis.Space { return analysis.ICMP(v, -1) }},
		{s.ICMPCodes, func(v int) analysis.Space { return analysis.ICMP(-1, v) }}} {
		if f.values == nil {
			continue
		}
		var in analysis.Space
		for _, v := range f.values {
			in = in.Union(f.space(int(v)))
		}
		out = out.Intersect(in.Union(analysis.All().Minus(icmp)))
	}
	return out, nil
}
