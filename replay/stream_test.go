package replay

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/internal/pcaptest"
)

// TestCaptureStreams: replaying a capture ten times as long takes no more
// memory. The capture is written as it is read (a pipe), so that the test
// holds none of it; the live heap is measured every 16384 packets. The
// web server's connection table holds the connections of the last 30 s
// or so (LAST_ACK, CT-17f), a new one every 10 ms: the same few thousand
// whatever the capture's length.
func TestCaptureStreams(t *testing.T) {
	const vpcText = `name: a tracked web server
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [198.51.0.0/16]}
subnets:
  - {id: subnet-web, cidr_block: 10.0.1.0/24}
interfaces:
  - {id: eni-web, subnet: subnet-web, private_ips: [10.0.1.10], security_groups: [sg-web]}
`
	peak := func(n int) uint64 {
		pr, pw := io.Pipe()
		go func() {
			_, err := pcaptest.WebTraffic(pw, n, time.Unix(1700000000, 0), 10*time.Millisecond)
			pw.CloseWithError(err)
		}()
		rd, err := capture.NewReader(pr, "web.pcap")
		require.NoError(t, err)
		var top uint64
		var ms runtime.MemStats
		sum, err := Capture(yamlVPC(t, vpcText), rd, Options{Progress: func(int) {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			top = max(top, ms.HeapInuse)
		}})
		require.NoError(t, err)
		require.Equal(t, n, sum.Packets)
		require.Positive(t, sum.Dropped)
		return top
	}
	small, large := peak(60_000), peak(600_000)
	assert.Less(t, large, small+4<<20, "live heap: %d bytes at most for 60000 packets, %d for 600000", small, large)
}
