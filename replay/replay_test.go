package replay

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/conntrack"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/internal/pcaptest"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// lesson builds the VPC of one of the lessons in examples/scenarios.
func lesson(t testing.TB, name string) *vpc.VPC {
	t.Helper()
	f, _, err := scenario.Load("../examples/scenarios/" + name)
	require.NoError(t, err)
	v, err := vpc.New(scenario.Config(f))
	require.NoError(t, err)
	return v
}

// yamlVPC builds a VPC from a scenario file's text.
func yamlVPC(t testing.TB, text string) *vpc.VPC {
	t.Helper()
	f, _, err := scenario.Parse("vpc.yaml", []byte(text))
	require.NoError(t, err)
	v, err := vpc.New(scenario.Config(f))
	require.NoError(t, err)
	return v
}

// pkt is one packet of a generated capture: its time in seconds and its
// text; "arp" is an ARP frame, "cut" a frame cut short.
type pkt struct {
	sec  float64
	text string
}

// pcap writes a capture of Ethernet frames.
func pcap(t testing.TB, pkts ...pkt) *capture.Reader {
	t.Helper()
	var recs []pcaptest.Record
	for _, x := range pkts {
		whole := math.Floor(x.sec)
		ts := time.Unix(int64(whole), int64(math.Round((x.sec-whole)*1e6))*1e3).UTC()
		var frame []byte
		switch x.text {
		case "arp":
			frame = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1}
		case "cut":
			frame = pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket("udp 10.0.1.10:1 > 10.0.1.11:2"))[:30]
		default:
			frame = pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket(x.text))
		}
		recs = append(recs, pcaptest.Record{Time: ts, Frame: frame})
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet, Nano: true}.Write(&buf, recs))
	rd, err := capture.NewReader(&buf, "test.pcap")
	require.NoError(t, err)
	return rd
}

// The ping of AWS's flow log example (TRACE-F), as a capture: four echo
// requests in, a second apart, each answered a millisecond later. (AWS's
// own records span two minutes: its start and end may come up to a
// minute late, and an ICMP entry lives 30 s.)
func tracefCapture(t testing.TB) *capture.Reader {
	var pkts []pkt
	for i := 0.0; i < 4; i++ {
		pkts = append(pkts,
			pkt{1700000000 + i, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84"},
			pkt{1700000000 + i + 0.001, "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1 len 84"})
	}
	return pcap(t, pkts...)
}

// TestCaptureTraceF: AWS's ping example replayed: the requests are
// allowed, the replies dropped by the network ACL's outbound default
// deny, and the flow log has the two records AWS's example has (FL-8),
// at the capture's times.
func TestCaptureTraceF(t *testing.T) {
	v := lesson(t, "10-ping-sg-admits-acl-rejects.yaml")
	var log bytes.Buffer
	w := flowlog.NewWriter(&log)
	agg, err := flowlog.NewAggregator(flowlog.TenMinutes, "210987654321", w.Write)
	require.NoError(t, err)
	sum, err := Capture(v, tracefCapture(t), Options{FlowLog: agg})
	require.NoError(t, err)
	require.NoError(t, w.Flush())

	assert.Equal(t, 8, sum.Packets)
	assert.Equal(t, 4, sum.Allowed)
	assert.Equal(t, 4, sum.Dropped)
	require.Len(t, sum.Drops, 1)
	g := sum.Drops[0]
	assert.Equal(t, "network ACL acl-ping egress rule * (default deny)", g.String())
	assert.Equal(t, "eni-1235b8ca123456789", g.Interface)
	assert.Equal(t, 4, g.Packets)
	assert.Equal(t, "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1 len 84", g.Example)
	require.Len(t, sum.FirstDrops, 4)
	d := sum.FirstDrops[0]
	assert.Equal(t, 2, d.Packet)
	assert.Equal(t, time.Unix(1700000000, 1_000_000).UTC(), d.Time)
	assert.Contains(t, d.Why, "allowed by security group connection tracking")
	assert.Contains(t, d.Why, "dropped by network ACL acl-ping egress rule *")
	assert.Equal(t, time.Unix(1700000000, 0).UTC(), sum.First)
	require.Len(t, sum.Busiest, 1)
	assert.Equal(t, Flow{Flow: "icmp 172.31.16.139 <> 203.0.113.12 id 1", Packets: 8, Bytes: 672, Allowed: 4, Dropped: 4}, sum.Busiest[0])
	assert.Equal(t, "2 210987654321 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1700000000 1700000003 ACCEPT OK\n"+
		"2 210987654321 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1700000000 1700000003 REJECT OK\n", log.String())
}

// TestCaptureEnds: which filters a packet meets depends on which ends are
// the VPC's interfaces; packets with none, frames that are not IP or are
// malformed are counted and skipped (lesson 06: eni-a and eni-b share a
// subnet whose ACL denies all, eni-c is in another subnet).
func TestCaptureEnds(t *testing.T) {
	v := lesson(t, "06-intra-subnet-skips-acl.yaml")
	var log bytes.Buffer
	w := flowlog.NewWriter(&log)
	agg, err := flowlog.NewAggregator(flowlog.OneMinute, "", w.Write)
	require.NoError(t, err)
	sum, err := Capture(v, pcap(t,
		// Both ends interfaces of one subnet: both groups, no ACL, allowed.
		pkt{0, "tcp 10.0.1.11:40000 > 10.0.1.10:8080 [S] len 60"},
		pkt{0.001, "tcp 10.0.1.10:8080 > 10.0.1.11:40000 [S.] len 60"},
		// From eni-c's subnet: eni-c lets it out, acl-closed drops it on
		// the way into subnet-app.
		pkt{1, "tcp 10.0.2.20:40001 > 10.0.1.10:8080 [S] len 60"},
		// From outside to eni-c (the default ACL): no group rule for 22.
		pkt{2, "tcp 198.51.100.7:50000 > 10.0.2.20:22 [S] len 60"},
		// Neither end an interface; an AWS service; an ARP; a cut frame.
		pkt{3, "udp 192.0.2.1:1 > 192.0.2.2:2 len 28"},
		pkt{4, "udp 10.0.2.20:40000 > 169.254.169.253:53 len 60"},
		pkt{5, "arp"},
		pkt{6, "cut"},
	), Options{FlowLog: agg, Busiest: 2})
	require.NoError(t, err)
	require.NoError(t, w.Flush())

	assert.Equal(t, 8, sum.Packets)
	assert.Equal(t, 2, sum.Allowed)
	assert.Equal(t, 2, sum.Dropped)
	assert.Equal(t, 1, sum.Exempt)
	assert.Equal(t, 1, sum.NoInterface)
	assert.Equal(t, 1, sum.NotIP)
	assert.Equal(t, 1, sum.Malformed)
	require.Len(t, sum.Skipped, 2)
	assert.Equal(t, "test.pcap: packet 7: frame 22 bytes: ethernet: not an IP packet: ethernet type 0x0806 (ARP)", sum.Skipped[0])
	assert.Equal(t, "test.pcap: packet 8: frame 30 bytes: ipv4: truncated header (16 of 20 bytes)", sum.Skipped[1])
	var groups []string
	for _, g := range sum.Drops {
		groups = append(groups, g.Interface+" "+g.String())
	}
	assert.Equal(t, []string{
		"eni-a network ACL acl-closed ingress rule * (default deny)",
		"eni-c security groups sg-app ingress: no rule allows the packet",
	}, groups)
	assert.Len(t, sum.Busiest, 2)
	// The flow log: both ends of the intra-subnet packets, the sender's
	// ACCEPT and the receiver's REJECT of the packet acl-closed dropped,
	// nothing for the AWS service (FL-7).
	assert.Equal(t, []string{
		"2 unknown eni-b 10.0.1.11 10.0.1.10 40000 8080 6 1 60 0 0 ACCEPT OK",
		"2 unknown eni-a 10.0.1.11 10.0.1.10 40000 8080 6 1 60 0 0 ACCEPT OK",
		"2 unknown eni-a 10.0.1.10 10.0.1.11 8080 40000 6 1 60 0 0 ACCEPT OK",
		"2 unknown eni-b 10.0.1.10 10.0.1.11 8080 40000 6 1 60 0 0 ACCEPT OK",
		"2 unknown eni-c 10.0.2.20 10.0.1.10 40001 8080 6 1 60 1 1 ACCEPT OK",
		"2 unknown eni-a 10.0.2.20 10.0.1.10 40001 8080 6 1 60 1 1 REJECT OK",
		"2 unknown eni-c 198.51.100.7 10.0.2.20 50000 22 6 1 60 2 2 REJECT OK",
	}, strings.Split(strings.TrimSpace(log.String()), "\n"))
}

// TestCaptureClock: packets without a timestamp or stamped before the one
// before them are replayed at the latest time seen, and counted; the
// connection tables' timeouts follow the capture's clock.
func TestCaptureClock(t *testing.T) {
	v := lesson(t, "10-ping-sg-admits-acl-rejects.yaml")
	sum, err := Capture(v, pcap(t,
		pkt{100, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 9 len 84"},
		pkt{99, "icmp 203.0.113.12 > 172.31.16.139 echo-request id 9 len 84"},
		// 31 s later the ping's entry has expired (ICMP 30 s, CT-17o): the
		// reply is judged by the group's rules, which have no ICMP out.
		pkt{131, "icmp 172.31.16.139 > 203.0.113.12 echo-reply id 9 len 84"},
	), Options{Explain: -1, Busiest: -1})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.OutOfOrder)
	assert.Equal(t, 2, sum.Allowed)
	require.Len(t, sum.Drops, 1)
	assert.Equal(t, "security groups sg-ping egress: no rule allows the packet", sum.Drops[0].String())
	assert.Empty(t, sum.FirstDrops)
	assert.Empty(t, sum.Busiest)
	assert.Equal(t, time.Unix(131, 0).UTC(), sum.Last)
}

// TestCaptureFileError: a capture cut short ends the replay with the
// error, and the summary covers the packets before it.
func TestCaptureFileError(t *testing.T) {
	var recs []pcaptest.Record
	for i := 0; i < 3; i++ {
		recs = append(recs, pcaptest.Record{Time: time.Unix(int64(i), 0),
			Frame: pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1"))})
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, recs))
	rd, err := capture.NewReader(bytes.NewReader(buf.Bytes()[:buf.Len()-10]), "cut.pcap")
	require.NoError(t, err)
	sum, err := Capture(lesson(t, "10-ping-sg-admits-acl-rejects.yaml"), rd, Options{})
	assert.EqualError(t, err, "cut.pcap: packet 3: pcap: file ends inside the packet (the capture was cut short)")
	require.NotNil(t, sum)
	assert.Equal(t, 2, sum.Allowed)
}

// TestCaptureProgress: Progress hears of the packets read, at the end at
// least.
func TestCaptureProgress(t *testing.T) {
	var seen []int
	_, err := Capture(lesson(t, "10-ping-sg-admits-acl-rejects.yaml"), tracefCapture(t), Options{Progress: func(n int) { seen = append(seen, n) }})
	require.NoError(t, err)
	assert.Equal(t, []int{8}, seen)
}

// TestCaptureTimeOutOfRange: a packet stamped where no connection table's
// clock reaches (a pcapng timestamp in the year 2500) ends the replay
// with an error that names the file and the packet, as bad input, and the
// summary covers the packets before it.
func TestCaptureTimeOutOfRange(t *testing.T) {
	frame := pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1"))
	recs := []pcaptest.Record{
		{Time: time.Unix(10, 0), Frame: frame},
		{Time: time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC), Frame: frame},
		{Time: time.Unix(12, 0), Frame: frame},
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAPNG{Links: []uint16{pcaptest.Ethernet}}.Write(&buf, recs))
	rd, err := capture.NewReader(&buf, "future.pcapng")
	require.NoError(t, err)
	sum, err := Capture(lesson(t, "10-ping-sg-admits-acl-rejects.yaml"), rd, Options{})
	var ce *capture.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "future.pcapng", ce.File)
	assert.Equal(t, 2, ce.Packet)
	assert.ErrorIs(t, err, conntrack.ErrTime)
	assert.Contains(t, err.Error(), "future.pcapng: packet 2: time 2500-01-01T00:00:00Z: outside the times a connection table holds")
	require.NotNil(t, sum)
	assert.Equal(t, 1, sum.Allowed)
	assert.Equal(t, 2, sum.Packets)
}
