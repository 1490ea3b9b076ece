package pfsimtest

import (
	"net/netip"
	"slices"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/vpc"
)

// Option narrows or steers a generator. Each option says which generators
// heed it; the others ignore it, so one list of options can serve several
// generators of one test.
type Option func(*options)

// options is what the Options set. The zero value draws from everywhere.
type options struct {
	// cfg is the configuration the draws are about (In, FromInterface,
	// ToInterface); nil when none is.
	cfg *vpc.Config
	// from and to restrict a packet's source and destination to these
	// prefixes; nil means every address.
	from, to []netip.Prefix
	// fromIfs and toIfs restrict them to the addresses of these
	// interfaces of cfg; fromAny and toAny mean every interface of cfg.
	fromIfs, toIfs []string
	fromAny, toAny bool
	// protos restricts packets (and the protocols rules name) to these.
	protos []flow.Proto
	// family is 4 or 6 to draw only that family, 0 for both.
	family int
}

func newOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o
}

// In draws values about the configuration cfg: addresses and prefixes lean
// to its blocks, its interfaces' addresses, the addresses AWS reserves in
// its subnets and the edges of its rules' ranges; ports lean to the edges
// of its rules' port ranges and to what its hosts listen on; security
// group rules may name its groups and prefix lists; packets and dials have
// at least one end at one of its interfaces, so that [vpc.VPC.Send] and
// [vpc.VPC.Connect] accept them. Every generator heeds it.
func In(cfg vpc.Config) Option {
	return func(o *options) { o.cfg = &cfg }
}

// From restricts the source address of packets, dials and conversations to
// the given prefixes (an IPv4 prefix draws IPv4 packets only, so
// From(0.0.0.0/0) is "from anywhere on the IPv4 internet"). Heeded by
// [Packet], [Dial] and [Conversation].
func From(prefixes ...netip.Prefix) Option {
	return func(o *options) { o.from = append(o.from, masked(prefixes)...) }
}

// To restricts the destination address of packets, dials and
// conversations to the given prefixes. Heeded by [Packet], [Dial] and
// [Conversation].
func To(prefixes ...netip.Prefix) Option {
	return func(o *options) { o.to = append(o.to, masked(prefixes)...) }
}

// FromInterface makes every packet, dial or conversation start at an
// address of one of the named interfaces of cfg, or of any of its
// interfaces when no id is given. It implies [In](cfg). Heeded by
// [Packet], [Dial] and [Conversation].
func FromInterface(cfg vpc.Config, ids ...string) Option {
	return func(o *options) {
		o.cfg = &cfg
		o.fromIfs = append(o.fromIfs, ids...)
		o.fromAny = o.fromAny || len(ids) == 0
	}
}

// ToInterface makes every packet, dial or conversation go to an address of
// one of the named interfaces of cfg, or of any of its interfaces when no
// id is given. It implies [In](cfg). Heeded by [Packet], [Dial] and
// [Conversation]:
//
//	pfsimtest.Packet(pfsimtest.From(internet), pfsimtest.ToInterface(cfg, "eni-web"))
func ToInterface(cfg vpc.Config, ids ...string) Option {
	return func(o *options) {
		o.cfg = &cfg
		o.toIfs = append(o.toIfs, ids...)
		o.toAny = o.toAny || len(ids) == 0
	}
}

// Protocols restricts packets, conversations and dials to these protocols
// (a dial is TCP, ICMP or ICMPv6), and the rules [NACLRule], [SGRule] and
// the generators built on them draw to these protocols and -1 (all).
func Protocols(ps ...flow.Proto) Option {
	return func(o *options) { o.protos = append(o.protos, ps...) }
}

// OnlyIPv4 draws IPv4 addresses, prefixes and packets only. Every
// generator heeds it; VPCs drawn with it have no IPv6 blocks.
func OnlyIPv4() Option { return func(o *options) { o.family = 4 } }

// OnlyIPv6 draws IPv6 addresses, prefixes and packets only. A VPC drawn
// with it still has the IPv4 blocks AWS requires, and an IPv6 block in
// every subnet; its rules are IPv6. Every generator but [Interface] heeds
// it.
func OnlyIPv6() Option { return func(o *options) { o.family = 6 } }

func masked(ps []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if p.IsValid() {
			out = append(out, p.Masked())
		}
	}
	return out
}

// wants reports whether the options allow family fam (4 or 6).
func (o *options) wants(fam int) bool { return o.family == 0 || o.family == fam }

// allowsProto reports whether the options allow packets of protocol p.
func (o *options) allowsProto(p flow.Proto) bool {
	return len(o.protos) == 0 || slices.Contains(o.protos, p)
}
