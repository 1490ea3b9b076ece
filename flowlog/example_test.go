package flowlog_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/ingest/source"
)

// Reading a flow log: a header line gives a custom format; a line that is
// not a record is reported at its line and column, and reading goes on.
func ExampleReader() {
	log := `version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status
3 eni-0a1b 198.51.100.7 10.0.1.10 49152 443 6 12 4310 1700000000 1700000030 ACCEPT 3 OK
3 eni-0a1b 203.0.113.9 10.0.1.10 51000 22 6 three 180 1700000001 1700000001 REJECT 2 OK
3 eni-0a1b - - - - - - - 1700000000 1700000600 - - NODATA
`
	rd, err := flowlog.NewReader(strings.NewReader(log), "flows.log")
	if err != nil {
		panic(err)
	}
	var r flowlog.Record
	for {
		err := rd.Next(&r)
		var bad *source.Error
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &bad):
			fmt.Println(err)
			continue
		case err != nil:
			panic(err)
		}
		if r.Status != flowlog.OK {
			fmt.Printf("line %d: %s %s\n", r.Line, r.InterfaceID, r.Status)
			continue
		}
		fmt.Printf("line %d: %s %s > %s packets %d flags %d\n", r.Line, r.Action, r.SrcAddr, r.DstAddr, r.Packets, r.TCPFlags)
	}
	// Output:
	// line 2: ACCEPT 198.51.100.7 > 10.0.1.10 packets 12 flags 3
	// flows.log:3:45: eni-0a1b packets: "three" is not a count
	// line 4: eni-0a1b NODATA
}

// Writing the records AWS would write for packets: AWS's own ping
// example, where the security group lets the echo replies out but the
// network ACL rejects them.
func ExampleAggregator() {
	w := flowlog.NewWriter(os.Stdout)
	agg, err := flowlog.NewAggregator(flowlog.TenMinutes, "123456789010", w.Write)
	if err != nil {
		panic(err)
	}
	req := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84")
	rep := req.Reverse()
	for i, sec := range []int64{1432917027, 1432917060, 1432917100, 1432917142} {
		_ = agg.Add("eni-1235b8ca123456789", &req, flowlog.Accept, time.Unix(sec, 0))
		_ = agg.Add("eni-1235b8ca123456789", &rep, flowlog.Reject, time.Unix([]int64{1432917094, 1432917110, 1432917130, 1432917142}[i], 0))
	}
	_ = agg.Flush()
	_ = w.Flush()
	// Output:
	// 2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
	// 2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK
}
