package vpc

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// Hop is one filter a packet met on its path.
type Hop struct {
	// Decision is what the filter decided.
	Decision flow.Decision
	// at is the interface, in the configuration the packet met, whose
	// security groups or whose subnet's network ACL the filter is. That
	// configuration is immutable, so its rule sets give the words of the
	// decision even after the VPC has changed.
	at *ifaceState
}

// Interface returns the id of the interface whose security groups, or
// whose subnet's network ACL, the filter is.
func (h *Hop) Interface() string { return h.at.ID }

// Subnet returns the id of that interface's subnet.
func (h *Hop) Subnet() string { return h.at.subnet.ID }

// Detail returns what the words of the hop's decision about p need: the
// ACL's id or the security group, and the deciding rule's text.
func (h *Hop) Detail(p *flow.Packet) flow.Detail {
	x := flow.Detail{Packet: *p}
	switch h.Decision.Stage {
	case flow.StageNACL:
		h.at.subnet.acl.Describe(&h.Decision, &x)
	case flow.StageSG:
		h.at.stage.Set().Describe(&h.Decision, &x)
	}
	return x
}

// Explain renders the hop's decision about p as a sentence.
func (h *Hop) Explain(p *flow.Packet) string {
	x := h.Detail(p)
	return h.Decision.Explain(&x)
}

// Path is the journey of one packet through the VPC's filters.
type Path struct {
	// From and To are the interfaces at either end; "" for an address
	// outside the VPC.
	From, To string
	// Packet is the packet sent.
	Packet flow.Packet
	// Hops are the filters met, in order; the last one decided. Traffic
	// to an AWS service meets none (NOT-10).
	Hops []Hop
	// Final sums the hops up (see [VPC.Send]): the verdict, the filter
	// that decided, and the connection-tracking outcome at the
	// destination interface (or at the source, when the destination is
	// outside the VPC or was not reached).
	Final flow.Decision
	// Exempt names the AWS service the packet goes to or comes from, when
	// no filter sees it.
	Exempt string
}

// Allowed reports whether the packet reached its destination.
func (p *Path) Allowed() bool { return p.Final.Verdict == flow.Allow }

// Detail returns what the words of Final need: those of the hop that
// decided, or the AWS service of exempt traffic.
func (p *Path) Detail() flow.Detail {
	switch {
	case p.Exempt != "":
		return flow.Detail{Packet: p.Packet, Group: p.Exempt}
	case len(p.Hops) == 0:
		return flow.Detail{Packet: p.Packet}
	}
	return p.Hops[len(p.Hops)-1].Detail(&p.Packet)
}

// Why renders Final as one sentence: why the packet got through or not.
func (p *Path) Why() string {
	x := p.Detail()
	return p.Final.Explain(&x)
}

// Explain renders the path as sentences, one per filter met, joined by
// "; then ".
func (p *Path) Explain() string {
	if p.Exempt != "" || len(p.Hops) == 0 {
		return p.Why()
	}
	var b strings.Builder
	for i := range p.Hops {
		if i > 0 {
			b.WriteString("; then ")
		}
		b.WriteString(p.Hops[i].Explain(&p.Packet))
	}
	return b.String()
}

// Send evaluates packet p at time now along its path through the VPC
// (MODEL-7): leaving an interface (the packet's source is its address) it
// goes first through that interface's security groups, then through the
// outbound rules of its subnet's network ACL; arriving at an interface it
// goes through the inbound rules of the destination subnet's ACL, then
// through that interface's security groups.
// Between two interfaces of one subnet no ACL is evaluated (MODEL-3).
// Traffic to or from AWS's own services is not filtered (NOT-10). The
// first filter that drops ends the path (MODEL-8).
//
// The path's Final decision is the last hop's: the filter that dropped
// the packet, or the last one passed. When that filter keeps no state (a
// network ACL), the tracking outcome of the latest security-group hop
// before it is carried into Final, so that an egress packet allowed by
// the ACL still says what its security groups tracked (CT-21).
//
// It returns an error if neither address is an interface's, or both are
// the same interface's, or if now is a time the connection tables refuse
// ([conntrack.CheckTime]: the zero time.Time, or one before 1900 or after
// 2200).
func (v *VPC) Send(p *flow.Packet, now time.Time) (Path, error) {
	path := Path{Hops: make([]Hop, 0, maxHops)}
	err := v.SendInto(p, now, &path)
	return path, err
}

// SendInto is Send writing its result into *path, whose fields it
// overwrites; it reuses path.Hops' array, so a caller that sends many
// packets through one Path allocates nothing once that array holds four
// hops. The Path must not be used by another goroutine meanwhile.
func (v *VPC) SendInto(p *flow.Packet, now time.Time, path *Path) error {
	return v.cur.Load().send(p, now, path)
}

// ENI is a handle on one network interface of a running VPC: the filters
// a packet crosses to reach the interface from outside its subnet, or to
// leave it. It follows the VPC's changes: every packet meets the
// configuration in force when it is sent. It is what a capture taken on
// one interface, or that interface's flow log, is replayed through.
type ENI struct {
	v    *VPC
	id   string
	slot int // the interface's place in every state's bySlot
}

// ENI returns the handle of interface id, or an error if the VPC has no
// such interface.
func (v *VPC) ENI(id string) (*ENI, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	slot, ok := v.slots[id]
	if !ok || v.cur.Load().bySlot[slot] == nil {
		return nil, fmt.Errorf("interface %s: no such interface", id)
	}
	return &ENI{v: v, id: id, slot: slot}, nil
}

// ID returns the interface's id.
func (e *ENI) ID() string { return e.id }

// Cross evaluates packet p crossing the interface in direction dir at
// time now, and writes the result into *path as SendInto does: Ingress
// (p is addressed to the interface) meets the subnet's network ACL
// inbound rules, then the interface's security groups; Egress (p comes
// from the interface) the groups, then the ACL's outbound rules (MODEL-5,
// MODEL-6). When the other end is an interface of the same subnet, no ACL
// is evaluated (MODEL-3). Traffic to or from an AWS service is not
// filtered (NOT-10). Only this interface's filters are met, and only its
// connection table changes: to walk a packet between two interfaces of
// the VPC through both, use [VPC.Send].
//
// It returns an error if the interface has left the VPC, if p's
// addresses are not both IPv4 or both IPv6, or if now is a time the
// connection tables refuse ([conntrack.CheckTime]: the zero time.Time,
// or one before 1900 or after 2200). Once a Path has been used, it
// does not allocate: the path keeps its hops' array.
func (e *ENI) Cross(p *flow.Packet, dir flow.Direction, now time.Time, path *Path) error {
	st := e.v.cur.Load()
	is := st.bySlot[e.slot]
	switch {
	case is == nil:
		return fmt.Errorf("interface %s: no longer in the VPC", e.id)
	case !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4():
		return fmt.Errorf("packet %s: addresses must both be IPv4 or both IPv6", p)
	}
	if err := conntrack.CheckTime(now); err != nil {
		return fmt.Errorf("packet %s: %w", p, err)
	}
	path.reset(p)
	peer := p.Src
	if dir == flow.Egress {
		path.From, peer = is.ID, p.Dst
	} else {
		path.To = is.ID
	}
	a, _ := st.addrs.get(peer)
	if a.exempt != "" || peer.Is6() && peer.IsLinkLocalUnicast() {
		st.exemptPath(p, path)
		return nil
	}
	is.cross(p, dir, now, a.iface == nil || a.iface.subnet != is.subnet, path)
	path.Final = merge(path.Hops)
	return nil
}

// maxHops is the most filters a path meets: SG and ACL out, ACL and SG in.
const maxHops = 4

// addrEntry is what an address is to the VPC: an interface's, or an AWS
// service's, whose traffic no filter sees (or, in a VPC that lets an
// interface take a reserved address, both).
type addrEntry struct {
	iface  *ifaceState
	exempt string // what the service is; "" for none
}

// indexAddrs builds st.addrs, the one index a packet's two addresses are
// looked up in, from the interfaces' addresses and the exempt ones.
func (st *state) indexAddrs() {
	m := make(map[netip.Addr]addrEntry, len(st.byAddr)+len(st.exempt))
	for a, is := range st.byAddr {
		m[a] = addrEntry{iface: is}
	}
	for a, what := range st.exempt {
		e := m[a]
		e.exempt = what
		m[a] = e
	}
	st.addrs = newAddrIndex(m)
}

// endpoints finds the entries of p's addresses, and checks that p can
// travel in this VPC.
func (st *state) endpoints(p *flow.Packet) (src, dst addrEntry, err error) {
	src, _ = st.addrs.get(p.Src)
	dst, _ = st.addrs.get(p.Dst)
	switch {
	case !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4():
		err = fmt.Errorf("packet %s: addresses must both be IPv4 or both IPv6", p)
	case src.iface == nil && dst.iface == nil:
		err = fmt.Errorf("packet %s: neither %s nor %s is an interface's address", p, p.Src, p.Dst)
	case src.iface != nil && src.iface == dst.iface:
		err = fmt.Errorf("packet %s: from interface %s to itself", p, src.iface.ID)
	}
	return src, dst, err
}

// exemptPath fills path for p, which goes to or comes from an AWS service
// that no filter sees (NOT-10): no hops, an exempt allow.
func (st *state) exemptPath(p *flow.Packet, path *Path) {
	for i, a := range [2]netip.Addr{p.Dst, p.Src} {
		if what, ok := st.exemptWhat(a); ok {
			// Egress: towards the service; Ingress: from it. The
			// explanation names the service's end of the packet by it.
			dir := flow.Egress
			if i == 1 {
				dir = flow.Ingress
			}
			path.Exempt = what
			path.Final = flow.Decision{Verdict: flow.Allow, Stage: flow.StageExempt, Reason: flow.ReasonExempt,
				Direction: dir, Conntrack: flow.CTExempt}
			return
		}
	}
}

func (st *state) send(p *flow.Packet, now time.Time, path *Path) error {
	path.reset(p)
	if err := conntrack.CheckTime(now); err != nil {
		return fmt.Errorf("packet %s: %w", p, err)
	}
	se, de, err := st.endpoints(p)
	if err != nil {
		return err
	}
	src, dst := se.iface, de.iface
	if src != nil {
		path.From = src.ID
	}
	if dst != nil {
		path.To = dst.ID
	}
	if se.exempt != "" || de.exempt != "" || p.Src.Is6() && (p.Src.IsLinkLocalUnicast() || p.Dst.IsLinkLocalUnicast()) {
		st.exemptPath(p, path)
		if path.Exempt != "" {
			return nil
		}
	}
	// Between two interfaces of one subnet no ACL is evaluated (MODEL-3).
	withACL := src == nil || dst == nil || src.subnet != dst.subnet
	if src == nil || src.cross(p, flow.Egress, now, withACL, path) {
		if dst != nil {
			dst.cross(p, flow.Ingress, now, withACL, path)
		}
	}
	path.Final = merge(path.Hops)
	return nil
}

// cross walks p through the filters of interface is in direction dir, at
// time now, appending a hop to path for each filter met, and reports
// whether p got through. This is the one way a packet crosses pfsim's
// filters: egress meets the interface's security groups, then (withACL)
// its subnet's network ACL; ingress meets the ACL, then the groups
// (MODEL-5, MODEL-6). The first drop ends the crossing (MODEL-8).
func (is *ifaceState) cross(p *flow.Packet, dir flow.Direction, now time.Time, withACL bool, path *Path) bool {
	if dir == flow.Egress {
		return is.groups(p, dir, now, path) && (!withACL || is.acl(p, dir, path))
	}
	return (!withACL || is.acl(p, dir, path)) && is.groups(p, dir, now, path)
}

// acl appends the subnet ACL's hop and reports whether it let p through.
func (is *ifaceState) acl(p *flow.Packet, dir flow.Direction, path *Path) bool {
	h := path.add(is)
	is.subnet.acl.Evaluate(p, dir, &h.Decision)
	return h.Decision.Verdict == flow.Allow
}

// groups appends the security groups' hop and reports whether they let p
// through. The stage's set is this configuration's (vpc never replaces
// it), which Hop.Detail reads back for the words.
func (is *ifaceState) groups(p *flow.Packet, dir flow.Direction, now time.Time, path *Path) bool {
	h := path.add(is)
	is.stage.Evaluate(p, dir, now, &h.Decision)
	return h.Decision.Verdict == flow.Allow
}

// reset readies path for packet p, keeping the array of its hops. It
// sets the fields one by one: clearing the whole Path, some 200 bytes,
// costs more than the rest of a short path.
func (path *Path) reset(p *flow.Packet) {
	path.From, path.To, path.Exempt = "", "", ""
	path.Packet = *p
	if cap(path.Hops) < maxHops {
		path.Hops = make([]Hop, 0, maxHops)
	}
	path.Hops = path.Hops[:0]
	path.Final = flow.Decision{}
}

// add extends the path by a hop at interface is and returns it; the
// caller writes the whole decision. The hops' array has room (reset).
func (path *Path) add(is *ifaceState) *Hop {
	n := len(path.Hops)
	path.Hops = path.Hops[:n+1]
	h := &path.Hops[n]
	h.at = is
	return h
}

// merge sums a path's hops up into its Final decision; [VPC.Send] states
// the rule. No hops (the packet met no filter) is an Allow that no filter
// decided.
func merge(hops []Hop) flow.Decision {
	if len(hops) == 0 {
		return flow.Decision{Verdict: flow.Allow}
	}
	d := hops[len(hops)-1].Decision
	if d.Conntrack != flow.CTNone {
		return d
	}
	for i := len(hops) - 2; i >= 0; i-- {
		if from := &hops[i].Decision; from.Conntrack != flow.CTNone {
			d.Conntrack, d.Note, d.ConnState, d.Age = from.Conntrack, from.Note, from.ConnState, from.Age
			break
		}
	}
	return d
}
