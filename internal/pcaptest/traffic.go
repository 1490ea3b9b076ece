package pcaptest

import (
	"bufio"
	"encoding/binary"
	"io"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// webConn is one HTTP connection as a capture at the server sees it:
// handshake, request, response, close; in marks the client's packets.
var webConn = []struct {
	text string
	in   bool
}{
	{"tcp 198.51.0.1:1024 > 10.0.1.10:80 [S] len 60", true},
	{"tcp 10.0.1.10:80 > 198.51.0.1:1024 [S.] len 60", false},
	{"tcp 198.51.0.1:1024 > 10.0.1.10:80 [.] len 52", true},
	{"tcp 198.51.0.1:1024 > 10.0.1.10:80 [P.] len 200", true},
	{"tcp 10.0.1.10:80 > 198.51.0.1:1024 [.] len 52", false},
	{"tcp 10.0.1.10:80 > 198.51.0.1:1024 [P.] len 1400", false},
	{"tcp 198.51.0.1:1024 > 10.0.1.10:80 [F.] len 52", true},
	{"tcp 10.0.1.10:80 > 198.51.0.1:1024 [F.] len 52", false},
}

// WebTraffic writes to w a pcap (Ethernet, nanosecond timestamps) of n
// packets: HTTP connections to 10.0.1.10 of the eight packets above, a
// new one every interval from start, each from its own client in
// 198.51.0.0/16 and its own port; one connection in sixteen goes to port
// 8080 instead of 80. It returns how many packets belong to those. It
// streams what it writes, whatever n is. The frames are templates with
// the client's address and port written in: their checksums are not
// fixed, as nothing pfsim does reads them.
func WebTraffic(w io.Writer, n int, start time.Time, interval time.Duration) (to8080 int, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	c := PCAP{Link: Ethernet, Nano: true}
	frames := make([][]byte, len(webConn))
	for i, wc := range webConn {
		ip, err := IP(flow.MustParsePacket(wc.text))
		if err != nil {
			return 0, err
		}
		if frames[i], err = Frame(Ethernet, ip); err != nil {
			return 0, err
		}
	}
	buf := c.Header(nil)
	for i := 0; i < n; i++ {
		conn, k := i/len(webConn), i%len(webConn)
		frame := frames[k]
		// Ethernet is 14 bytes; the IPv4 source is at 26, the destination
		// at 30, the TCP ports at 34 and 36.
		ip, port, other := 26, 34, 36
		if !webConn[k].in {
			ip, port, other = 30, 36, 34
		}
		frame[ip+2], frame[ip+3] = byte(conn>>8), byte(conn)
		binary.BigEndian.PutUint16(frame[port:], uint16(1024+conn%60000))
		service := uint16(80)
		if conn%16 == 15 {
			service = 8080
			to8080++
		}
		binary.BigEndian.PutUint16(frame[other:], service)
		at := start.Add(time.Duration(conn)*interval + time.Duration(k)*interval/10)
		buf = c.Record(buf, Record{Time: at, Frame: frame})
		if len(buf) > 1<<20 {
			if _, err := bw.Write(buf); err != nil {
				return 0, err
			}
			buf = buf[:0]
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return 0, err
	}
	return to8080, bw.Flush()
}
