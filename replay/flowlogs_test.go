package replay

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/vpc"
)

// replayLog replays a flow log's text through v.
func replayLog(t testing.TB, v *vpc.VPC, log string, opt Options) (*Report, error) {
	t.Helper()
	rd, err := flowlog.NewReader(strings.NewReader(log), "flows.log")
	require.NoError(t, err)
	return FlowLogs(v, rd, "flows.log", opt)
}

// replayFile replays one of flowlog's published fixtures.
func replayFile(t testing.TB, v *vpc.VPC, name string) *Report {
	t.Helper()
	data, err := os.ReadFile("../flowlog/testdata/" + name)
	require.NoError(t, err)
	rep, err := replayLog(t, v, string(data), Options{})
	require.NoError(t, err)
	return rep
}

// TestFlowLogsAWSExamples: AWS's default-format examples through the VPC
// of lesson 10 (AWS's ping example, TRACE-F). The ping's two records
// agree: ACCEPT for the requests, REJECT for the replies the network ACL
// drops. The SSH record of the same interface disagrees: this VPC's
// group lets only HTTPS out. The other records are skipped for what they
// are.
func TestFlowLogsAWSExamples(t *testing.T) {
	rep := replayFile(t, lesson(t, "10-ping-sg-admits-acl-rejects.yaml"), "aws-default-examples.log")
	assert.Equal(t, 7, rep.Records)
	assert.Equal(t, 1, rep.NoData)
	assert.Equal(t, 1, rep.SkipData)
	assert.Equal(t, 0, rep.UnknownInterface, "eni-11111111aaaaaaaaa's only record is SKIPDATA")
	assert.Equal(t, 2, rep.NotInterface, "the RDP and IPv6 records are between other addresses")
	assert.Equal(t, 3, rep.Played)
	assert.Equal(t, 2, rep.Agree)
	assert.EqualValues(t, 20+4+4, rep.Packets)
	require.Len(t, rep.Disagreements, 1)
	d := rep.Disagreements[0]
	assert.Equal(t, 1, d.Line)
	assert.Equal(t, "eni-1235b8ca123456789", d.Interface)
	assert.Equal(t, flow.Egress, d.Direction)
	assert.Equal(t, flowlog.Accept, d.Logged)
	assert.Equal(t, 20, d.Played)
	assert.Equal(t, 20, d.Dropped)
	assert.Equal(t, "tcp 172.31.16.139:20641 > 172.31.16.21:22 [S] len 212", d.Packet)
	assert.Contains(t, d.Why, "dropped by security group")
	data, err := os.ReadFile("../flowlog/testdata/aws-default-examples.log")
	require.NoError(t, err)
	assert.Equal(t, strings.SplitN(string(data), "\n", 2)[0], d.Record, "the fixture's first record, the SSH one")
}

// tcpFlagsVPC is the server of AWS's tcp-flags example: port 5001 open
// to the internet at eni-1235b8ca123456789 (10.0.0.62), behind an ACL
// that lets it in, maybe not from 52.213.180.42.
func tcpFlagsVPC(t testing.TB, blockClient bool) *vpc.VPC {
	deny := ""
	if blockClient {
		deny = "      - {rule_no: 90, action: deny, protocol: tcp, from_port: 5001, to_port: 5001, cidr_block: 52.213.180.42/32}\n"
	}
	return yamlVPC(t, `name: the server of AWS's tcp-flags example
security_groups:
  - id: sg-iperf
    ingress:
      - {protocol: tcp, from_port: 5001, to_port: 5001, cidr_blocks: [0.0.0.0/0]}
    egress:
      - {protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: [0.0.0.0/0]}
network_acls:
  - id: acl-iperf
    ingress:
`+deny+`      - {rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
    egress:
      - {rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
subnets:
  - {id: subnet-a, cidr_block: 10.0.0.0/24, network_acl: acl-iperf}
interfaces:
  - {id: eni-1235b8ca123456789, subnet: subnet-a, private_ips: [10.0.0.62], security_groups: [sg-iperf]}
`)
}

// TestFlowLogsTCPFlags: AWS's tcp-flags example (a custom format with a
// header) agrees with a server open on 5001; with the client blocked by
// the ACL, the client's records disagree and the server's replies, which
// the ACL lets out, still agree.
func TestFlowLogsTCPFlags(t *testing.T) {
	rep := replayFile(t, tcpFlagsVPC(t, false), "aws-tcp-flags.log")
	assert.Equal(t, 8, rep.Played)
	assert.Equal(t, 8, rep.Agree)
	assert.Empty(t, rep.Disagreements)
	// Three connections; 43418's second interval follows its first
	// without a gap.
	assert.Equal(t, 3, rep.Flows)
	assert.Equal(t, Distribution{N: 3, Mean: (58 + 238 + 60) / 3.0, Median: 60, P90: 202, P99: 234, Max: 238}, roundP(rep.Durations))
	assert.Equal(t, 3, rep.PacketsPerFlow.N)
	assert.Equal(t, float64(8+7+70+12+1219+15774+17+14), rep.PacketsPerFlow.Mean*3)
	assert.Equal(t, 0, rep.Gaps.N)

	rep = replayFile(t, tcpFlagsVPC(t, true), "aws-tcp-flags.log")
	assert.Equal(t, 4, rep.Agree)
	var lines []int
	for _, d := range rep.Disagreements {
		lines = append(lines, d.Line)
		assert.Equal(t, flow.Ingress, d.Direction)
		assert.Equal(t, d.Played, d.Dropped)
		assert.Contains(t, d.Why, "dropped by network ACL acl-iperf ingress rule 90")
	}
	assert.Equal(t, []int{2, 4, 7, 8}, lines)
}

// roundP rounds the percentiles of d to whole seconds: x/exp/stats
// interpolates linearly between the values around a quantile.
func roundP(d Distribution) Distribution {
	r := func(x float64) float64 { return float64(int64(x + 0.5)) }
	d.Median, d.P90, d.P99 = r(d.Median), r(d.P90), r(d.P99)
	return d
}

// A web server whose group tracks HTTP (the rule is not open to the
// whole internet) and has no egress rule: its replies get out only as
// part of a tracked connection (SG-29).
const trackedWeb = `name: a web server whose group tracks HTTP
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [198.51.100.0/24]}
      - {protocol: udp, from_port: 53, to_port: 53, cidr_blocks: [198.51.100.0/24]}
      - {protocol: icmp, from_port: -1, to_port: -1, cidr_blocks: [198.51.100.0/24]}
subnets:
  - {id: subnet-a, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-web, subnet: subnet-a, private_ips: [10.0.1.10, 10.0.1.20], security_groups: [sg-web]}
  - {id: eni-other, subnet: subnet-a, private_ips: [10.0.1.11], security_groups: [sg-web]}
`

// TestFlowLogsPlay: how records become packets: who opens a connection,
// the order at equal times, ICMP as a ping, records spread in time, and
// what is skipped.
func TestFlowLogsPlay(t *testing.T) {
	tests := []struct {
		name  string
		log   string
		agree int
		bad   []int // lines that disagree
		check func(t *testing.T, rep *Report)
	}{
		{
			// The reply's record comes first in the file, at the same
			// second: the client, sending to the lower port, opens the
			// connection, so its SYN plays first and the reply is part
			// of a tracked connection.
			name: "the opener plays first at equal times",
			log: "2 1 eni-web 10.0.1.10 198.51.100.7 80 49152 6 5 2000 1700000000 1700000005 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 49152 80 6 6 500 1700000000 1700000005 ACCEPT OK\n",
			agree: 2,
		},
		{
			// Without the client's record, the server's packets start
			// nothing the group admits: no egress rule.
			name:  "a reply without its request is rejected",
			log:   "2 1 eni-web 10.0.1.10 198.51.100.7 80 49152 6 5 2000 1700000000 1700000005 ACCEPT OK\n",
			agree: 0, bad: []int{1},
			check: func(t *testing.T, rep *Report) {
				assert.Equal(t, "tcp 10.0.1.10:80 > 198.51.100.7:49152 [.] len 400", rep.Disagreements[0].Packet,
					"the server's side plays no SYN-ACK without a SYN: it is picked up mid-stream (CT-17k)")
			},
		},
		{
			// ICMP: the first record's side sends echo requests, the
			// other side echo replies.
			name: "icmp is a ping",
			log: "2 1 eni-web 198.51.100.7 10.0.1.10 0 0 1 3 252 1700000000 1700000002 ACCEPT OK\n" +
				"2 1 eni-web 10.0.1.10 198.51.100.7 0 0 1 3 252 1700000000 1700000002 ACCEPT OK\n" +
				"2 1 eni-web 10.0.1.10 203.0.113.9 0 0 1 1 84 1700000000 1700000000 REJECT OK\n",
			agree: 3,
		},
		{
			// A secondary address shows as the primary in AWS's logs;
			// traffic to 10.0.1.20 is the interface's all the same.
			name:  "secondary address",
			log:   "2 1 eni-web 198.51.100.7 10.0.1.20 40000 53 17 2 120 1700000000 1700000001 ACCEPT OK\n",
			agree: 1,
		},
		{
			name: "skipped records",
			log: "2 1 eni-nope 198.51.100.7 10.0.1.10 40000 80 6 2 120 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.11 40000 80 6 2 120 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 - 6 2 120 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 80 6 0 0 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 10.0.1.10 10.0.1.10 0 0 47 1 40 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 80 6 2 120 1700000000 1700000001 - OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 80 six 2 120 1700000000 1700000001 ACCEPT OK\n",
			check: func(t *testing.T, rep *Report) {
				assert.Equal(t, 6, rep.Records)
				assert.Equal(t, 1, rep.UnknownInterface)
				assert.Equal(t, 2, rep.NotInterface, "another interface's address; the interface at both ends")
				assert.Equal(t, 3, rep.Incomplete, "no port, no packets, no action")
				assert.Equal(t, 1, rep.InvalidCount)
				assert.Equal(t, []string{`flows.log:7:45: eni-web protocol: "six" is not an IANA protocol number (0-255)`}, rep.Invalid)
				assert.Zero(t, rep.Played)
			},
		},
		{
			// The reader takes any year up to 9999; the connection
			// tables do not, and a record beyond them is not played.
			name: "a time no table holds",
			log: "2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 2 120 1700000000 1700000001 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 2 120 8000000000 8000000001 ACCEPT OK\n",
			agree: 1,
			check: func(t *testing.T, rep *Report) {
				assert.Equal(t, 1, rep.Records)
				assert.Equal(t, 1, rep.InvalidCount)
				assert.Equal(t, []string{"flows.log:2: eni-web start: 8000000000 (2223-07-06T14:13:20Z) is outside the times a connection table holds (1900-01-01 to 2200-01-01 UTC)"}, rep.Invalid)
				assert.Equal(t, 1, rep.Played)
			},
		},
		{
			// A flow-direction field decides; an egress record must come
			// from the interface.
			name: "flow-direction",
			log: "interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action flow-direction log-status\n" +
				"eni-web 198.51.100.7 10.0.1.10 40000 80 6 2 120 1700000000 1700000001 ACCEPT ingress OK\n" +
				"eni-web 198.51.100.7 10.0.1.10 40000 80 6 2 120 1700000000 1700000001 ACCEPT egress OK\n",
			agree: 1,
			check: func(t *testing.T, rep *Report) { assert.Equal(t, 1, rep.NotInterface) },
		},
		{
			// A record of many packets is thinned to MaxRecordPackets.
			name:  "thinned",
			log:   "2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 50000 5000000 1700000000 1700000599 ACCEPT OK\n",
			agree: 1,
			check: func(t *testing.T, rep *Report) { assert.EqualValues(t, DefaultMaxRecordPackets, rep.Packets) },
		},
		{
			// A one-way UDP flow whose records are 100 s apart: the table
			// forgot it in between (30 s, CT-16b), which the gaps say;
			// the group's rule admits it again anyway.
			name: "idle gaps",
			log: "2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 2 120 1700000000 1700000010 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 2 120 1700000110 1700000120 ACCEPT OK\n" +
				"2 1 eni-web 198.51.100.7 10.0.1.10 40000 53 17 2 120 1700000125 1700000130 ACCEPT OK\n",
			agree: 3,
			check: func(t *testing.T, rep *Report) {
				assert.Equal(t, 1, rep.Flows)
				// Linear interpolation between 5 and 100.
				assert.Equal(t, 2, rep.Gaps.N)
				assert.InDelta(t, 52.5, rep.Gaps.Median, 1e-9)
				assert.InDelta(t, 90.5, rep.Gaps.P90, 1e-9)
				assert.InDelta(t, 99.05, rep.Gaps.P99, 1e-9)
				assert.InDelta(t, 100, rep.Gaps.Max, 1e-9)
				assert.Equal(t, 1, rep.GapsOverTimeout)
				assert.Equal(t, Distribution{N: 1, Mean: 130, Median: 130, P90: 130, P99: 130, Max: 130}, rep.Durations)
			},
		},
		{
			// REJECT records are expectations too.
			name: "reject agrees and disagrees",
			log: "2 1 eni-web 203.0.113.9 10.0.1.10 40000 80 6 3 180 1700000000 1700000002 REJECT OK\n" +
				"2 1 eni-web 198.51.100.9 10.0.1.10 40001 80 6 3 180 1700000000 1700000002 REJECT OK\n",
			agree: 1, bad: []int{2},
			check: func(t *testing.T, rep *Report) {
				d := rep.Disagreements[0]
				assert.Equal(t, flowlog.Reject, d.Logged)
				assert.Equal(t, 3, d.Allowed)
				assert.Equal(t, "tcp 198.51.100.9:40001 > 10.0.1.10:80 [S] len 60", d.Packet)
				assert.Contains(t, d.Why, "allowed by security group sg-web ingress rule #1")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := replayLog(t, yamlVPC(t, trackedWeb), tt.log, Options{})
			require.NoError(t, err)
			var bad []int
			for _, d := range rep.Disagreements {
				bad = append(bad, d.Line)
			}
			assert.Equal(t, tt.agree, rep.Agree, "agree")
			assert.Equal(t, tt.bad, bad, "disagree")
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

// TestFlowLogsReadError: a log that cannot be read to its end is
// replayed as far as it goes, and the error returned.
func TestFlowLogsReadError(t *testing.T) {
	data, err := os.ReadFile("../flowlog/testdata/aws-default-examples.log.gz")
	require.NoError(t, err)
	rd, err := flowlog.NewReader(bytes.NewReader(data[:len(data)-30]), "cut.log.gz")
	require.NoError(t, err)
	rep, err := FlowLogs(lesson(t, "10-ping-sg-admits-acl-rejects.yaml"), rd, "cut.log.gz", Options{})
	assert.Error(t, err)
	require.NotNil(t, rep)
	assert.Positive(t, rep.Records)
}
