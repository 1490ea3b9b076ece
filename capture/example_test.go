package capture_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket/layers"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/flow"
)

// A Decoder reads raw frames into a Packet it fills in place.
func ExampleDecoder() {
	// An Ethernet frame carrying a TCP SYN.
	frame, _ := hex.DecodeString("020000000002020000000001080045000028000100004006" +
		"0000c63364070a00010ac0000050000000010000000050020400" + "00000000")
	d := capture.NewDecoder(layers.LayerTypeEthernet)
	var p flow.Packet
	if err := d.Decode(frame, &p); err != nil {
		panic(err)
	}
	fmt.Println(p)

	// A frame cut short.
	fmt.Println(d.Decode(frame[:30], &p))
	// Output:
	// tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 40
	// frame 30 bytes: ipv4: truncated header (16 of 20 bytes)
}

// Reading a capture: one Decoder and one Packet for every frame; frames
// without an IP packet are skipped, malformed ones reported.
func ExampleDecoder_Decode() {
	frames := []string{
		// An IPv4 TCP SYN.
		"020000000002020000000001080045000028000100004006" +
			"0000c63364070a00010ac0000050000000010000000050020400" + "00000000",
		// An ARP request: who has 10.0.1.10?
		"ffffffffffff0200000000010806" + "0001080006040001" +
			"0200000000010a000001" + "0000000000000a00010a",
		// An IPv6 UDP datagram cut inside its header.
		"02000000000202000000000186dd" + "6000000000081140" +
			"20010db8000000000000000000000007" + "20010db8000100000000000000000010" + "14e90035",
	}
	d := capture.NewDecoder(layers.LayerTypeEthernet)
	var p flow.Packet
	for i, h := range frames {
		frame, _ := hex.DecodeString(h)
		err := d.Decode(frame, &p)
		switch {
		case errors.Is(err, capture.ErrNotIP):
			fmt.Println(i, "skipped:", err)
		case err != nil:
			fmt.Println(i, "error:", err)
		default:
			fmt.Println(i, p)
		}
	}
	// Output:
	// 0 tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 40
	// 1 skipped: frame 42 bytes: ethernet: not an IP packet: ethernet type 0x0806 (ARP)
	// 2 error: frame 58 bytes: udp: truncated header (4 of 8 bytes)
}

// Reading a capture file packet by packet, with its own timestamps.
func ExampleReader() {
	f, err := os.Open("testdata/tcp-handshake-nano.pcap")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	rd, err := capture.NewReader(f, "tcp-handshake-nano.pcap")
	if err != nil {
		panic(err)
	}
	fmt.Println(rd.Format(), rd.LinkType())
	var p flow.Packet
	for {
		ts, err := rd.Next(&p)
		var bad *capture.DecodeError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &bad):
			fmt.Println("skipped:", err) // one frame; go on
			continue
		case err != nil:
			fmt.Println(err) // the file; stop
			return
		}
		fmt.Println(ts.Format("15:04:05.000000000"), p)
	}
	// Output:
	// pcap 113 (LINUX_SLL)
	// 17:16:09.924505488 tcp 131.155.215.69:46656 > 137.116.81.94:80 [S] len 60
	// 17:16:10.052027262 tcp 137.116.81.94:80 > 131.155.215.69:46656 [S.] len 60
	// 17:16:10.052115157 tcp 131.155.215.69:46656 > 137.116.81.94:80 [.] len 52
}
