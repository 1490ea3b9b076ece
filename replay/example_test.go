package replay_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/internal/pcaptest"
	"github.com/pfsim/pfsim/replay"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// pingVPC is lesson 10's VPC, modelled on AWS's flow log example: the
// security group lets ICMP in but the network ACL lets no ICMP out.
func pingVPC() *vpc.VPC {
	f, _, err := scenario.Load("../examples/scenarios/10-ping-sg-admits-acl-rejects.yaml")
	if err != nil {
		panic(err)
	}
	v, err := vpc.New(scenario.Config(f))
	if err != nil {
		panic(err)
	}
	return v
}

// Replaying a capture of two pings, with the flow log AWS would write.
func ExampleCapture() {
	// A capture: two echo requests to the instance, each answered.
	frame := func(p flow.Packet) []byte {
		ip, err := pcaptest.IP(p)
		if err != nil {
			panic(err)
		}
		f, err := pcaptest.Frame(pcaptest.Ethernet, ip)
		if err != nil {
			panic(err)
		}
		return f
	}
	var recs []pcaptest.Record
	for i := 0; i < 2; i++ {
		req := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84")
		at := time.Unix(1700000000+int64(i), 0)
		recs = append(recs,
			pcaptest.Record{Time: at, Frame: frame(req)},
			pcaptest.Record{Time: at.Add(time.Millisecond), Frame: frame(req.Reverse())})
	}
	var file bytes.Buffer
	_ = pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&file, recs)

	rd, err := capture.NewReader(&file, "ping.pcap")
	if err != nil {
		panic(err)
	}
	w := flowlog.NewWriter(os.Stdout)
	agg, _ := flowlog.NewAggregator(flowlog.TenMinutes, "210987654321", w.Write)
	sum, err := replay.Capture(pingVPC(), rd, replay.Options{FlowLog: agg, Explain: 1})
	if err != nil {
		panic(err)
	}
	_ = w.Flush()
	fmt.Printf("%d packets: %d allowed, %d dropped\n", sum.Packets, sum.Allowed, sum.Dropped)
	for _, g := range sum.Drops {
		fmt.Println(g.Packets, g.Interface, g)
	}
	fmt.Println(sum.FirstDrops[0].Why)
	// Output:
	// 2 210987654321 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 2 168 1700000000 1700000001 ACCEPT OK
	// 2 210987654321 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 2 168 1700000000 1700000001 REJECT OK
	// 4 packets: 2 allowed, 2 dropped
	// 2 eni-1235b8ca123456789 network ACL acl-ping egress rule * (default deny)
	// allowed by security group connection tracking: part of a connection opened 1ms ago (ICMP), whatever the rules say; then dropped by network ACL acl-ping egress rule * (default deny): no rule allows icmp echo-reply to 203.0.113.12; network ACLs are stateless, so the reply to a request needs a rule of its own (an icmp rule for type 0, echo-reply)
}

// Checking a flow log against the VPC: the records of three pings, the
// requests accepted and the replies rejected, agree; a record that says
// a later reply was accepted does not.
func ExampleFlowLogs() {
	log := `2 210987654321 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 3 252 1700000010 1700000125 ACCEPT OK
2 210987654321 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 3 252 1700000077 1700000125 REJECT OK
2 210987654321 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 1 84 1700000133 1700000133 ACCEPT OK
2 210987654321 eni-1235b8ca123456789 - - - - - - - 1700000400 1700001000 - NODATA
`
	rd, err := flowlog.NewReader(strings.NewReader(log), "flows.log")
	if err != nil {
		panic(err)
	}
	rep, err := replay.FlowLogs(pingVPC(), rd, "flows.log", replay.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d records, %d replayed, %d agree, %d NODATA\n", rep.Records, rep.Played, rep.Agree, rep.NoData)
	for _, d := range rep.Disagreements {
		fmt.Printf("line %d: logged %s, pfsim dropped %d of %d: %s\n", d.Line, d.Logged, d.Dropped, d.Played, d.Packet)
	}
	// Output:
	// 4 records, 3 replayed, 2 agree, 1 NODATA
	// line 3: logged ACCEPT, pfsim dropped 1 of 1: icmp 172.31.16.139 > 203.0.113.12 echo-reply len 84
}
