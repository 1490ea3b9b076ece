package conntrack_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
)

// An instance opens an HTTPS connection (TRACE-C). Its security group's
// outbound rule admits the SYN, so the caller creates an entry; the
// server's SYN-ACK then finds the entry as a reply and is admitted whatever
// the inbound rules say (SG-29). The caller's clock, not the wall clock,
// drives the table.
func ExampleTable_Create() {
	tab := conntrack.MustNew(conntrack.Config{})
	now := time.Unix(1_700_000_000, 0)

	syn := flow.Packet{
		Proto: flow.TCP,
		Src:   netip.MustParseAddr("10.0.1.10"), SrcPort: 40000,
		Dst: netip.MustParseAddr("203.0.113.80"), DstPort: 443,
		Flags: flow.SYN,
	}
	r, status := tab.Create(&syn, now)
	fmt.Println("SYN:    ", status, r.State)

	synAck := syn.Reverse()
	synAck.Flags = flow.SYN | flow.ACK
	r, ok := tab.Lookup(&synAck, now.Add(30*time.Millisecond))
	fmt.Println("SYN-ACK:", ok, "reply:", r.Reply, r.State)

	ack := syn
	ack.Flags = flow.ACK
	r, ok = tab.Lookup(&ack, now.Add(31*time.Millisecond))
	fmt.Println("ACK:    ", ok, "reply:", r.Reply, r.State)

	// A SYN-ACK for a port the instance never connected from finds
	// nothing; the inbound rules alone decide it (TRACE-C C4).
	stray := synAck
	stray.DstPort = 40001
	_, ok = tab.Lookup(&stray, now.Add(time.Second))
	fmt.Println("stray:  ", ok)

	for _, c := range tab.Conns(now.Add(time.Second)) {
		fmt.Println(c.Key, c.State)
	}
	// Output:
	// SYN:     created SYN_SENT
	// SYN-ACK: true reply: true SYN_RECV
	// ACK:     true reply: false ESTABLISHED
	// stray:   false
	// tcp 10.0.1.10:40000 > 203.0.113.80:443 ESTABLISHED
}

// A ping's entry lives 30 s after its last packet (CT-17o). A reply 1 ns
// before that is admitted; at exactly 30 s the entry is gone and the
// lookup says it expired, so the rules judge the packet (TRACE-G G7 is the
// TCP version of this).
func ExampleTable_Lookup() {
	tab := conntrack.MustNew(conntrack.Config{})
	start := time.Unix(1_700_000_000, 0)

	ping := flow.Packet{
		Proto: flow.ICMP, ICMPType: flow.ICMPEchoRequest, ICMPID: 7,
		Src: netip.MustParseAddr("203.0.113.12"), Dst: netip.MustParseAddr("172.31.16.139"),
	}
	pong := ping.Reverse() // echo reply, same identifier
	fmt.Println(pong.ICMPType == flow.ICMPEchoReply)

	_, status := tab.Create(&ping, start)
	fmt.Println(status)

	r, ok := tab.Lookup(&pong, start.Add(conntrack.ICMPTimeout-time.Nanosecond))
	fmt.Println("reply just before the timeout:", ok, r.State)

	// That reply restarted the idle timer; 30 s of silence ends it.
	last := start.Add(conntrack.ICMPTimeout - time.Nanosecond)
	r, ok = tab.Lookup(&pong, last.Add(conntrack.ICMPTimeout))
	fmt.Println("reply 30 s after the last packet:", ok, "expired:", r.Expired)
	fmt.Println("entries:", tab.Len())
	// Output:
	// true
	// created
	// reply just before the timeout: true ICMP
	// reply 30 s after the last packet: false expired: true
	// entries: 0
}

// An interface whose table is full drops packets that would start a
// connection and counts them (CT-18..CT-20); expired entries are cleared
// first, and Sweep clears them whenever the caller likes.
func ExampleTable_Sweep() {
	tab := conntrack.MustNew(conntrack.Config{Capacity: 2, UDPTimeout: 60 * time.Second})
	now := time.Unix(1_700_000_000, 0)
	query := func(port uint16) *flow.Packet {
		return &flow.Packet{Proto: flow.UDP,
			Src: netip.MustParseAddr("10.0.1.10"), SrcPort: port,
			Dst: netip.MustParseAddr("10.0.0.2"), DstPort: 53}
	}
	for port := uint16(50000); port < 50003; port++ {
		_, status := tab.Create(query(port), now)
		fmt.Println(port, status)
	}
	fmt.Println("exceeded:", tab.Exceeded(), "available:", tab.Available())

	// A minute later (UdpTimeout 60 s) both entries have expired; a
	// sweep with no bound removes every expired entry.
	fmt.Println("swept:", tab.Sweep(now.Add(time.Minute), 0), "available:", tab.Available())
	// Output:
	// 50000 created
	// 50001 created
	// 50002 full
	// exceeded: 1 available: 0
	// swept: 2 available: 2
}

// A table holds times from 1900 to 2200; the zero time.Time, a time
// never set, is refused, and so are Send and Connect of package vpc at
// such a time.
func ExampleCheckTime() {
	fmt.Println(conntrack.CheckTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	fmt.Println(conntrack.CheckTime(time.Time{}))
	// Output:
	// <nil>
	// time 0001-01-01T00:00:00Z (the zero time.Time: a time was not set): outside the times a connection table holds (1900-01-01 to 2200-01-01 UTC)
}
