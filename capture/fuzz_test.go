package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"

	"github.com/pfsim/pfsim/flow"
)

// FuzzDecode: no decoder panics on any bytes; a decoded packet keeps the
// field invariants of Packet, and an error leaves the zero Packet.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{frameSYN, frameUDP6, framePing} {
		b := unhex(f, h)
		f.Add(b)
		f.Add(b[14:])
		f.Add(b[:len(b)/2])
	}
	f.Add(unhex(f, framePong6))
	f.Add([]byte{})
	f.Add([]byte{0x45})
	decoders := []*Decoder{
		NewDecoder(layers.LayerTypeEthernet),
		NewDecoder(layers.LayerTypeLinuxSLL),
		NewDecoder(layers.LayerTypeIPv4),
		NewDecoder(layers.LayerTypeIPv6),
		NewRawIPDecoder(),
		sll2Decoder(),
	}
	// The parser alone: what the fast path of Ethernet frames must agree with.
	slow := NewDecoder(layers.LayerTypeEthernet)
	slow.slowOnly = true
	f.Fuzz(func(t *testing.T, frame []byte) {
		var pf, ps flow.Packet
		ef, es := decoders[0].Decode(frame, &pf), slow.Decode(frame, &ps)
		if pf != ps || fmt.Sprint(ef) != fmt.Sprint(es) {
			t.Fatalf("fast path: %v, %v; parser: %v, %v", pf, ef, ps, es)
		}
		for _, d := range decoders {
			var p flow.Packet
			if err := d.Decode(frame, &p); err != nil {
				var de *DecodeError
				if !errors.As(err, &de) || de.Len != len(frame) {
					t.Fatalf("error %v: not a *DecodeError with the frame's length", err)
				}
				if p != (flow.Packet{}) {
					t.Fatalf("failed Decode left %v", p)
				}
				// DecodingLayerParser turns a layer's panic into an error
				// "panic: ..."; that is still a bug to fix.
				if strings.Contains(err.Error(), "panic") {
					t.Fatalf("a layer panicked: %v", err)
				}
				continue
			}
			checkDecoded(t, &p)
		}
	})
}

// checkDecoded checks what every decoded packet must satisfy.
func checkDecoded(t testing.TB, p *flow.Packet) {
	t.Helper()
	if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4() || p.Src.Zone() != "" {
		t.Fatalf("bad addresses in %v", p)
	}
	if !p.Proto.HasPorts() && (p.SrcPort != 0 || p.DstPort != 0) {
		t.Fatalf("ports on %v", p)
	}
	if p.Proto != flow.TCP && p.Flags != 0 {
		t.Fatalf("flags on %v", p)
	}
	if !p.Proto.IsICMP() && (p.ICMPType != 0 || p.ICMPCode != 0 || p.ICMPID != 0) {
		t.Fatalf("icmp fields on %v", p)
	}
	if _, q := flow.ICMPQuery(p.Proto, p.ICMPType); !q && p.ICMPID != 0 {
		t.Fatalf("identifier on a non-query %v", p)
	}
	// What is valid prints and parses back.
	if p.Validate() == nil {
		q, err := flow.ParsePacket(p.String())
		if err != nil || q != *p {
			t.Fatalf("%v does not round-trip: %v, %v", p, q, err)
		}
	}
}

// FuzzReader: no capture file, however malformed, makes the Reader panic
// or read without end; every error is an *Error naming the file, a
// frame's error lets reading go on, a file's error ends it; every packet
// decoded keeps Packet's invariants. The seeds are the published and
// generated captures in testdata, whole, cut and gzipped.
func FuzzReader(f *testing.F) {
	files, err := filepath.Glob("testdata/*.pcap*")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed captures: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)*2/3])
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(data)
		_ = zw.Close()
		f.Add(z.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), "fuzz.pcap")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "fuzz.pcap" || ce.Packet != 0 {
				t.Fatalf("open: %v: not an *Error at the file's header", err)
			}
			return
		}
		var p flow.Packet
		// Every packet takes at least 16 bytes of the file (a pcap record
		// header, a pcapng block), gzip's ratio is bounded: a reader that
		// goes on longer is stuck.
		limit := 1032*len(data) + 10
		for i := 0; ; i++ {
			if i > limit {
				t.Fatalf("no end after %d packets", i)
			}
			_, err := rd.Next(&p)
			if err == io.EOF {
				return
			}
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.File != "fuzz.pcap" || ce.Packet != rd.Packets() && ce.Packet != rd.Packets()+1 {
					t.Fatalf("%v: not an *Error naming the file and packet %d", err, rd.Packets())
				}
				var de *DecodeError
				if errors.As(err, &de) {
					if p != (flow.Packet{}) {
						t.Fatalf("failed packet left %v", p)
					}
					continue
				}
				if _, again := rd.Next(&p); again != err {
					t.Fatalf("the error that ended the capture changed: %v, then %v", err, again)
				}
				return
			}
			checkDecoded(t, &p)
		}
	})
}
