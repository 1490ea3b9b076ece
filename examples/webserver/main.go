// Command webserver tells the story pfsim starts from: a web server in a
// VPC, its security group and its subnet's network ACL, and what happens to
// each packet of a browser's connection as the rules change.
//
//	go run ./examples/webserver
//
// Every packet prints its verdict, then each filter it met (ACL, SG) with
// the explanation pfsim gives for that filter's decision.
package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webserver:", err)
		os.Exit(1)
	}
}

var (
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
	tcp      = flow.ProtocolOf(flow.TCP)
)

// The seed's security group: HTTP and SSH in from anywhere, everything out.
var seedGroup = sg.Group{
	ID: "sg-web",
	Ingress: []sg.Rule{
		{Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere, Description: "HTTP"},
		{Protocol: tcp, FromPort: 22, ToPort: 22, CIDR: anywhere, Description: "SSH"},
	},
	Egress: []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}},
}

// lab is a VPC with one subnet and the web server's interface in it,
// with a simulated clock. Packets from the internet cross the subnet's
// ACL, then the interface's groups; the server's packets the other way.
type lab struct {
	w     io.Writer
	v     *vpc.VPC
	start time.Time
	now   time.Duration
}

// The subnet and interface of the story.
var (
	subnet = vpc.Subnet{ID: "subnet-web", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-default"}
	server = vpc.Interface{ID: "eni-web", Subnet: "subnet-web", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
		Groups: []string{"sg-web"}}
)

// setACL puts network ACL a in force and associates it with the subnet.
func (l *lab) setACL(a nacl.ACL) error {
	sub := subnet
	sub.ACL = a.ID
	return l.v.Apply(vpc.Change{NetworkACLs: []nacl.ACL{a}, Subnets: []vpc.Subnet{sub}})
}

// setGroup replaces the server's security group sg-web by g.
func (l *lab) setGroup(g sg.Group) error {
	return l.v.Apply(vpc.Change{SecurityGroups: []sg.Group{g}})
}

func (l *lab) chapter(title string) { fmt.Fprintf(l.w, "\n== %s\n", title) }

// send pushes one packet, written in pfsim's packet syntax, through the
// VPC at the current simulated time and prints what happened.
func (l *lab) send(dir flow.Direction, text string) (flow.Decision, error) {
	p, err := flow.ParsePacket(text)
	if err != nil {
		return flow.Decision{}, err
	}
	path, err := l.v.Send(&p, l.start.Add(l.now))
	if err != nil {
		return flow.Decision{}, err
	}
	fmt.Fprintf(l.w, "t=%-6s %-7s %-45s %s\n", l.now, dir, text, strings.ToUpper(path.Final.Verdict.String()))
	// Every filter the packet met, in order, each with the rule that
	// decided: the ACL's allow matters as much as the group's.
	for i := range path.Hops {
		h := &path.Hops[i]
		fmt.Fprintf(l.w, "         %-3s %s\n", stageName(h.Decision.Stage), h.Explain(&path.Packet))
	}
	l.now += 10 * time.Millisecond
	return path.Final, nil
}

// stageName labels a hop: "ACL" for the subnet's network ACL, "SG" for
// the interface's security groups.
func stageName(s flow.StageKind) string {
	if s == flow.StageNACL {
		return "ACL"
	}
	return "SG"
}

type step struct {
	dir  flow.Direction
	text string
	want flow.Verdict
}

func (l *lab) play(steps ...step) error {
	for _, s := range steps {
		d, err := l.send(s.dir, s.text)
		if err != nil {
			return err
		}
		if d.Verdict != s.want {
			return fmt.Errorf("%s: got %s, the story needs %s", s.text, d.Verdict, s.want)
		}
	}
	return nil
}

func run(w io.Writer) error {
	v, err := vpc.New(vpc.Config{
		SecurityGroups: []sg.Group{seedGroup},
		NetworkACLs:    []nacl.ACL{nacl.Default("acl-default")},
		Subnets:        []vpc.Subnet{subnet},
		Interfaces:     []vpc.Interface{server},
	})
	if err != nil {
		return err
	}
	l := &lab{w: w, v: v, start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	const (
		in  = flow.Ingress
		out = flow.Egress
	)

	l.chapter("1. The seed's group behind the default ACL: HTTP works, and AWS does not even track it")
	if err := l.play(
		step{in, "tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]", flow.Allow},
		step{out, "tcp 10.0.1.10:80 > 198.51.100.7:49152 [S.]", flow.Allow},
		step{in, "tcp 198.51.100.7:49152 > 10.0.1.10:80 [.]", flow.Allow},
		step{in, "tcp 198.51.100.7:49153 > 10.0.1.10:443 [S]", flow.Drop},
	); err != nil {
		return err
	}

	l.chapter("2. Production advice: no outbound rule at all. Browsers still connect; the server cannot phone home")
	locked := seedGroup
	locked.Egress = nil
	if err := l.setGroup(locked); err != nil {
		return err
	}
	if err := l.play(
		step{in, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]", flow.Allow},
		step{out, "tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]", flow.Allow},
		step{in, "tcp 198.51.100.7:50000 > 10.0.1.10:80 [.]", flow.Allow},
		step{out, "tcp 10.0.1.10:40000 > 203.0.113.80:443 [S]", flow.Drop},
	); err != nil {
		return err
	}

	l.chapter("3. A custom network ACL that allows port 80 both ways forgets the replies' ephemeral ports")
	web := nacl.ACL{
		ID:      "acl-web",
		Ingress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
		Egress:  []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 80, ToPort: 80, CIDR: anywhere}},
	}
	if err := l.setACL(web); err != nil {
		return err
	}
	if err := l.play(
		step{in, "tcp 198.51.100.7:51234 > 10.0.1.10:80 [S]", flow.Allow},
		step{out, "tcp 10.0.1.10:80 > 198.51.100.7:51234 [S.]", flow.Drop},
	); err != nil {
		return err
	}
	fmt.Fprintln(w, "   fix: outbound rule 110 allows tcp 1024-65535 (AWS's recommended ephemeral range)")
	web.Egress = append(web.Egress, nacl.Rule{Number: 110, Action: nacl.Allow, Protocol: tcp, FromPort: 1024, ToPort: 65535, CIDR: anywhere})
	if err := l.setACL(web); err != nil {
		return err
	}
	if err := l.play(
		step{in, "tcp 198.51.100.7:51235 > 10.0.1.10:80 [S]", flow.Allow},
		step{out, "tcp 10.0.1.10:80 > 198.51.100.7:51235 [S.]", flow.Allow},
		step{in, "tcp 198.51.100.7:51235 > 10.0.1.10:80 [.]", flow.Allow},
	); err != nil {
		return err
	}

	l.chapter("4. Blocking one address: a security group cannot deny; a NACL deny must be numbered below the allow")
	block := func(denyNumber int) nacl.ACL {
		return nacl.ACL{
			ID: fmt.Sprintf("acl-block-%d", denyNumber),
			Ingress: []nacl.Rule{
				{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere},
				{Number: denyNumber, Action: nacl.Deny, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("198.51.100.66/32")},
			},
			Egress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere}},
		}
	}
	if err := l.setACL(block(90)); err != nil {
		return err
	}
	if err := l.play(
		step{in, "tcp 198.51.100.66:50020 > 10.0.1.10:80 [S]", flow.Drop},
		step{in, "tcp 198.51.100.7:50021 > 10.0.1.10:80 [S]", flow.Allow},
	); err != nil {
		return err
	}
	fmt.Fprintln(w, "   the same deny numbered 110, after allow 100, is never reached:")
	if err := l.setACL(block(110)); err != nil {
		return err
	}
	return l.play(step{in, "tcp 198.51.100.66:50022 > 10.0.1.10:80 [S]", flow.Allow})
}
