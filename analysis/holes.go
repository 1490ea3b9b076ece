package analysis

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/vpc"
)

// Clients is a kind of client and the source ports it picks for its
// connections: the destination ports of the replies it expects.
type Clients struct {
	Name     string `json:"name"`
	From, To uint16
}

// String reads "Linux 32768-60999".
func (c Clients) String() string {
	return c.Name + " " + strconv.Itoa(int(c.From)) + "-" + strconv.Itoa(int(c.To))
}

// The client port ranges holes are checked for (NACL-20, NACL-21): the
// Linux kernel's default ip_local_port_range, recent Windows', and the
// range AWS gives for NAT gateways and Elastic Load Balancing, which is
// also AWS's advice for an ACL that serves clients of every kind.
var (
	LinuxClients   = Clients{"Linux", 32768, 60999}
	WindowsClients = Clients{"Windows", 49152, 65535}
	NATClients     = Clients{"NAT gateways and load balancers", 1024, 65535}
)

// Hole is a reply path a stateless network ACL breaks: flows the
// interface admits as new (its groups and its ACL let them in, or out),
// whose replies the same ACL drops for some clients (NACL-19, NACL-20,
// TRACE-B, TRACE-C); or flows between the interface and an interface of
// another subnet of the VPC, which the VPC delivers from one end to the
// other, whose replies that other subnet's ACL drops (MODEL-7). Security
// groups never drop these replies: they track the connection (SG-29), or,
// when they do not (CT-3), their rules admit the replies as well.
type Hole struct {
	Interface string `json:"interface"`
	// ACL is the network ACL that drops the replies: the interface's
	// subnet's, or PeerSubnet's when that is set.
	ACL string `json:"acl"`
	// PeerSubnet is set when the replies are dropped at the other end:
	// the flows' peers are interfaces of this subnet, and ACL is its ACL
	// (inbound when the peers are the clients, outbound when they serve).
	PeerSubnet string `json:"peer_subnet,omitempty"`
	// Direction is the direction of the flows: ingress for connections
	// the interface accepts (it serves), egress for those it opens.
	Direction flow.Direction `json:"direction"`
	// Flows words the flows whose replies are dropped: "tcp 443 from
	// 0.0.0.0/0".
	Flows string `json:"flows"`
	// Clients lists the kinds of client whose replies are dropped.
	Clients []string `json:"clients"`
	// Replies words the dropped replies: "tcp 32768-60999 to 0.0.0.0/0".
	Replies string `json:"replies"`
	// Request and Reply show it: a new flow the interface admits, then
	// its reply dropped by the ACL, one after the other on one VPC:
	// across the interface ([vpc.ENI.Cross]), or, for a hole at the other
	// end, along the whole path between the two interfaces
	// ([vpc.VPC.Send]).
	Request Check `json:"request"`
	Reply   Check `json:"reply"`
	// Fix is the rule to add, in words a user can apply; FixRule is the
	// rule and FixDirection its list.
	Fix          string         `json:"fix"`
	FixRule      nacl.Rule      `json:"-"`
	FixDirection flow.Direction `json:"fix_direction"`
	// Fixed reports the fix re-evaluated: with the rule added, no reply of
	// these flows is dropped for any client checked, and the reply above
	// gets through (for a hole at the other end whose reply the
	// interface's own ACL drops as well, with the fixes proposed for that
	// ACL's holes too).
	Fixed bool `json:"fixed"`

	requests Space
}

// Requests returns the new flows of the hole whose replies the ACL drops,
// for the client port ranges checked: a tcp or udp request is in it when
// its source port (the client's) is in a range that breaks.
func (h Hole) Requests() Space { return h.requests }

// String reads "interface eni-web: replies to tcp 80 from 0.0.0.0/0 are
// dropped by network ACL acl-web egress for Linux 32768-60999, ...; add
// ...".
func (h Hole) String() string {
	verb := "accepts"
	if h.Direction == flow.Egress {
		verb = "opens"
	}
	acl := h.ACL
	if h.PeerSubnet != "" {
		acl += " (of " + h.PeerSubnet + ", at the other end)"
	}
	return fmt.Sprintf("interface %s %s %s, but network ACL %s %s drops the replies (%s) for %s: %s",
		h.Interface, verb, h.Flows, acl, h.FixDirection, h.Replies, strings.Join(h.Clients, ", "), h.Fix)
}

// Holes returns the reply-path holes of every interface, sorted by
// interface: each interface's own, then those at the other end of its
// flows with the interfaces of other subnets, as [Model.InterfaceHoles]
// finds them. A broken reply path between two subnets shows from both
// ends (a request of one interface's ingress flows is one of the other's
// egress flows); a hole at the other end is left out when the other
// end's own holes already hold all its requests, with the same ACL and
// direction, so that each appears once. Left in, it holds requests the
// others do not: its client port ranges are the other end's.
func (m *Model) Holes() []Hole {
	fx := fixes{}
	covered := map[aclKey]Space{}
	byIface := map[string][]Hole{}
	for _, id := range m.Interfaces() {
		byIface[id], _ = m.interfaceHoles(id, fx, covered, true, false)
	}
	var out []Hole
	for _, id := range m.Interfaces() {
		hs, _ := m.interfaceHoles(id, fx, covered, false, true)
		out = append(append(out, byIface[id]...), hs...)
	}
	return out
}

// fixes remembers the rules already proposed for each ACL and direction,
// so that the fixes of several holes can all be made: one rule gets one
// number, two rules two numbers.
type fixes map[aclKey][]nacl.Rule

// InterfaceHoles returns the reply-path holes of one interface: for the
// flows it accepts, from Linux, Windows, NAT gateway and load-balancer
// clients, whether the subnet's ACL lets their replies out; for the flows
// it opens, from its own Linux or Windows client ports, whether the ACL
// lets their replies in. When the peers are interfaces of another subnet
// of the VPC, the replies cross that subnet's ACL as well (MODEL-7): for
// the flows the VPC delivers between the two, whether it lets the
// replies in to the clients there, or out from the servers there; those
// holes come after the interface's own, one subnet at a time. Peers in
// the interface's own subnet are left out (their traffic meets no ACL,
// MODEL-3), and so are AWS services (NOT-10). ICMP queries are checked with their reply type (echo request,
// echo reply); other protocols without ports with their reversed
// addresses.
func (m *Model) InterfaceHoles(iface string) ([]Hole, error) {
	return m.interfaceHoles(iface, fixes{}, nil, true, true)
}

// interfaceHoles finds the holes in the interface's own ACL (own) and
// at the other end of its flows with other subnets (others). Own holes'
// requests are added to covered, by ACL and direction, when it is not
// nil; a hole at the other end whose requests covered holds is left
// out.
func (m *Model) interfaceHoles(iface string, fx fixes, covered map[aclKey]Space, own, others bool) ([]Hole, error) {
	itf, err := m.iface(iface)
	if err != nil {
		return nil, err
	}
	aclID := m.aclOf(itf)
	var out []Hole
	for _, dir := range []flow.Direction{flow.Ingress, flow.Egress} {
		f, err := m.Path(iface, dir)
		if err != nil {
			return nil, err
		}
		peer := lvSrc
		clients := []Clients{LinuxClients, WindowsClients, NATClients}
		if dir == flow.Egress {
			peer, clients = lvDst, []Clients{LinuxClients, WindowsClients}
		}
		sub := m.subnets[itf.Subnet]
		// Peers whose traffic meets no filter, or not this ACL.
		ignored := m.exemptOn(peer).Union(addrSpace(peer, []netip.Prefix{sub.CIDR, sub.IPv6CIDR}))
		flows := f.allowed.Minus(ignored)
		if own {
			at := site{itf: itf, dir: dir, acl: aclID, aclDir: dir.Reverse(), clients: clients,
				replyACL: m.aclSpace(aclID, dir.Reverse()), dontCare: swapAddrs(ignored)}
			hs := m.classHoles(at, flows, ignored, fx)
			out = append(out, hs...)
			for _, h := range hs {
				if covered != nil {
					k := aclKey{h.ACL, h.FixDirection}
					covered[k] = covered[k].Union(h.requests)
				}
			}
		}
		if !others {
			continue
		}

		// Peers that are interfaces of another subnet: the reply crosses
		// that subnet's ACL too, inbound when the peer is the client,
		// outbound when it is the server (MODEL-7). The flows are those
		// the VPC delivers from one end to the other.
		for _, sid := range slices.Sorted(maps.Keys(m.subnets)) {
			if sid == itf.Subnet {
				continue
			}
			var addrs []netip.Addr
			for _, id := range m.Interfaces() {
				if o := m.ifaces[id]; o.Subnet == sid {
					addrs = append(addrs, addrsOf(o)...)
				}
			}
			if len(addrs) == 0 {
				continue
			}
			ends := SrcAddrs(addrs...).Intersect(DstAddrs(addrsOf(itf)...))
			if dir == flow.Egress {
				ends = SrcAddrs(addrsOf(itf)...).Intersect(DstAddrs(addrs...))
			}
			delivered := m.Reach().Intersect(ends).Minus(m.Unfiltered())
			peerACL := m.aclOf(&vpc.Interface{Subnet: sid})
			at := site{itf: itf, dir: dir, acl: peerACL, aclDir: dir, peerSubnet: sid, clients: clients,
				replyACL: m.aclSpace(peerACL, dir), dontCare: swapAddrs(m.exemptOn(peer)),
				ownACL: m.aclSpace(aclID, dir.Reverse()), covered: covered[aclKey{peerACL, dir}]}
			out = append(out, m.classHoles(at, delivered, m.exemptOn(peer), fx)...)
		}
	}
	return out, nil
}

// site is where replies are checked: the ACL on their path and its
// direction, for the flows of one interface in one direction.
type site struct {
	itf     *vpc.Interface
	dir     flow.Direction // of the flows, at itf
	acl     string
	aclDir  flow.Direction // of the replies, at acl
	clients []Clients
	// replyACL is what acl allows in aclDir; dontCare the replies' peers
	// the words may take in or leave out.
	replyACL, dontCare Space
	// peerSubnet is set when acl is the one of the other end's subnet;
	// then ownACL is what the interface's own ACL lets the replies
	// through, the other ACL on their path.
	peerSubnet string
	ownACL     Space
	// covered holds requests already in other holes of the same ACL and
	// direction: a hole none of whose requests is outside is left out.
	covered Space
}

// classHoles checks flows one class at a time: one hole, and one fix,
// per family and kind of protocol (tcp, udp, icmp, the others).
func (m *Model) classHoles(at site, flows, ignored Space, fx fixes) []Hole {
	var out []Hole
	for fam := range 2 {
		for _, kind := range protoKinds(fam) {
			class := flows.Intersect(familySpace(fam)).Intersect(kind)
			if class.IsEmpty() {
				continue
			}
			if h, ok := m.hole(at, class, fx); ok {
				h.Flows = flowsText(class, at.dir, ignored)
				out = append(out, h)
			}
		}
	}
	return out
}

// protoKinds splits a family's protocols: tcp, udp, icmp (or icmpv6),
// and all the others.
func protoKinds(fam int) []Space {
	icmp := Proto(flow.ICMP)
	if fam == 1 {
		icmp = Proto(flow.ICMPv6)
	}
	l4 := Proto(flow.TCP, flow.UDP, flow.ICMP, flow.ICMPv6)
	return []Space{Proto(flow.TCP), Proto(flow.UDP), icmp, All().Minus(l4)}
}

// flowsText words a class of flows by their services and peers: "tcp 443
// from 0.0.0.0/0", "udp 53 to 10.0.0.0/8".
func flowsText(class Space, dir flow.Direction, dontCare Space) string {
	var parts []string
	level := peerLevel(dir)
	for _, g := range byPeers(class, level) {
		peers := g.src
		if level == lvDst {
			peers = g.dst
		}
		set := addrSetOr(g.fam, peers, dontCare, level)
		parts = append(parts, serviceText(describeServices(g.fam, g.svc))+" "+peerWord(dir)+" "+set.String())
	}
	return strings.Join(parts, "; ")
}

// repliesText words dropped replies going in direction dir: "tcp to
// ports 1024-65535 of 0.0.0.0/0", "icmp types 0, 14 to 0.0.0.0/0".
func repliesText(dropped Space, dir flow.Direction, dontCare Space) string {
	// Replies go to the peer when outbound, come from it when inbound.
	level, word := lvDst, " to "
	if dir == flow.Ingress {
		level, word = lvSrc, " from "
	}
	var parts []string
	for fam := range 2 {
		s := dropped.Intersect(familySpace(fam))
		if s.IsEmpty() {
			continue
		}
		var what []string
		var peers [][2]u128
		ports := map[int][][2]u128{}
		var protos []int
		walk(s.n, func(b *box) bool {
			peers = appendRanges(peers, [][2]u128{{b.lo[level], b.hi[level]}})
			for p := b.lo[lvProto].small(); p <= b.hi[lvProto].small(); p++ {
				if !slices.Contains(protos, p) {
					protos = append(protos, p)
				}
				switch kindOf(fam, p) {
				case l4Ports:
					ports[p] = appendRanges(ports[p], [][2]u128{{b.lo[lvB], b.hi[lvB]}})
				case l4ICMP:
					ports[p] = appendRanges(ports[p], [][2]u128{{b.lo[lvA], b.hi[lvA]}})
				}
			}
			return true
		})
		slices.Sort(protos)
		set := orAddrs(addrSet(fam, peers), dontCare, level).String()
		var others []int
		for _, p := range protos {
			name := flow.Proto(p).String()
			var list []string
			for _, r := range ports[p] {
				list = append(list, rangeText(r[0].lo, r[1].lo))
			}
			switch kindOf(fam, p) {
			case l4Ports:
				if dir == flow.Egress {
					what = append(what, name+" to "+set+" ports "+strings.Join(list, ", "))
				} else {
					what = append(what, name+" from "+set+" to ports "+strings.Join(list, ", "))
				}
			case l4ICMP:
				w := " type "
				if len(list) > 1 || strings.Contains(list[0], "-") {
					w = " types "
				}
				what = append(what, name+w+strings.Join(list, ", ")+word+set)
			default:
				others = append(others, p)
			}
		}
		switch {
		case len(others) == 1:
			what = append(what, flow.Proto(others[0]).String()+word+set)
		case len(others) > 1:
			what = append(what, strconv.Itoa(len(others))+" other protocols"+word+set)
		}
		parts = append(parts, what...)
	}
	return strings.Join(parts, "; ")
}

func peerWord(dir flow.Direction) string {
	if dir == flow.Egress {
		return "to"
	}
	return "from"
}

// byPeers is bySources for either address: groups of services with the
// same peers (sources for ingress, destinations for egress). The peers
// are in each group's src.
func byPeers(s Space, peer int) []group {
	if peer == lvSrc {
		return bySources(s)
	}
	gs := bySources(swapAddrs(s))
	for i := range gs {
		gs[i].src, gs[i].dst = gs[i].dst, gs[i].src
	}
	// g.node() takes src and dst as given: the peers are now dst, the
	// sources every address.
	return gs
}

// swapAddrs exchanges the source and destination addresses of every
// packet of s.
func swapAddrs(s Space) Space {
	var bs []box
	walk(s.n, func(b *box) bool {
		t := *b
		t.lo[lvSrc], t.lo[lvDst] = b.lo[lvDst], b.lo[lvSrc]
		t.hi[lvSrc], t.hi[lvDst] = b.hi[lvDst], b.hi[lvSrc]
		bs = append(bs, t)
		return true
	})
	return Space{fromBoxes(bs)}
}

// replies returns the replies of the flows of s, as the evaluators
// reverse a packet ([flow.Packet.Reverse]): addresses and ports swapped,
// an ICMP query's type turned into its reply's. ICMP messages that are
// not queries have no reply and are left out.
func replies(s Space) Space { return reverse(s, false) }

// requestsOf is the inverse of replies: the requests whose replies are
// in s.
func requestsOf(s Space) Space { return reverse(s, true) }

// reverse swaps addresses and ports; for ICMP it keeps the queries of one
// side (requests, or replies when back is set) and turns them into the
// other.
func reverse(s Space, back bool) Space {
	var bs []box
	walk(s.n, func(b *box) bool {
		t := *b
		t.lo[lvSrc], t.lo[lvDst] = b.lo[lvDst], b.lo[lvSrc]
		t.hi[lvSrc], t.hi[lvDst] = b.hi[lvDst], b.hi[lvSrc]
		fam := b.lo[lvFam].small()
		proto := b.lo[lvProto].small()
		switch kindOf(fam, proto) {
		case l4Ports:
			t.lo[lvA], t.lo[lvB] = b.lo[lvB], b.lo[lvA]
			t.hi[lvA], t.hi[lvB] = b.hi[lvB], b.hi[lvA]
		case l4ICMP:
			for typ := b.lo[lvA].small(); typ <= b.hi[lvA].small(); typ++ {
				if req, ok := flow.ICMPQuery(flow.Proto(proto), uint8(typ)); ok && req != back {
					r, _ := flow.ICMPPeerType(flow.Proto(proto), uint8(typ))
					t.lo[lvA], t.hi[lvA] = u64(uint64(r)), u64(uint64(r))
					bs = append(bs, t)
				}
			}
			return true
		}
		bs = append(bs, t)
		return true
	})
	return Space{fromBoxes(bs)}
}

// hole checks one class of flows (one service set, one set of peers)
// for every kind of client.
func (m *Model) hole(at site, class Space, fx fixes) (Hole, bool) {
	itf, dir, aclID := at.itf, at.dir, at.acl
	ported := class.Intersect(Proto(flow.TCP, flow.UDP))
	rest := class.Minus(ported)
	var broken []Clients
	var dropped Space
	var requests Space
	for _, c := range at.clients {
		q := ported.Intersect(SrcPorts(c.From, c.To))
		d := replies(q).Minus(at.replyACL)
		if !d.IsEmpty() {
			broken = append(broken, c)
			dropped = dropped.Union(d)
			requests = requests.Union(q.Intersect(requestsOf(d)))
		}
	}
	other := replies(rest).Minus(at.replyACL)
	requests = requests.Union(rest.Intersect(requestsOf(other)))
	if dropped.IsEmpty() && other.IsEmpty() || requests.Minus(at.covered).IsEmpty() {
		return Hole{}, false
	}
	dropped = dropped.Union(other)
	h := Hole{Interface: itf.ID, ACL: aclID, PeerSubnet: at.peerSubnet, Direction: dir, FixDirection: at.aclDir, requests: requests}
	for _, c := range broken {
		h.Clients = append(h.Clients, c.String())
	}
	if !other.IsEmpty() {
		h.Clients = append(h.Clients, "every client")
	}
	h.Replies = repliesText(dropped, dir.Reverse(), at.dontCare)

	// Show it: the reply, then its request, run on one VPC. At the other
	// end's ACL, a reply the interface's own ACL lets through if there is
	// one, so that the path shows this ACL dropping it.
	hints := m.ifaceHints(itf, dir.Reverse())
	hints.sports, hints.dports = u64s(dportPrefs), u64s(clientPorts)
	shown := dropped
	if at.peerSubnet != "" && dropped.Overlaps(at.ownACL) {
		shown = dropped.Intersect(at.ownACL)
	}
	reply, _ := shown.witness(hints)
	req := reply.Reverse()
	if req.Proto == flow.TCP {
		req.Flags, reply.Flags = flow.SYN, flow.SYN|flow.ACK
	}
	run := func(cfg vpc.Config) (Check, Check) {
		if at.peerSubnet != "" {
			return sendPair(cfg, req, reply)
		}
		return exchange(cfg, itf.ID, dir, req, reply)
	}
	h.Request, h.Reply = run(m.cfg)

	// The fix: one rule that admits the dropped replies, numbered before
	// whatever drops them.
	acl := *m.acls[aclID]
	k := aclKey{aclID, at.aclDir}
	rule, ok := fixRule(&acl, at.aclDir, dropped, broken, reply, fx[k])
	if !ok {
		h.Fix = "no rule number is free before the rules that drop these replies: renumber the ACL's rules"
		return h, true
	}
	h.FixRule = rule
	h.Fix = "add to network ACL " + aclID + " " + at.aclDir.String() + ": " + rule.String()
	if !slices.Contains(fx[k], rule) {
		fx[k] = append(fx[k], rule)
	}

	// Prove it: the ACL with the rule drops no reply of the class for any
	// client, and the exchange above now goes through.
	fixed := addRule(acl, at.aclDir, rule)
	after := aclSpace(&fixed, at.aclDir)
	h.Fixed = true
	for _, c := range broken {
		if !replies(ported.Intersect(SrcPorts(c.From, c.To))).Minus(after).IsEmpty() {
			h.Fixed = false
		}
	}
	if !replies(rest).Minus(after).IsEmpty() {
		h.Fixed = false
	}
	cfg := withACL(m.cfg, fixed)
	if at.peerSubnet != "" && !at.ownACL.Contains(reply) {
		// The interface's own ACL drops this reply too: with the fixes
		// proposed for it as well.
		own := m.aclOf(itf)
		a := fixed
		if own != aclID {
			a = *m.acls[own]
		}
		for _, r := range fx[aclKey{own, dir.Reverse()}] {
			a = addRule(a, dir.Reverse(), r)
		}
		cfg = withACL(cfg, a)
	}
	if _, r := run(cfg); r.Verdict != flow.Allow {
		h.Fixed = false
	}
	return h, true
}

// addRule returns a copy of a with rule r added to its list of
// direction dir.
func addRule(a nacl.ACL, dir flow.Direction, r nacl.Rule) nacl.ACL {
	if dir == flow.Egress {
		a.Egress = append(slices.Clone(a.Egress), r)
	} else {
		a.Ingress = append(slices.Clone(a.Ingress), r)
	}
	return a
}

// sendPair sends a request through the VPC from one interface to the
// other, then its reply back, on one fresh VPC ([vpc.VPC.Send]): each
// meets both ends' filters, and the reply the connections the request
// opened.
func sendPair(cfg vpc.Config, req, reply flow.Packet) (Check, Check) {
	v, err := vpc.New(cfg)
	if err != nil {
		return Check{Packet: req, Verdict: flow.Drop, Why: err.Error()}, Check{Packet: reply, Verdict: flow.Drop, Why: err.Error()}
	}
	run := func(p flow.Packet) Check {
		path, err := v.Send(&p, epoch)
		if err != nil {
			return Check{Packet: p, Verdict: flow.Drop, Why: "not delivered: " + err.Error()}
		}
		return Check{Packet: p, Verdict: path.Final.Verdict, Why: path.Explain()}
	}
	return run(req), run(reply)
}

// exchange runs a request across the interface in direction dir, then its
// reply the other way, on one fresh VPC: the reply meets the tracked
// connection the request opened, as in life.
func exchange(cfg vpc.Config, iface string, dir flow.Direction, req, reply flow.Packet) (Check, Check) {
	v, err := vpc.New(cfg)
	if err != nil {
		return Check{Packet: req, Verdict: flow.Drop, Why: err.Error()}, Check{Packet: reply, Verdict: flow.Drop, Why: err.Error()}
	}
	eni, err := v.ENI(iface)
	if err != nil {
		return Check{Packet: req, Verdict: flow.Drop, Why: err.Error()}, Check{Packet: reply, Verdict: flow.Drop, Why: err.Error()}
	}
	run := func(p flow.Packet, d flow.Direction) Check {
		var path vpc.Path
		if err := eni.Cross(&p, d, epoch, &path); err != nil {
			return Check{Packet: p, Verdict: flow.Drop, Why: err.Error()}
		}
		return Check{Packet: p, Verdict: path.Final.Verdict, Why: path.Explain()}
	}
	return run(req, dir), run(reply, dir.Reverse())
}

// withACL returns cfg with network ACL a replacing the one of its id (or
// added, for the default ACL when cfg does not declare it).
func withACL(cfg vpc.Config, a nacl.ACL) vpc.Config {
	cfg = cloneConfig(cfg)
	if i := slices.IndexFunc(cfg.NetworkACLs, func(x nacl.ACL) bool { return x.ID == a.ID }); i >= 0 {
		cfg.NetworkACLs[i] = a
	} else {
		cfg.NetworkACLs = append(cfg.NetworkACLs, a)
	}
	return cfg
}

// fixRule returns one allow rule of direction dir that admits the
// dropped replies: their protocol, the client ports (the widest range of
// the broken kinds of client), the smallest prefix holding their peers;
// numbered before every rule that now drops one of them.
func fixRule(a *nacl.ACL, dir flow.Direction, dropped Space, broken []Clients, reply flow.Packet, proposed []nacl.Rule) (nacl.Rule, bool) {
	r := nacl.Rule{Action: nacl.Allow, Protocol: flow.ProtocolOf(reply.Proto)}
	protos := map[flow.Proto]bool{}
	walk(dropped.n, func(b *box) bool {
		for p := b.lo[lvProto].small(); p <= b.hi[lvProto].small(); p++ {
			protos[flow.Proto(p)] = true
		}
		return true
	})
	if len(protos) > 1 {
		r.Protocol = flow.AnyProtocol
	}
	// The peers: destinations of outbound replies, sources of inbound.
	peer := lvDst
	if dir == flow.Ingress {
		peer = lvSrc
	}
	fam := 0
	if reply.Is6() {
		fam = 1
	}
	lo, hi := max128, zero128
	walk(dropped.Intersect(familySpace(fam)).n, func(b *box) bool {
		lo, hi = minU(lo, b.lo[peer]), maxU(hi, b.hi[peer])
		return true
	})
	first, last := keyAddr(fam, lo), keyAddr(fam, hi)
	r.CIDR = netip.PrefixFrom(first, first.BitLen())
	for !r.CIDR.Contains(last) && r.CIDR.Bits() > 0 {
		r.CIDR, _ = first.Prefix(r.CIDR.Bits() - 1)
	}
	switch {
	case r.HasPorts():
		r.FromPort, r.ToPort = 65535, 0
		for _, c := range broken {
			r.FromPort, r.ToPort = min(r.FromPort, int(c.From)), max(r.ToPort, int(c.To))
		}
		if len(broken) == 0 { // not reached: ported replies come with a client kind
			r.FromPort, r.ToPort = int(reply.DstPort), int(reply.DstPort)
		}
	case r.HasICMP():
		r.ICMPType, r.ICMPCode = int(reply.ICMPType), -1
		types := map[int]bool{}
		walk(dropped.n, func(b *box) bool {
			for t := b.lo[lvA].small(); t <= b.hi[lvA].small(); t++ {
				types[t] = true
			}
			return true
		})
		if len(types) > 1 {
			r.ICMPType = -1
		}
	}
	// Before the first rule that drops one of the replies.
	below := flow.DefaultRuleV4
	rules := aclRules(a, dir)
	var covered Space
	for i := range rules {
		mi := ruleMatch(&rules[i], dir)
		if rules[i].Action == nacl.Deny && mi.Minus(covered).Overlaps(dropped) {
			below = rules[i].Number
			break
		}
		covered = covered.Union(mi)
	}
	// The same rule proposed for another hole keeps its number; another
	// rule gets a number of its own.
	for _, p := range proposed {
		q := p
		q.Number = r.Number // not numbered yet
		if q == r && p.Number < below {
			return p, true
		}
	}
	n, ok := freeNumber(append(slices.Clone(rules), proposed...), below)
	r.Number = n
	return r, ok
}

func familySpace(fam int) Space {
	if fam == 1 {
		return IPv6()
	}
	return IPv4()
}

// freeNumber returns an unused rule number below `below`, in the gap just
// under it if that has room, so that the new rule comes after every rule
// it can come after; every number of that gap means the same. It picks a
// round one: after the last rule (110 after 100) when below is the `*`
// rule, just before below otherwise (90 before 100).
func freeNumber(rules []nacl.Rule, below int) (int, bool) {
	below = min(below, flow.DefaultRuleV4)
	for below > 1 {
		prev := 0
		for _, r := range rules {
			if r.Number < below && r.Number > prev {
				prev = r.Number
			}
		}
		if prev+1 < below {
			for _, step := range []int{10, 5} {
				n := (below - 1) / step * step // the last multiple before below
				if below == flow.DefaultRuleV4 {
					n = (prev/step + 1) * step // the first after prev
				}
				if n > prev && n < below && n <= 32766 {
					return n, true
				}
			}
			return prev + 1, true
		}
		below = prev
	}
	return 0, false
}
