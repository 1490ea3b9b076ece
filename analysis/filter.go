package analysis

import (
	"sync"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
)

// Filter is what a filter does to new flows, twice over: as a space (the
// packets it allows, exactly) and as pfsim's evaluator of one packet at a
// time, whose words explain each verdict. Build one with [ACL], [Groups],
// [Path] or [Model.Path].
//
// A new flow is a packet that no connection-tracking entry admits: the
// first packet of a connection, or any packet of a stateless filter. The
// symbolic answers are about new flows; replies admitted by tracking
// depend on what came before, which a space does not hold.
type Filter struct {
	name    string
	dir     flow.Direction
	allowed Space
	domain  Space // the packets the filter judges; others are not its
	hints   *hints
	eval    func(p *flow.Packet) Check
	// quiet holds the packets whose fate is of no interest: those no
	// filter sees and those outside the domain. Texts may round address
	// sets through them.
	quiet Space
	// outside words why a packet outside the domain is not the filter's;
	// "" lets eval judge every packet.
	outside string
}

// Check is one packet's verdict by pfsim's evaluator, and its words.
type Check struct {
	Packet  flow.Packet  `json:"packet,omitzero"`
	Verdict flow.Verdict `json:"verdict"`
	// Why is the evaluator's explanation: nacl.Compiled.Explain,
	// sg.Set.Explain, or vpc.Path.Explain.
	Why string `json:"why"`
}

// String reads "tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]: dropped by ...".
func (c Check) String() string { return c.Packet.String() + ": " + c.Why }

// Name says which filter this is: "network ACL acl-web ingress",
// "security groups sg-web, sg-admin egress", "interface eni-web ingress".
func (f *Filter) Name() string { return f.name }

// Direction is the direction the filter judges packets in.
func (f *Filter) Direction() flow.Direction { return f.dir }

// Allowed returns the packets the filter allows as new flows.
func (f *Filter) Allowed() Space { return f.allowed }

// Domain returns the packets the filter judges: every packet for a rule
// set, those addressed to (ingress) or sent from (egress) the interface
// for a path.
func (f *Filter) Domain() Space { return f.domain }

// Dropped returns the packets of the domain the filter drops.
func (f *Filter) Dropped() Space { return f.domain.Minus(f.allowed) }

// Evaluate runs pfsim's evaluator on p, as a new flow, and returns its
// verdict and words. It does not consult the space: tests hold the two to
// each other.
func (f *Filter) Evaluate(p flow.Packet) Check {
	if f.outside != "" && !f.domain.Contains(p) {
		return Check{Packet: p, Verdict: flow.Drop, Why: f.outside}
	}
	return f.eval(&p)
}

// Witness returns a packet of within that the filter gives verdict v
// (flow.Allow or flow.Drop), with the evaluator's words; false when there
// is none, which proves that within holds no such packet.
func (f *Filter) Witness(within Space, v flow.Verdict) (Check, bool) {
	s := within.Intersect(f.allowed)
	if v != flow.Allow {
		s = within.Intersect(f.Dropped())
	}
	p, ok := s.witness(f.hints)
	if !ok {
		return Check{}, false
	}
	return f.Evaluate(p), true
}

// WiderThan returns a packet f allows and g does not, with f's words, or
// false when there is none: f is no wider than g (a change that opens
// nothing new). Compare filters of the same kind, such as one interface
// before and after a change.
func (f *Filter) WiderThan(g *Filter) (Check, bool) {
	p, ok := f.allowed.Minus(g.allowed).witness(f.hints)
	if !ok {
		return Check{}, false
	}
	return f.Evaluate(p), true
}

// Equal reports whether f and g allow exactly the same packets.
func (f *Filter) Equal(g *Filter) bool { return f.allowed.Equal(g.allowed) }

// epoch is the time of every evaluation: tables are fresh, so any fixed
// time gives the same verdicts.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ACL returns the filter of a network ACL's rules of direction dir
// (NACL-14): first match by rule number, the `*` rule last. It returns
// the ACL's validation errors, if any.
func ACL(a nacl.ACL, dir flow.Direction) (*Filter, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return aclFilter(a, dir, aclSpace(&a, dir)), nil
}

// aclFilter returns the filter of a valid ACL. The evaluator compiles the
// ACL when first asked: compiling a large ACL costs more than an analysis
// that shows a few packets.
func aclFilter(a nacl.ACL, dir flow.Direction, allowed Space) *Filter {
	compiled := sync.OnceValues(func() (*nacl.Compiled, error) { return nacl.Compile(a) })
	return &Filter{
		name:    "network ACL " + a.ID + " " + dir.String(),
		dir:     dir,
		allowed: allowed,
		domain:  All(),
		eval: func(p *flow.Packet) Check {
			c, err := compiled()
			if err != nil { // not reached: a is valid
				return Check{Packet: *p, Verdict: flow.Drop, Why: err.Error()}
			}
			var d flow.Decision
			c.Evaluate(p, dir, &d)
			return Check{Packet: *p, Verdict: d.Verdict, Why: c.Explain(&d, p)}
		},
	}
}

// aclSpace is the space a's rules of dir allow.
func aclSpace(a *nacl.ACL, dir flow.Direction) Space {
	return Space{aclRuleSet(aclRules(a, dir), dir).build()}
}

// Groups returns the filter of the security groups of one interface in
// direction dir: the union of their rules (SG-13, SG-14). r supplies
// referenced groups' members and prefix lists' entries; it may be nil when
// no rule names either. It returns the groups' errors, if any.
//
// A packet a rule allows is allowed, whatever connection tracking makes of
// it; tracking decides only what later packets need (CT-3).
func Groups(groups []sg.Group, r sg.Resolver, dir flow.Direction) (*Filter, error) {
	set, err := sg.Compile(groups, r)
	if err != nil {
		return nil, err
	}
	return groupsFilter(set, dir, Space{sgRuleSet(groups, r, dir).build()}), nil
}

func groupsFilter(set *sg.Set, dir flow.Direction, allowed Space) *Filter {
	return &Filter{
		name:    "security groups " + set.Groups() + " " + dir.String(),
		dir:     dir,
		allowed: allowed,
		domain:  All(),
		eval: func(p *flow.Packet) Check {
			// A fresh table: the packet is a new flow.
			st := sg.NewStage(set, conntrack.MustNew(conntrack.Config{Shards: 1}))
			var d flow.Decision
			st.Evaluate(p, dir, epoch, &d)
			return Check{Packet: *p, Verdict: d.Verdict, Why: set.Explain(&d, p)}
		},
	}
}
