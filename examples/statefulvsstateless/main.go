// Command statefulvsstateless sends one HTTPS exchange through a network
// ACL alone and through a security group alone, side by side, to show why
// the stateless ACL needs rules for the replies and the stateful group
// does not.
//
//	go run ./examples/statefulvsstateless
package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "statefulvsstateless:", err)
		os.Exit(1)
	}
}

var (
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
	office   = netip.MustParsePrefix("198.51.100.0/24")
	tcp      = flow.ProtocolOf(flow.TCP)
)

// exchange is a browser at 198.51.100.7 fetching a page from the server
// at 10.0.1.10:443 and closing the connection.
var exchange = []struct {
	dir  flow.Direction
	text string
	what string
}{
	{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]", "client opens"},
	{flow.Egress, "tcp 10.0.1.10:443 > 198.51.100.7:50000 [S.]", "server answers"},
	{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [.]", "handshake done"},
	{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [P.]", "request"},
	{flow.Egress, "tcp 10.0.1.10:443 > 198.51.100.7:50000 [P.]", "response"},
	{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [F.]", "client closes"},
	{flow.Egress, "tcp 10.0.1.10:443 > 198.51.100.7:50000 [F.]", "server closes"},
	{flow.Ingress, "tcp 198.51.100.7:50000 > 10.0.1.10:443 [.]", "last ACK"},
}

// The ACL mirrors "HTTPS in, HTTPS out", as one might write it first.
var mirrorACL = nacl.ACL{
	ID:      "acl-https",
	Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}},
	Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}},
}

// The group allows HTTPS in from the office network only, and nothing
// out. Its inbound rule is not open to the whole internet, so AWS tracks
// the connection (CT-3) and the replies leave by tracking (SG-29).
var officeGroup = sg.Group{
	ID:      "sg-https",
	Ingress: []sg.Rule{{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: office}},
}

// openGroup lets everything through both ways, untracked: the interface
// behind the ACL alone.
var openGroup = sg.Group{
	ID:      "sg-open",
	Ingress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}},
	Egress:  []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}},
}

// server returns the server's interface in a VPC of its own: its subnet
// uses network ACL acl, and it carries group g.
func server(acl nacl.ACL, g sg.Group) (*vpc.ENI, error) {
	v, err := vpc.New(vpc.Config{
		NetworkACLs:    []nacl.ACL{acl},
		SecurityGroups: []sg.Group{g},
		Subnets:        []vpc.Subnet{{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: acl.ID}},
		Interfaces: []vpc.Interface{{ID: "eni-web", Subnet: "subnet-web",
			PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")}, Groups: []string{g.ID}}},
	})
	if err != nil {
		return nil, err
	}
	return v.ENI("eni-web")
}

// hop returns the decision of the path's filter of the given kind.
func hop(p *vpc.Path, kind flow.StageKind) flow.Decision {
	for _, h := range p.Hops {
		if h.Decision.Stage == kind {
			return h.Decision
		}
	}
	return flow.Decision{}
}

func run(w io.Writer) error {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	round := func(title string, acl nacl.ACL) error {
		// Two servers: one behind the ACL with a group that lets all
		// through, one behind the default ACL (all allowed) with the
		// office group. Each shows one kind of filter alone.
		aclAlone, err := server(acl, openGroup)
		if err != nil {
			return err
		}
		groupAlone, err := server(nacl.Default("acl-default"), officeGroup)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n== %s\n", title)
		fmt.Fprintf(w, "%-15s %-7s %-46s %-24s %s\n", "", "", "packet", "network ACL alone", "security group alone")
		var pa, pg vpc.Path
		for i, x := range exchange {
			p, err := flow.ParsePacket(x.text)
			if err != nil {
				return err
			}
			now := start.Add(time.Duration(i) * 100 * time.Millisecond)
			if err := aclAlone.Cross(&p, x.dir, now, &pa); err != nil {
				return err
			}
			if err := groupAlone.Cross(&p, x.dir, now, &pg); err != nil {
				return err
			}
			fmt.Fprintf(w, "%-15s %-7s %-46s %-24s %s\n", x.what, x.dir, x.text,
				aclCell(hop(&pa, flow.StageNACL)), groupCell(hop(&pg, flow.StageSG)))
		}
		return nil
	}
	if err := round("HTTPS in, HTTPS out: the ACL drops every reply, the group admits them", mirrorACL); err != nil {
		return err
	}
	fmt.Fprintln(w, `
The ACL is stateless (NACL-19): the server's packets go to the client's
ephemeral port 50000, not to 443, and its outbound rule 100 only allows
destination port 443. The group is stateful (SG-29): the client's SYN
opened a tracked connection, and every later packet of it, either way, is
admitted by the entry, although the group has no outbound rule at all.`)
	fixed := mirrorACL
	fixed.Egress = append(fixed.Egress, nacl.Rule{Number: 110, Action: nacl.Allow, Protocol: tcp, FromPort: 1024, ToPort: 65535, CIDR: anywhere})
	if err := round("The ACL with outbound rule 110 allowing tcp 1024-65535: now both pass", fixed); err != nil {
		return err
	}
	fmt.Fprintln(w, `
An ACL needs a rule for each direction of every exchange; the return rule
covers the range of ports clients pick (AWS recommends 1024-65535, NACL-21).`)
	return nil
}

func aclCell(d flow.Decision) string {
	return fmt.Sprintf("%s (rule %s)", d.Verdict, d.RuleLabel())
}

func groupCell(d flow.Decision) string {
	if d.Verdict == flow.Drop {
		return "drop (no rule)"
	}
	if d.Conntrack == flow.CTEstablished {
		return fmt.Sprintf("allow (tracked, %s)", d.ConnState)
	}
	return fmt.Sprintf("allow (rule, %s)", d.Conntrack)
}
