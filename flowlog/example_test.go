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

// Writing the records AWS would write for packets: a host on the
// internet pings the instance three times; the security group lets the
// echo replies out, but the network ACL rejects them.
func ExampleAggregator() {
	w := flowlog.NewWriter(os.Stdout)
	agg, err := flowlog.NewAggregator(flowlog.TenMinutes, "210987654321", w.Write)
	if err != nil {
		panic(err)
	}
	req := flow.MustParsePacket("icmp 198.51.100.23 > 10.0.1.10 echo-request id 7 len 84")
	rep := req.Reverse()
	for _, sec := range []int64{1700000010, 1700000040, 1700000070} {
		_ = agg.Add("eni-0a11ce0b0b0c0ffee", &req, flowlog.Accept, time.Unix(sec, 0))
		_ = agg.Add("eni-0a11ce0b0b0c0ffee", &rep, flowlog.Reject, time.Unix(sec, 0))
	}
	_ = agg.Flush()
	_ = w.Flush()
	// Output:
	// 2 210987654321 eni-0a11ce0b0b0c0ffee 198.51.100.23 10.0.1.10 0 0 1 3 252 1700000010 1700000070 ACCEPT OK
	// 2 210987654321 eni-0a11ce0b0b0c0ffee 10.0.1.10 198.51.100.23 0 0 1 3 252 1700000010 1700000070 REJECT OK
}
