package must_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/pfsimtest"
	"github.com/pfsim/pfsim/pfsimtest/must"
	"github.com/pfsim/pfsim/vpc"
)

// exampleT stands in for the *testing.T of a real test and prints what
// it would report.
type exampleT struct{ failed bool }

func (t *exampleT) Errorf(f string, a ...any) { t.failed = true; fmt.Printf(f+"\n", a...) }
func (t *exampleT) FailNow()                  { t.failed = true }

// A test of replies stands on a connection: must.Connects stops the test
// if there is none, and the checks that follow report and go on. The
// web server's group has no rule for its answers; the connection the
// handshake left in its table admits them.
func ExampleConnects() {
	t := &exampleT{} // in a test: the *testing.T
	cfg := webConfig()
	cfg.SecurityGroups[0].Egress = nil
	v, err := vpc.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	client, web := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("10.0.1.10")
	must.Connects(t, v, vpc.Dial{Proto: flow.TCP, Src: client, SrcPort: 50000, Dst: web, DstPort: 443}, pfsimtest.Epoch)
	answer := flow.MustParsePacket("tcp 10.0.1.10:443 > 198.51.100.7:50000 [P.]")
	pfsimtest.Allows(t, v, answer, pfsimtest.Epoch.Add(time.Second))
	pfsimtest.Drops(t, cfg, answer) // a fresh VPC from the configuration: no connection, no rule
	fmt.Println("failed:", t.failed)
	// Output: failed: false
}
