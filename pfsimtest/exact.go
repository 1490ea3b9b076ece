package pfsimtest

import (
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// The exact assertions below judge a configuration over a whole space of
// packets, not a sample: every packet of the space, sent as the first
// packet of its flow (empty connection tables), along the path its
// addresses imply in the VPC. A packet whose addresses are of no
// interface, or of one interface at both ends, travels nowhere and never
// reaches. Given a *vpc.VPC they judge the configuration in force and
// ignore its connections.
//
// When one fails, it shows a concrete packet of the space and the words
// of every filter that packet meets, from the concrete evaluator.

// NeverReaches asserts that the filters of s let no packet of space
// through: every one is dropped by some filter on its path. Packets to or
// from an AWS service, which no filter sees (NOT-10), are left out: no
// rule can stop them, so no rule set is to blame for them ([Exempt] tells
// which those are). It reports a failure to t and returns false
// otherwise, showing one packet that gets through and the rules that let
// it.
//
//	// Nothing outside the VPC reaches the database, on any port.
//	pfsimtest.NeverReaches(t, cfg, pfsimtest.Space{
//		Src: pfsimtest.Complement(cfg.CIDR),
//		Dst: []netip.Prefix{netip.MustParsePrefix("10.0.3.30/32")},
//	})
func NeverReaches[S System](t TestingT, s S, space Space) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	cfg, err := configOf(s)
	if err != nil {
		return failed(t, "NeverReaches", err.Error())
	}
	p, found, err := engine.Reaching(cfg, space)
	switch {
	case err != nil:
		return failed(t, "NeverReaches", "cannot analyse the space: "+err.Error(), line("space", space.String()))
	case found:
		return failed(t, "NeverReaches", "a packet of the space gets through the filters",
			append([]string{line("space", space.String())}, firstPacketLines(cfg, p)...)...)
	}
	return true
}

// Equivalent asserts that a and b let exactly the same packets reach
// their destinations, among the packets of the spaces given (of every
// packet when none is). A packet no filter sees (NOT-10) reaches; two
// configurations with the same subnets see the same such packets. It reports a failure to t and returns false
// otherwise, showing a packet one lets through and the other drops, with
// the words of both paths. Equivalent(t, before, after) is the property
// of a refactoring: rules merged, reordered, split or moved between
// groups, with no change of meaning.
func Equivalent[A, B System](t TestingT, a A, b B, within ...Space) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	ca, err := configOf(a)
	if err != nil {
		return failed(t, "Equivalent", "the first: "+err.Error())
	}
	cb, err := configOf(b)
	if err != nil {
		return failed(t, "Equivalent", "the second: "+err.Error())
	}
	for _, space := range spaces(within) {
		for _, order := range []struct {
			first, second vpc.Config
			what          string
		}{{ca, cb, "the first lets a packet of the space through, the second drops it"}, {cb, ca, "the second lets a packet of the space through, the first drops it"}} {
			p, found, err := engine.OnlyIn(order.first, order.second, space)
			switch {
			case err != nil:
				return failed(t, "Equivalent", "cannot analyse the space: "+err.Error(), line("space", space.String()))
			case found:
				return failed(t, "Equivalent", order.what,
					append([]string{line("space", space.String())}, sideLines(ca, cb, "first", "second", p)...)...)
			}
		}
	}
	return true
}

// NoWiderThan asserts that s lets no packet reach its destination that
// than does not, among the packets of the spaces given (of every packet
// when none is): s is as strict as than, or stricter. It reports a
// failure to t and returns false otherwise, showing a packet s lets
// through and than drops, with the words of both paths.
// NoWiderThan(t, after, before) is the property of a change meant to
// tighten rules: it opens nothing new.
func NoWiderThan[S, Than System](t TestingT, s S, than Than, within ...Space) bool {
	if h, ok := t.(helper); ok {
		h.Helper()
	}
	cs, err := configOf(s)
	if err != nil {
		return failed(t, "NoWiderThan", err.Error())
	}
	ct, err := configOf(than)
	if err != nil {
		return failed(t, "NoWiderThan", "the one to compare with: "+err.Error())
	}
	for _, space := range spaces(within) {
		p, found, err := engine.OnlyIn(cs, ct, space)
		switch {
		case err != nil:
			return failed(t, "NoWiderThan", "cannot analyse the space: "+err.Error(), line("space", space.String()))
		case found:
			return failed(t, "NoWiderThan", "a packet of the space gets through that the other configuration drops",
				append([]string{line("space", space.String())}, sideLines(cs, ct, "this", "other", p)...)...)
		}
	}
	return true
}

// spaces returns within, or the one space of every packet.
func spaces(within []Space) []Space {
	if len(within) == 0 {
		return []Space{{}}
	}
	return within
}

// configOf returns the configuration s stands for, checked.
func configOf[S System](s S) (vpc.Config, error) {
	switch x := any(s).(type) {
	case *vpc.VPC:
		if x != nil {
			return x.Config(), nil
		}
	case vpc.Config:
		if _, err := fresh(x, false); err != nil {
			return vpc.Config{}, err
		}
		return x, nil
	}
	_, err := resolve(s)
	return vpc.Config{}, err
}

// firstPacketLines shows packet p as the first of its flow through cfg.
func firstPacketLines(cfg vpc.Config, p flow.Packet) []string {
	path, err := send(cfg, p, nil)
	if err != nil {
		return []string{line("packet", p.String()), line("error", err.Error())}
	}
	return pathLines(&path)
}

// sideLines shows packet p through two configurations, named a and b.
func sideLines(a, b vpc.Config, nameA, nameB string, p flow.Packet) []string {
	out := []string{line("packet", p.String())}
	for _, side := range []struct {
		name string
		cfg  vpc.Config
	}{{nameA, a}, {nameB, b}} {
		path, err := send(side.cfg, p, nil)
		if err != nil {
			out = append(out, line(side.name, "no path: "+err.Error()))
			continue
		}
		out = append(out, line(side.name, endName(path.From)+" to "+endName(path.To)+"\n"+explain(&path)))
	}
	return out
}
