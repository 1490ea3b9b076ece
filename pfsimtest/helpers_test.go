package pfsimtest_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

var (
	tcp      = flow.ProtocolOf(flow.TCP)
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
)

// webConfig is a web server in a public subnet behind a network ACL that
// lets in tcp/443 and replies to its own connections, and a database in
// another subnet that only the web server's group may reach:
//
//	eni-web 10.0.1.10  subnet-public (acl-public)  sg-web: tcp 443 from anywhere; all out
//	eni-db  10.0.3.30  subnet-db (default ACL)     sg-db:  tcp 5432 from sg-web; all out
func webConfig() vpc.Config {
	return vpc.Config{
		CIDR: netip.MustParsePrefix("10.0.0.0/16"),
		NetworkACLs: []nacl.ACL{{ID: "acl-public",
			Ingress: []nacl.Rule{
				{Number: 100, Action: nacl.Allow, Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere},
				{Number: 110, Action: nacl.Allow, Protocol: tcp, FromPort: 1024, ToPort: 65535, CIDR: anywhere},
				{Number: 120, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: netip.MustParsePrefix("10.0.0.0/16")},
			},
			Egress: []nacl.Rule{{Number: 100, Action: nacl.Allow, Protocol: flow.AnyProtocol, CIDR: anywhere}},
		}},
		SecurityGroups: []sg.Group{
			{ID: "sg-web",
				Ingress: []sg.Rule{{Protocol: tcp, FromPort: 443, ToPort: 443, CIDR: anywhere}},
				Egress:  []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}},
			{ID: "sg-db",
				Ingress: []sg.Rule{{Protocol: tcp, FromPort: 5432, ToPort: 5432, Group: "sg-web"}},
				Egress:  []sg.Rule{{Protocol: flow.AnyProtocol, CIDR: anywhere}}},
		},
		Subnets: []vpc.Subnet{
			{ID: "subnet-public", CIDR: netip.MustParsePrefix("10.0.1.0/24"), ACL: "acl-public"},
			{ID: "subnet-db", CIDR: netip.MustParsePrefix("10.0.3.0/24")},
		},
		Interfaces: []vpc.Interface{
			{ID: "eni-web", Subnet: "subnet-public", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.1.10")},
				Groups: []string{"sg-web"}, Listening: []vpc.Port{{Proto: flow.TCP, Port: 443}}},
			{ID: "eni-db", Subnet: "subnet-db", PrivateIPs: []netip.Addr{netip.MustParseAddr("10.0.3.30")},
				Groups: []string{"sg-db"}, Listening: []vpc.Port{{Proto: flow.TCP, Port: 5432}}},
		},
	}
}

// recorder is a fake testing.T: it records what an assertion reports.
type recorder struct {
	failures []string
	helpers  int
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Helper() { r.helpers++ }

func (r *recorder) text() string { return strings.Join(r.failures, "\n") }
