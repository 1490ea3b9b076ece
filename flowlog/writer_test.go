package flowlog

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
)

// collect returns an Aggregator of interval iv whose records go to out,
// as text.
func collect(t testing.TB, iv time.Duration, out *[]string) *Aggregator {
	a, err := NewAggregator(iv, "123456789010", func(r *Record) error {
		*out = append(*out, r.String())
		return nil
	})
	require.NoError(t, err)
	return a
}

func at(sec int64) time.Time { return time.Unix(sec, 500_000_000) }

// TestAggregatorPing: the packets of AWS's ping example (TRACE-F), four
// echo requests accepted and four replies rejected, give AWS's two
// records, to the byte (FL-8, FL-9): the ICMP records of the published
// examples in testdata.
func TestAggregatorPing(t *testing.T) {
	data, err := os.ReadFile("testdata/aws-default-examples.log")
	require.NoError(t, err)
	var want []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 14 && f[7] == "1" {
			want = append(want, line)
		}
	}
	require.Len(t, want, 2, "the ping's records")

	var out []string
	a := collect(t, TenMinutes, &out)
	req := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84")
	rep := req.Reverse()
	for i, sec := range []int64{1432917027, 1432917060, 1432917100, 1432917142} {
		require.NoError(t, a.Add("eni-1235b8ca123456789", &req, Accept, at(sec)))
		reply := []int64{1432917094, 1432917110, 1432917130, 1432917142}[i]
		require.NoError(t, a.Add("eni-1235b8ca123456789", &rep, Reject, at(reply)))
	}
	require.NoError(t, a.Flush())
	assert.Equal(t, want, out)
}

// TestAggregatorKeys: what makes two packets one record or two.
func TestAggregatorKeys(t *testing.T) {
	syn := flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60")
	ack := flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [.] len 52")
	other := flow.MustParsePacket("tcp 198.51.100.7:49153 > 10.0.1.10:80 [S] len 60")
	gre := flow.MustParsePacket("gre 10.0.0.1 > 10.0.1.10 len 100")
	ping7 := flow.MustParsePacket("icmp 198.51.100.7 > 10.0.1.10 echo-request id 7 len 84")
	ping8 := flow.MustParsePacket("icmp 198.51.100.7 > 10.0.1.10 echo-request id 8 len 84")
	type add struct {
		iface  string
		p      flow.Packet
		action Action
		sec    int64
	}
	tests := []struct {
		name string
		iv   time.Duration
		adds []add
		want []string
	}{
		{"flags do not split a flow", TenMinutes, []add{{"eni-a", syn, Accept, 1200}, {"eni-a", ack, Accept, 1250}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 2 112 1200 1250 ACCEPT OK"}},
		{"ports do", TenMinutes, []add{{"eni-a", syn, Accept, 1200}, {"eni-a", other, Accept, 1201}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 60 1200 1200 ACCEPT OK",
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49153 80 6 1 60 1201 1201 ACCEPT OK"}},
		{"actions do", TenMinutes, []add{{"eni-a", syn, Accept, 1200}, {"eni-a", ack, Reject, 1201}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 60 1200 1200 ACCEPT OK",
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 52 1201 1201 REJECT OK"}},
		{"interfaces do", TenMinutes, []add{{"eni-a", syn, Accept, 1200}, {"eni-b", syn, Accept, 1200}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 60 1200 1200 ACCEPT OK",
			"2 123456789010 eni-b 198.51.100.7 10.0.1.10 49152 80 6 1 60 1200 1200 ACCEPT OK"}},
		{"icmp identifiers do not (no ports in a record)", TenMinutes, []add{{"eni-a", ping7, Accept, 1200}, {"eni-a", ping8, Accept, 1300}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 0 0 1 2 168 1200 1300 ACCEPT OK"}},
		{"other protocols have ports 0", TenMinutes, []add{{"eni-a", gre, Accept, 1200}}, []string{
			"2 123456789010 eni-a 10.0.0.1 10.0.1.10 0 0 47 1 100 1200 1200 ACCEPT OK"}},
		// Intervals: 10 minutes from 1200 is up to 1799; 1 minute from
		// 1200 up to 1259.
		{"one ten-minute interval", TenMinutes, []add{{"eni-a", syn, Accept, 1200}, {"eni-a", ack, Accept, 1799}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 2 112 1200 1799 ACCEPT OK"}},
		{"two ten-minute intervals", TenMinutes, []add{{"eni-a", syn, Accept, 1799}, {"eni-a", ack, Accept, 1800}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 60 1799 1799 ACCEPT OK",
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 52 1800 1800 ACCEPT OK"}},
		{"two one-minute intervals", OneMinute, []add{{"eni-a", syn, Accept, 1200}, {"eni-a", ack, Accept, 1260}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 60 1200 1200 ACCEPT OK",
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 1 52 1260 1260 ACCEPT OK"}},
		{"a late packet counts in the interval being filled", OneMinute, []add{{"eni-a", syn, Accept, 1260}, {"eni-a", ack, Accept, 1250}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 2 112 1250 1260 ACCEPT OK"}},
		{"before 1970", OneMinute, []add{{"eni-a", syn, Accept, -30}, {"eni-a", ack, Accept, -1}}, []string{
			"2 123456789010 eni-a 198.51.100.7 10.0.1.10 49152 80 6 2 112 -30 -1 ACCEPT OK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []string
			a := collect(t, tt.iv, &out)
			for _, x := range tt.adds {
				require.NoError(t, a.Add(x.iface, &x.p, x.action, at(x.sec)))
			}
			require.NoError(t, a.Flush())
			assert.Equal(t, tt.want, out)
		})
	}
}

// TestAggregatorIntervals: only AWS's two intervals; the account
// defaults to "unknown", as AWS writes it for interfaces it owns.
func TestAggregatorIntervals(t *testing.T) {
	_, err := NewAggregator(5*time.Minute, "1", func(*Record) error { return nil })
	assert.EqualError(t, err, "aggregation interval 5m0s: AWS offers 1m and 10m")
	var out []string
	a, err := NewAggregator(OneMinute, "", func(r *Record) error { out = append(out, r.String()); return nil })
	require.NoError(t, err)
	p := flow.MustParsePacket("udp 10.0.1.10:5000 > 192.0.2.1:53 len 60")
	require.NoError(t, a.Add("eni-a", &p, Accept, at(60)))
	require.NoError(t, a.Flush())
	assert.Equal(t, []string{"2 unknown eni-a 10.0.1.10 192.0.2.1 5000 53 17 1 60 60 60 ACCEPT OK"}, out)

	// emit's error comes back from the Add that ends an interval.
	b, err := NewAggregator(OneMinute, "1", func(*Record) error { return fmt.Errorf("disk full") })
	require.NoError(t, err)
	require.NoError(t, b.Add("eni-a", &p, Accept, at(60)))
	assert.EqualError(t, b.Add("eni-a", &p, Accept, at(120)), "disk full")
}

// TestAggregatorNoAllocs: once an interval's flows have been seen, adding
// their packets, and starting the next interval with the same flows,
// allocates nothing; nor does writing a record.
func TestAggregatorNoAllocs(t *testing.T) {
	var w bytes.Buffer
	fw := NewWriter(&w)
	a, err := NewAggregator(OneMinute, "1", fw.Write)
	require.NoError(t, err)
	pkts := []flow.Packet{
		flow.MustParsePacket("tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60"),
		flow.MustParsePacket("tcp 10.0.1.10:80 > 198.51.100.7:49152 [S.] len 60"),
		flow.MustParsePacket("udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75"),
	}
	sec := int64(0)
	step := func() {
		sec++
		for i := range pkts {
			if err := a.Add("eni-a", &pkts[i], Accept, at(sec)); err != nil {
				t.Fatal(err)
			}
		}
		if sec%100 == 0 {
			w.Reset()
		}
	}
	for i := 0; i < 200; i++ {
		step()
	}
	assert.Zero(t, allocs.Count(500, step))
	require.NoError(t, fw.Flush())
	assert.Contains(t, w.String(), "2 1 eni-a 10.0.1.10 198.51.100.7 80 49152 6 ")
}

// TestWriteRead: what the Writer writes, the Reader reads back as the
// same record, by hand-built records of every protocol and status.
func TestWriteRead(t *testing.T) {
	recs := []Record{
		{Version: 2, AccountID: "123456789010", InterfaceID: "eni-1", SrcAddr: netip.MustParseAddr("10.0.1.10"), DstAddr: netip.MustParseAddr("198.51.100.7"),
			SrcPort: 80, DstPort: 49152, Protocol: flow.TCP, Packets: 7, Bytes: 9000, Start: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700000042, 0).UTC(), Action: Accept, Status: OK},
		{Version: 2, AccountID: "unknown", InterfaceID: "eni-2", SrcAddr: netip.MustParseAddr("2001:db8::7"), DstAddr: netip.MustParseAddr("2001:db8:1::10"),
			Protocol: flow.ICMPv6, Packets: 1, Bytes: 104, Start: time.Unix(5, 0).UTC(), End: time.Unix(5, 0).UTC(), Action: Reject, Status: OK},
		{Version: 2, AccountID: "1", InterfaceID: "eni-3", Start: time.Unix(60, 0).UTC(), End: time.Unix(119, 0).UTC(), Status: NoData},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range recs {
		require.NoError(t, w.Write(&recs[i]))
	}
	require.NoError(t, w.Flush())
	rd, err := NewReader(&buf, "f")
	require.NoError(t, err)
	for i, want := range recs {
		var got Record
		require.NoError(t, rd.Next(&got))
		assert.Equal(t, i+1, got.Line)
		got.Line, got.Has = 0, 0
		assert.Equal(t, want, got)
	}
	assert.Equal(t, []string{"-", "ACCEPT", "REJECT"}, []string{NoAction.String(), Accept.String(), Reject.String()})
	assert.Equal(t, "-", Status(0).String())
	assert.Equal(t, "Field(99)", Field(99).String())
	assert.True(t, strings.HasPrefix(FieldFlowDirection.String(), "flow-"))
}
