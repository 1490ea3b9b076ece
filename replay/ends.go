package replay

import (
	"net/netip"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/vpc"
)

// iface is what a replay needs of one interface of the VPC.
type iface struct {
	id      string
	eni     *vpc.ENI
	subnet  string
	primary netip.Addr // the primary private IPv4 address: what flow logs show
	addrs   map[netip.Addr]bool
	// ipv4s is how many IPv4 addresses the interface has; with more than
	// one, a flow log shows the primary for each.
	ipv4s    int
	tracking conntrack.Config
}

// ends indexes the VPC's interfaces by id and by address.
type ends struct {
	byAddr map[netip.Addr]*iface
	byID   map[string]*iface
}

func newEnds(v *vpc.VPC) (*ends, error) {
	cfg := v.Config()
	e := &ends{byAddr: make(map[netip.Addr]*iface), byID: make(map[string]*iface, len(cfg.Interfaces))}
	for _, in := range cfg.Interfaces {
		eni, err := v.ENI(in.ID)
		if err != nil {
			return nil, err
		}
		f := &iface{id: in.ID, eni: eni, subnet: in.Subnet, addrs: make(map[netip.Addr]bool), ipv4s: len(in.PrivateIPs)}
		if t := v.Table(in.ID); t != nil {
			f.tracking = t.Config()
		}
		if len(in.PrivateIPs) > 0 {
			f.primary = in.PrivateIPs[0]
		}
		for _, a := range in.PrivateIPs {
			f.addrs[a] = true
			e.byAddr[a] = f
		}
		for _, a := range in.IPv6Addrs {
			f.addrs[a] = true
			e.byAddr[a] = f
		}
		e.byID[in.ID] = f
	}
	return e, nil
}

// logged returns a as a flow log shows it at interface f: the primary
// private IPv4 address in place of a secondary one.
func (f *iface) logged(a netip.Addr) netip.Addr {
	if f.ipv4s > 1 && a.Is4() && f.addrs[a] {
		return f.primary
	}
	return a
}
