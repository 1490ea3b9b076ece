package vpc

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// Hop is one stage a packet met on its path.
type Hop struct {
	// Interface is the interface whose security groups, or whose subnet's
	// network ACL, the stage belongs to.
	Interface string
	// Subnet is that interface's subnet.
	Subnet string
	// Decision is what the stage decided.
	Decision flow.Decision
}

// Path is the journey of one packet through the VPC's filters.
type Path struct {
	// From and To are the interfaces at either end; "" for an address
	// outside the VPC.
	From, To string
	// Hops are the stages met, in order; the last one decided. Traffic to
	// an AWS service meets none (NOT-10).
	Hops []Hop
	// Final merges the hops: the verdict, the stage that decided, and the
	// connection-tracking outcome at the destination interface (or at the
	// source, when the destination is outside the VPC or was not reached).
	Final flow.Decision
	// Exempt names the AWS service the packet goes to or comes from, when
	// no filter sees it.
	Exempt string
}

// Allowed reports whether the packet reached its destination.
func (p *Path) Allowed() bool { return p.Final.Verdict == flow.Allow }

// Explain renders the path as sentences, one per stage.
func (p *Path) Explain() string {
	if p.Exempt != "" {
		return p.Final.Explain()
	}
	ds := make([]flow.Decision, len(p.Hops))
	for i, h := range p.Hops {
		ds[i] = h.Decision
	}
	return flow.ExplainTrace(ds)
}

// Send evaluates packet p at time now along its path through the VPC
// (MODEL-7): leaving an interface (the packet's source is its address) it
// meets that interface's security groups, then its subnet's network ACL
// outbound rules; arriving at an interface it meets the destination
// subnet's ACL inbound rules, then that interface's security groups.
// Between two interfaces of one subnet no ACL is evaluated (MODEL-3).
// Traffic to or from AWS's own services is not filtered (NOT-10). The
// first stage that drops ends the path.
//
// It returns an error if neither address is an interface's, or both are
// the same interface's.
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
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.sent.Add(1)%sweepEvery == 0 {
		v.st.sweep(now)
	}
	return v.st.send(p, now, path)
}

// maxHops is the most stages a path meets: SG and ACL out, ACL and SG in.
const maxHops = 4

// Expired entries are removed when a packet meets them; besides, every
// sweepEvery packets, sweepSlots slots of each interface's table are
// swept, so that the tables of a long simulation do not keep every flow
// it ever saw.
const (
	sweepEvery = 1024
	sweepSlots = 4096
)

func (st *state) sweep(now time.Time) {
	for _, is := range st.ifaces {
		is.stage.Table().Sweep(now, sweepSlots)
	}
}

// endpoints finds the interfaces at either end of p and checks that p can
// travel in this VPC.
func (st *state) endpoints(p *flow.Packet) (src, dst *ifaceState, err error) {
	src, dst = st.byAddr[p.Src], st.byAddr[p.Dst]
	switch {
	case !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4():
		err = fmt.Errorf("packet %s: addresses must both be IPv4 or both IPv6", p)
	case src == nil && dst == nil:
		err = fmt.Errorf("packet %s: neither %s nor %s is an interface's address", p, p.Src, p.Dst)
	case src != nil && src == dst:
		err = fmt.Errorf("packet %s: from interface %s to itself", p, src.ID)
	}
	return src, dst, err
}

func (st *state) send(p *flow.Packet, now time.Time, path *Path) error {
	*path = Path{Hops: path.Hops[:0]}
	src, dst, err := st.endpoints(p)
	if err != nil {
		return err
	}
	if src != nil {
		path.From = src.ID
	}
	if dst != nil {
		path.To = dst.ID
	}
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
				Direction: dir, Conntrack: flow.CTExempt, GroupRule: -1, Group: what, Packet: *p}
			return nil
		}
	}
	sameSubnet := src != nil && dst != nil && src.subnet == dst.subnet
	ok := true
	if src != nil {
		h := path.add(src)
		h.Decision = src.stage.Evaluate(p, flow.Egress, now)
		ok = h.done(p)
		if ok && !sameSubnet {
			h := path.add(src)
			h.Decision = src.subnet.acl.Evaluate(p, flow.Egress, now)
			ok = h.done(p)
		}
	}
	if ok && dst != nil {
		if !sameSubnet {
			h := path.add(dst)
			h.Decision = dst.subnet.acl.Evaluate(p, flow.Ingress, now)
			ok = h.done(p)
		}
		if ok {
			h := path.add(dst)
			h.Decision = dst.stage.Evaluate(p, flow.Ingress, now)
			h.done(p)
		}
	}
	path.merge()
	path.Final.Packet = *p
	return nil
}

// add appends a hop at interface is to the path and returns it.
func (path *Path) add(is *ifaceState) *Hop {
	path.Hops = append(path.Hops, Hop{Interface: is.ID, Subnet: is.subnet.ID})
	return &path.Hops[len(path.Hops)-1]
}

// done records the packet in the hop's decision and reports whether the
// stage allowed it.
func (h *Hop) done(p *flow.Packet) bool {
	h.Decision.Packet = *p
	return h.Decision.Verdict == flow.Allow
}

// merge sets Final to flow.Merge of the hops' decisions, gathered in an
// array on the stack rather than a slice on the heap.
func (path *Path) merge() {
	var ds [maxHops]flow.Decision
	for i := range path.Hops {
		ds[i] = path.Hops[i].Decision
	}
	path.Final = flow.Merge(ds[:len(path.Hops)])
}
