package pfsimtest_test

import (
	"fmt"
	"net/netip"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/vpc"
)

// exampleT stands in for the *testing.T of a real test, so that the
// examples run and their output is checked: it prints what a test would
// report.
type exampleT struct{ failed bool }

func (t *exampleT) Helper()                   {}
func (t *exampleT) Name() string              { return "Example" }
func (t *exampleT) Logf(string, ...any)       {}
func (t *exampleT) Log(...any)                {}
func (t *exampleT) Skipf(string, ...any)      {}
func (t *exampleT) Skip(...any)               {}
func (t *exampleT) SkipNow()                  {}
func (t *exampleT) Fail()                     { t.failed = true }
func (t *exampleT) FailNow()                  { t.failed = true }
func (t *exampleT) Failed() bool              { return t.failed }
func (t *exampleT) Fatal(args ...any)         { t.Error(args...) }
func (t *exampleT) Fatalf(f string, a ...any) { t.Errorf(f, a...) }
func (t *exampleT) Error(args ...any)         { t.failed = true; fmt.Println(args...) }
func (t *exampleT) Errorf(f string, a ...any) { t.failed = true; fmt.Printf(f+"\n", a...) }

// result is what a test run would say.
func (t *exampleT) result() string {
	if t.failed {
		return "FAIL"
	}
	return "PASS"
}

// The property "only https gets in from the internet", over packets from
// anywhere on the IPv4 internet to the web server (webConfig in this
// package's tests: an ACL and a group that admit tcp/443). The packets
// lean to the edges: ports 0, 443, 444, 1023, 1024, 65535, and the AWS
// services no filter sees, such as 169.254.169.254, which would break a
// property that forgot them.
func Example_onlyHTTPSFromTheInternet() {
	t := &exampleT{} // in a test: the *testing.T
	cfg := webConfig()
	rapid.Check(t, func(t *rapid.T) {
		p := pfsimtest.Packet(pfsimtest.From(netip.MustParsePrefix("0.0.0.0/0")), pfsimtest.ToInterface(cfg, "eni-web")).Draw(t, "packet")
		if p.Proto == flow.TCP && p.DstPort == 443 || pfsimtest.Exempt(cfg, p) {
			pfsimtest.Allows(t, cfg, p)
		} else {
			pfsimtest.Drops(t, cfg, p)
		}
	})
	fmt.Println(t.result())
	// Output: PASS
}

// The property "this change breaks nothing": every connection attempt
// that connected before the change still connects after it. The change
// lets ICMP "fragmentation needed" messages through the web subnet's
// ACL, so that path MTU discovery works (CT-11).
func Example_changeBreaksNothing() {
	t := &exampleT{} // in a test: the *testing.T
	before, after := webConfig(), webConfig()
	after.NetworkACLs[0].Ingress = append(after.NetworkACLs[0].Ingress, nacl.Rule{Number: 130, Action: nacl.Allow,
		Protocol: flow.ProtocolOf(flow.ICMP), ICMPType: 3, ICMPCode: 4, CIDR: netip.MustParsePrefix("0.0.0.0/0")})
	rapid.Check(t, func(t *rapid.T) {
		d := pfsimtest.Dial(pfsimtest.In(before)).Draw(t, "dial")
		if pfsimtest.Outcome(before, d) == vpc.Connected {
			pfsimtest.Connects(t, after, d)
		}
	})
	fmt.Println(t.result())
	// Output: PASS
}

// Exact assertions range over every packet of a space, not a sample.
// Nothing outside the VPC reaches the database, on any port; and the
// change above opens nothing beyond ICMP.
func Example_exact() {
	t := &exampleT{} // in a test: the *testing.T
	cfg := webConfig()
	pfsimtest.NeverReaches(t, cfg, pfsimtest.Space{
		Src: pfsimtest.Complement(cfg.CIDR),
		Dst: []netip.Prefix{netip.MustParsePrefix("10.0.3.30/32")},
	})
	after := webConfig()
	after.NetworkACLs[0].Ingress = append(after.NetworkACLs[0].Ingress, nacl.Rule{Number: 130, Action: nacl.Allow,
		Protocol: flow.ProtocolOf(flow.ICMP), ICMPType: 3, ICMPCode: 4, CIDR: netip.MustParsePrefix("0.0.0.0/0")})
	pfsimtest.NoWiderThan(t, after, cfg, pfsimtest.Space{Protocols: []flow.Proto{flow.TCP, flow.UDP}})
	pfsimtest.Equivalent(t, after, cfg, pfsimtest.Space{Protocols: []flow.Proto{flow.TCP, flow.UDP}})
	fmt.Println(t.result())
	// Output: PASS
}

// A failing assertion shows the packet and the words of every filter on
// its path.
func ExampleAllows() {
	t := &exampleT{} // in a test: the *testing.T
	pfsimtest.Allows(t, webConfig(), flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]"))
	// Output:
	// Allows: the packet was dropped
	//     packet:  tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]
	//     between: outside and eni-web
	//     path:    dropped by network ACL acl-public ingress rule * (default deny): no rule allows tcp from 198.51.100.7 to port 22
}

// The reply to a SYN is its SYN-ACK; a VPC that tracked the SYN admits it
// whatever the group's outbound rules say.
func ExampleReply() {
	syn := flow.MustParsePacket("tcp 198.51.100.7:50000 > 10.0.1.10:443 [S]")
	synAck, _ := pfsimtest.Reply(syn)
	ack, _ := pfsimtest.Reply(synAck)
	fmt.Println(synAck)
	fmt.Println(ack)
	// Output:
	// tcp 10.0.1.10:443 > 198.51.100.7:50000 [S.]
	// tcp 198.51.100.7:50000 > 10.0.1.10:443 [.]
}

// Edits draws one-rule changes to a configuration, to check what a rule
// change may and may not do.
func ExampleEdits() {
	t := &exampleT{} // in a test: the *testing.T
	before := webConfig()
	rapid.Check(t, func(t *rapid.T) {
		e := pfsimtest.Edits(before).Draw(t, "edit")
		if _, err := vpc.New(e.Config); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
	})
	fmt.Println(t.result())
	// Output: PASS
}
