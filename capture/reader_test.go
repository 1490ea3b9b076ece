package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/allocs"
	"github.com/pfsim/pfsim/internal/pcaptest"
)

var update = flag.Bool("update", false, "rewrite the generated captures in testdata")

// readAll reads a whole capture and returns one line per packet: its
// timestamp and the packet, or the error. It stops at the first error that
// ends the capture, which is the last line.
func readAll(t testing.TB, r io.Reader, name string) []string {
	t.Helper()
	rd, err := NewReader(r, name)
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	var out []string
	var p flow.Packet
	for i := 0; i < 10000; i++ {
		ts, err := rd.Next(&p)
		stamp := ts.UTC().Format("2006-01-02T15:04:05.999999999")
		if ts.IsZero() {
			stamp = "no-time"
		}
		var de *DecodeError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &de):
			out = append(out, stamp+" skip: "+err.Error())
		case err != nil:
			return append(out, "error: "+err.Error())
		default:
			out = append(out, stamp+" "+p.String())
		}
	}
	t.Fatalf("%s: no end after 10000 packets", name)
	return nil
}

func readFile(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	return readAll(t, f, name)
}

// TestReaderPublishedCaptures reads real captures published by the
// tcpdump and gopacket projects (testdata/README.md names each one's
// source and licence) and checks every packet and timestamp against what
// tcpdump -r prints for them.
func TestReaderPublishedCaptures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		link   LinkType
		want   []string
	}{
		// Linux cooked capture with nanosecond timestamps: a TCP handshake.
		{"tcp-handshake-nano.pcap", PCAP, LinkLinuxSLL, []string{
			"2014-12-09T17:16:09.924505488 tcp 131.155.215.69:46656 > 137.116.81.94:80 [S] len 60",
			"2014-12-09T17:16:10.052027262 tcp 137.116.81.94:80 > 131.155.215.69:46656 [S.] len 60",
			"2014-12-09T17:16:10.052115157 tcp 131.155.215.69:46656 > 137.116.81.94:80 [.] len 52",
		}},
		// Ethernet: a whole HTTP exchange, handshake to FIN.
		{"test_ethernet.pcap", PCAP, LinkEthernet, []string{
			"2017-12-13T22:28:59.656584 tcp 10.1.1.2:44644 > 10.1.1.1:80 [S] len 60",
			"2017-12-13T22:28:59.657507 tcp 10.1.1.1:80 > 10.1.1.2:44644 [S.] len 60",
			"2017-12-13T22:28:59.657595 tcp 10.1.1.2:44644 > 10.1.1.1:80 [.] len 52",
			"2017-12-13T22:28:59.657676 tcp 10.1.1.2:44644 > 10.1.1.1:80 [P.] len 124",
			"2017-12-13T22:28:59.659299 tcp 10.1.1.1:80 > 10.1.1.2:44644 [.] len 52",
			"2017-12-13T22:28:59.660697 tcp 10.1.1.1:80 > 10.1.1.2:44644 [P.] len 75",
			"2017-12-13T22:28:59.660734 tcp 10.1.1.2:44644 > 10.1.1.1:80 [.] len 52",
			"2017-12-13T22:28:59.661919 tcp 10.1.1.1:80 > 10.1.1.2:44644 [FP.] len 407",
			"2017-12-13T22:28:59.662238 tcp 10.1.1.2:44644 > 10.1.1.1:80 [F.] len 52",
			"2017-12-13T22:28:59.662865 tcp 10.1.1.1:80 > 10.1.1.2:44644 [.] len 52",
		}},
		// QinQ tags around ARP: read through both tags, skipped as not IP.
		{"802.1ad_QinQ.pcap", PCAP, LinkEthernet, []string{
			"2019-12-08T21:59:54.599412 skip: 802.1ad_QinQ.pcap: packet 1: frame 64 bytes: 802.1q: not an IP packet: ethernet type 0x0806 (ARP)",
			"2019-12-08T21:59:54.59968 skip: 802.1ad_QinQ.pcap: packet 2: frame 64 bytes: 802.1q: not an IP packet: ethernet type 0x0806 (ARP)",
		}},
		// Raw IP, both numbers for it and both versions.
		{"LINKTYPE_RAW_ipv4.pcap", PCAP, LinkRawIP, []string{"2025-07-08T17:59:11.951226 udp 192.168.1.100:12345 > 9.9.9.9:53 len 57"}},
		{"LINKTYPE_RAW_ipv6.pcap", PCAP, LinkRawIP, []string{"2025-07-08T17:59:17.21527 udp [2001:db8::1]:12345 > [2620:fe::9]:53 len 77"}},
		{"LINKTYPE_IPV4.pcap", PCAP, LinkIPv4, []string{"2025-07-08T17:59:32.592885 udp 192.168.1.100:12345 > 9.9.9.9:53 len 57"}},
		{"LINKTYPE_IPV6.pcap", PCAP, LinkIPv6, []string{"2025-07-08T17:59:26.20445 udp [2001:db8::1]:12345 > [2620:fe::9]:53 len 77"}},
		// pcapng, Ethernet and Linux cooked.
		{"dhcp-option-108.pcapng", PCAPNG, LinkEthernet, []string{
			"2025-03-18T09:43:45.393317 udp 0.0.0.0:68 > 255.255.255.255:67 len 328",
			"2025-03-18T09:43:45.399056 udp 10.56.0.2:67 > 10.56.42.232:68 len 351",
		}},
		{"bgp-orf.pcapng", PCAPNG, LinkLinuxSLL, []string{
			"2022-08-30T16:12:16.630159 tcp [fe80::a00:27ff:fe5e:d19e]:34394 > [fe80::ca5d:fd0d:cd8:1bb7]:179 [P.] len 151",
		}},
		// A malformed frame in a well-formed file: reported, and skipped.
		{"icmpv6-length-zero.pcapng", PCAPNG, LinkEthernet, []string{
			"2010-05-20T04:24:49.656077 skip: icmpv6-length-zero.pcapng: packet 1: frame 86 bytes: ipv6: IPv6 length 0, but next header is ICMPv6, not HopByHop",
		}},
		// pcapng simple packet blocks (no timestamps), both byte orders.
		{"pcapng-test010-le.pcapng", PCAPNG, LinkEthernet, []string{
			"no-time udp 0.0.0.0:68 > 255.255.255.255:67 len 300",
			"no-time udp 192.168.0.1:67 > 192.168.0.10:68 len 328",
			"no-time udp 0.0.0.0:68 > 255.255.255.255:67 len 300",
			"no-time udp 192.168.0.1:67 > 192.168.0.10:68 len 328",
		}},
		{"pcapng-test010-be.pcapng", PCAPNG, LinkEthernet, []string{
			"no-time udp 0.0.0.0:68 > 255.255.255.255:67 len 300",
			"no-time udp 192.168.0.1:67 > 192.168.0.10:68 len 328",
			"no-time udp 0.0.0.0:68 > 255.255.255.255:67 len 300",
			"no-time udp 192.168.0.1:67 > 192.168.0.10:68 len 328",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, readAll(t, bytes.NewReader(data), tt.file))

			rd, err := NewReader(bytes.NewReader(data), tt.file)
			require.NoError(t, err)
			assert.Equal(t, tt.format, rd.Format())
			var p flow.Packet
			_, _ = rd.Next(&p)
			assert.Equal(t, tt.link, rd.LinkType())
			assert.Equal(t, 1, rd.Packets())
			assert.Equal(t, tt.file, rd.Name())
		})
	}
}

// The packets of the generated captures: every protocol, both families.
var genPackets = []string{
	"tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
	"tcp 10.0.1.10:80 > 198.51.100.7:49152 [S.] len 60",
	"udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75",
	"icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84",
	"icmpv6 2001:db8:1::10 > 2001:db8::7 echo-reply id 42 len 60",
	"gre 10.0.0.1 > 10.0.0.2 len 24",
}

// genRecords builds the records of genPackets for link type link, one
// every 1.5 s from t0, on interface iface.
func genRecords(t testing.TB, link uint16, iface int, t0 time.Time, vlans ...uint16) []pcaptest.Record {
	t.Helper()
	var recs []pcaptest.Record
	for i, s := range genPackets {
		p := flow.MustParsePacket(s)
		if (link == pcaptest.IPv4 && p.Is6()) || (link == pcaptest.IPv6 && !p.Is6()) {
			continue
		}
		recs = append(recs, pcaptest.Record{Time: t0.Add(time.Duration(i) * 1500 * time.Millisecond), Frame: pcaptest.FrameOf(t, link, p, vlans...), Iface: iface})
	}
	return recs
}

var genT0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// TestReaderGenerated: captures written by the test generator, of every
// link type, tag and file variant, read back packet for packet with their
// timestamps (to the file's resolution).
func TestReaderGenerated(t *testing.T) {
	type variant struct {
		name  string
		link  uint16
		vlans []uint16
	}
	links := []variant{
		{"ethernet", pcaptest.Ethernet, nil},
		{"802.1q", pcaptest.Ethernet, []uint16{42}},
		{"qinq", pcaptest.Ethernet, []uint16{7, 42}},
		{"sll", pcaptest.SLL, nil},
		{"sll2", pcaptest.SLL2, nil},
		{"raw", pcaptest.RawIP, nil},
		{"ipv4", pcaptest.IPv4, nil},
		{"ipv6", pcaptest.IPv6, nil},
	}
	files := []struct {
		name  string
		write func(w io.Writer, link uint16, recs []pcaptest.Record) error
		res   time.Duration // timestamp resolution
		gzip  bool
	}{
		{"pcap", func(w io.Writer, l uint16, r []pcaptest.Record) error { return pcaptest.PCAP{Link: l}.Write(w, r) }, time.Microsecond, false},
		{"pcap nano big-endian", func(w io.Writer, l uint16, r []pcaptest.Record) error {
			return pcaptest.PCAP{Link: l, Nano: true, BigEndian: true}.Write(w, r)
		}, time.Nanosecond, false},
		{"pcap gzip", func(w io.Writer, l uint16, r []pcaptest.Record) error { return pcaptest.PCAP{Link: l}.Write(w, r) }, time.Microsecond, true},
		{"pcapng", func(w io.Writer, l uint16, r []pcaptest.Record) error {
			return pcaptest.PCAPNG{Links: []uint16{l}}.Write(w, r)
		}, time.Microsecond, false},
		{"pcapng big-endian gzip", func(w io.Writer, l uint16, r []pcaptest.Record) error {
			return pcaptest.PCAPNG{Links: []uint16{l}, BigEndian: true}.Write(w, r)
		}, time.Microsecond, true},
	}
	for _, l := range links {
		for _, f := range files {
			t.Run(l.name+"/"+f.name, func(t *testing.T) {
				recs := genRecords(t, l.link, 0, genT0, l.vlans...)
				var buf bytes.Buffer
				var w io.Writer = &buf
				var zw *gzip.Writer
				if f.gzip {
					zw = gzip.NewWriter(&buf)
					w = zw
				}
				require.NoError(t, f.write(w, l.link, recs))
				if zw != nil {
					require.NoError(t, zw.Close())
				}
				var want []string
				for i, s := range genPackets {
					p := flow.MustParsePacket(s)
					if (l.link == pcaptest.IPv4 && p.Is6()) || (l.link == pcaptest.IPv6 && !p.Is6()) {
						continue
					}
					ts := genT0.Add(time.Duration(i) * 1500 * time.Millisecond).Truncate(f.res)
					want = append(want, ts.Format("2006-01-02T15:04:05.999999999")+" "+s)
				}
				assert.Equal(t, want, readAll(t, &buf, "gen"))
			})
		}
	}
}

// TestReaderMixedLinkTypes: a pcapng file with interfaces of three link
// types, one of them not read by pfsim, and packets from each in turn.
func TestReaderMixedLinkTypes(t *testing.T) {
	var recs []pcaptest.Record
	eth := genRecords(t, pcaptest.Ethernet, 0, genT0)
	sll2 := genRecords(t, pcaptest.SLL2, 1, genT0.Add(time.Millisecond))
	wifi := pcaptest.Record{Time: genT0, Frame: []byte{1, 2, 3, 4}, Iface: 2}
	recs = append(recs, eth[0], sll2[1], wifi, eth[2], sll2[3])
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAPNG{Links: []uint16{pcaptest.Ethernet, pcaptest.SLL2, 105}}.Write(&buf, recs))
	assert.Equal(t, []string{
		"2026-03-01T12:00:00.123456 tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
		"2026-03-01T12:00:01.624456 tcp 10.0.1.10:80 > 198.51.100.7:49152 [S.] len 60",
		"2026-03-01T12:00:00.123456 skip: mixed.pcapng: packet 3: frame 4 bytes: link type 105 (802.11) not supported: pfsim reads Ethernet (1), Linux cooked captures (113, 276) and raw IP (12, 101, 228, 229)",
		"2026-03-01T12:00:03.123456 udp [2001:db8::7]:5353 > [2001:db8:1::10]:53 len 75",
		"2026-03-01T12:00:04.624456 icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84",
	}, readAll(t, &buf, "mixed.pcapng"))
}

// TestReaderCommittedGenerated: the generated captures in testdata are
// what the generator writes today (go test -update rewrites them), so
// that the fuzzer's seeds and other tools (tcpdump -r) see the same
// bytes as the tests.
func TestReaderCommittedGenerated(t *testing.T) {
	files := map[string]func(w io.Writer) error{
		"gen-qinq.pcap": func(w io.Writer) error {
			return pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(w, genRecords(t, pcaptest.Ethernet, 0, genT0, 7, 42))
		},
		"gen-sll2-nano.pcap": func(w io.Writer) error {
			return pcaptest.PCAP{Link: pcaptest.SLL2, Nano: true}.Write(w, genRecords(t, pcaptest.SLL2, 0, genT0))
		},
		"gen-mixed.pcapng": func(w io.Writer) error {
			recs := append(genRecords(t, pcaptest.Ethernet, 0, genT0, 42)[:3], genRecords(t, pcaptest.SLL2, 1, genT0.Add(10*time.Second))[3:]...)
			return pcaptest.PCAPNG{Links: []uint16{pcaptest.Ethernet, pcaptest.SLL2}}.Write(w, recs)
		},
	}
	for name, write := range files {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, write(&buf))
			path := filepath.Join("testdata", name)
			if *update {
				require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./capture -run TestReaderCommittedGenerated -update")
			assert.Equal(t, buf.Bytes(), got, "the generator's output changed: run with -update and check the diff")
			lines := readFile(t, path)
			assert.Len(t, lines, len(genPackets))
			for _, l := range lines {
				assert.NotContains(t, l, "skip")
				assert.NotContains(t, l, "error")
			}
		})
	}
}

// pcapHeader returns a little-endian microsecond pcap file header.
func pcapHeader(link uint32, snap uint32) []byte {
	return pcaptest.PCAP{Link: uint16(link), Snaplen: snap}.Header(nil)
}

// TestReaderErrors: malformed files give an error that names the file and
// the packet and says what is wrong; errors about the file end the
// capture, and every later Next returns them again.
func TestReaderErrors(t *testing.T) {
	syn := pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket(genPackets[0]))
	rec := pcaptest.PCAP{}.Record(nil, pcaptest.Record{Time: genT0, Frame: syn})
	good := append(pcapHeader(1, 0), rec...)
	bigRec := append([]byte(nil), rec...)
	bigRec[8], bigRec[9], bigRec[10], bigRec[11] = 0x01, 0x00, 0x04, 0x00 // 262145 bytes
	bigRec[12], bigRec[13], bigRec[14], bigRec[15] = 0x01, 0x00, 0x04, 0x00

	ng := func(blocks ...[]byte) []byte { return bytes.Join(blocks, nil) }
	ngHead := pcaptest.PCAPNG{}.Header(nil)
	idb := func(link uint16, opts ...byte) []byte {
		b := []byte{1, 0, 0, 0, 0, 0, 0, 0, byte(link), byte(link >> 8), 0, 0, 0, 0, 4, 0}
		b = append(b, opts...)
		b = append(b, 0, 0, 0, 0)
		n := len(b)
		b[4], b[5] = byte(n), byte(n>>8)
		b[n-4], b[n-3] = byte(n), byte(n>>8)
		return b
	}
	epb := pcaptest.PCAPNG{Links: []uint16{1}}.Record(nil, pcaptest.Record{Time: genT0, Frame: syn})
	epbLong := append([]byte(nil), epb...)
	epbLong[20] = 0xff // captured length 255 in a block that holds 76
	epbIface := append([]byte(nil), epb...)
	epbIface[8] = 3

	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"open: f: empty file"}},
		{"text", []byte("2 123456789010 eni-1 - - - - - - - 1 2 - NODATA\n"), []string{"open: f: not a pcap or pcapng file: starts with 32 20 31 32"}},
		{"short", []byte{0xd4, 0xc3}, []string{"open: f: not a pcap or pcapng file: only 2 bytes"}},
		{"kuznetzov", []byte{0x34, 0xcd, 0xb2, 0xa1, 0, 0, 0, 0}, []string{"open: f: a modified-libpcap (Kuznetzov) capture: not supported; convert it with editcap -F pcap"}},
		{"pcap header cut", pcapHeader(1, 0)[:20], []string{"open: f: pcap: file header cut short (20 of 24 bytes)"}},
		{"pcap version", func() []byte { b := pcapHeader(1, 0); b[4] = 3; return b }(), []string{"open: f: pcap: unknown major version 3"}},
		{"pcap link type", pcapHeader(105, 0), []string{"open: f: link type 105 (802.11) not supported: pfsim reads Ethernet (1), Linux cooked captures (113, 276) and raw IP (12, 101, 228, 229)"}},
		{"gzip garbage", []byte{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []string{"open: f: gzip: gzip: invalid header"}},
		// Records.
		{"record header cut", append(append([]byte(nil), good...), rec[:10]...), []string{
			"2026-03-01T12:00:00.123456 tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
			"error: f: packet 2: pcap: file ends inside the packet (the capture was cut short)"}},
		{"record cut after header", append(append([]byte(nil), good...), rec[:16]...), []string{
			"2026-03-01T12:00:00.123456 tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60",
			"error: f: packet 2: pcap: file ends inside the packet (the capture was cut short)"}},
		{"record data cut", good[:len(good)-5], []string{
			"error: f: packet 1: pcap: file ends inside the packet (the capture was cut short)"}},
		{"record over the maximum", append(pcapHeader(1, 0), bigRec...), []string{
			"error: f: packet 1: pcap: capture length exceeds snap length: 262145 > 262144"}},
		// A snap length of 0, as some writers put, is no limit.
		{"snap length 0", append(pcapHeader(1, 0xffffffff)[:16], append([]byte{0, 0, 0, 0, 1, 0, 0, 0}, rec...)...), []string{
			"2026-03-01T12:00:00.123456 tcp 198.51.100.7:49152 > 10.0.1.10:80 [S] len 60"}},
		// pcapng: blocks that pcapgo would trust.
		{"pcapng no section header", idb(1), []string{"open: f: not a pcap or pcapng file: starts with 01 00 00 00"}},
		{"pcapng tsresol 64", ng(ngHead, idb(1, 9, 0, 1, 0, 0x80|64, 0, 0, 0), epb), []string{
			"error: f: packet 1: pcapng block 2 (interface description): if_tsresol 0xc0: a unit finer than 64 bits can count"}},
		{"pcapng tsresol 10^20", ng(ngHead, idb(1, 9, 0, 1, 0, 20, 0, 0, 0), epb), []string{
			"error: f: packet 1: pcapng block 2 (interface description): if_tsresol 0x14: a unit finer than 64 bits can count"}},
		{"pcapng option past the block", ng(ngHead, idb(1, 2, 0, 200, 0, 'e', 't', 'h', '0'), epb), []string{
			"error: f: packet 1: pcapng block 2 (interface description): option 2 of 200 bytes runs past the end of the block"}},
		{"pcapng captured length past the block", ng(ngHead, idb(1), epbLong), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): captured length 255 exceeds the 76 bytes the block holds"}},
		{"pcapng unknown interface", ng(ngHead, idb(1), epbIface), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): interface 3, but the section has 1 interface blocks before it"}},
		{"pcapng block length", ng(ngHead, idb(1), []byte{6, 0, 0, 0, 13, 0, 0, 0}), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): length 13 is not a multiple of 4"}},
		{"pcapng block cut", ng(ngHead, idb(1), epb[:40]), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): file ends inside the block (108 bytes long)"}},
		{"pcapng trailing length", ng(ngHead, idb(1), epb[:len(epb)-4], []byte{1, 0, 0, 0}), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): length 1 at the end does not match 108 at the start"}},
		{"pcapng huge block", ng(ngHead, idb(1), []byte{6, 0, 0, 0, 0, 0, 0, 0x40}), []string{
			"error: f: packet 1: pcapng block 3 (enhanced packet): length 1073741824 is over pfsim's limit of 16777216 bytes"}},
		{"pcapng simple packet first", ng(ngHead, pcaptest.PCAPNG{Simple: true}.Record(nil, pcaptest.Record{Frame: syn})), []string{
			"error: f: packet 1: pcapng block 2 (simple packet): a simple packet block before any interface block"}},
		{"pcapng version", func() []byte { b := append([]byte(nil), ngHead...); b[12] = 2; return b }(), []string{
			"open: f: pcapng: unknown pcapng Version in Section Header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, bytes.NewReader(tt.data), "f"))
		})
	}
}

// TestReaderErrorKinds: the errors are *Error values naming the file and
// the packet; a frame's error wraps a *DecodeError and the next packet is
// read, a file's error is returned again by every later call.
func TestReaderErrorKinds(t *testing.T) {
	arp := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1}
	syn := pcaptest.FrameOf(t, pcaptest.Ethernet, flow.MustParsePacket(genPackets[0]))
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, []pcaptest.Record{
		{Time: genT0, Frame: arp}, {Time: genT0.Add(time.Second), Frame: syn}}))
	data := append(buf.Bytes(), 1, 2, 3) // a record header cut short
	rd, err := NewReader(bytes.NewReader(data), "cap.pcap")
	require.NoError(t, err)

	var p flow.Packet
	ts, err := rd.Next(&p)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "cap.pcap", ce.File)
	assert.Equal(t, 1, ce.Packet)
	assert.ErrorIs(t, err, ErrNotIP)
	var de *DecodeError
	assert.ErrorAs(t, err, &de)
	assert.Equal(t, genT0.Truncate(time.Microsecond), ts)
	assert.Equal(t, flow.Packet{}, p)

	ts, err = rd.Next(&p)
	require.NoError(t, err)
	assert.Equal(t, genT0.Add(time.Second).Truncate(time.Microsecond), ts)
	assert.Equal(t, netip.MustParseAddr("198.51.100.7"), p.Src)

	_, err = rd.Next(&p)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 3, ce.Packet)
	assert.False(t, errors.As(err, &de), "a file's error is not a frame's")
	_, again := rd.Next(&p)
	assert.Equal(t, err, again, "the error that ended the capture comes back")
	assert.Equal(t, 2, rd.Packets())
}

// TestReaderNoAllocs: once warm, reading and decoding a packet allocates
// nothing, from pcap and from pcapng.
func TestReaderNoAllocs(t *testing.T) {
	const n = 300
	frames := genRecords(t, pcaptest.Ethernet, 0, genT0)
	var recs []pcaptest.Record
	for i := 0; i < n+10; i++ {
		r := frames[i%len(frames)]
		r.Time = genT0.Add(time.Duration(i) * time.Millisecond)
		recs = append(recs, r)
	}
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if format == "pcap" {
				require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, recs))
			} else {
				require.NoError(t, pcaptest.PCAPNG{Links: []uint16{pcaptest.Ethernet}}.Write(&buf, recs))
			}
			rd, err := NewReader(&buf, format)
			require.NoError(t, err)
			var p flow.Packet
			for i := 0; i < 5; i++ { // warm: buffers grown, decoders made
				_, err := rd.Next(&p)
				require.NoError(t, err)
			}
			bad := 0
			got := allocs.Count(n, func() {
				if _, err := rd.Next(&p); err != nil {
					bad++
				}
			})
			assert.Zero(t, bad)
			assert.Zero(t, got)
		})
	}
}

// TestReaderStreams: the Reader holds one packet at a time: reading a
// capture ten times as long needs no more memory, only its buffers (a
// 64 KiB read buffer and pcapgo's 256 KiB packet buffer).
func TestReaderStreams(t *testing.T) {
	frames := genRecords(t, pcaptest.Ethernet, 0, genT0)
	c := pcaptest.PCAP{Link: pcaptest.Ethernet}
	// A reader of n records, generated as it is read, so that the test
	// itself holds none of them.
	heap := func(n int) uint64 {
		pr, pw := io.Pipe()
		go func() {
			b := c.Header(nil)
			for i := 0; i < n; i++ {
				b = c.Record(b, frames[i%len(frames)])
				if len(b) > 32<<10 || i == n-1 {
					if _, err := pw.Write(b); err != nil {
						return
					}
					b = b[:0]
				}
			}
			pw.Close()
		}()
		rd, err := NewReader(pr, "stream")
		require.NoError(t, err)
		var p flow.Packet
		var peak uint64
		var ms runtimeMemStats
		for i := 0; ; i++ {
			if _, err := rd.Next(&p); err != nil {
				require.ErrorIs(t, err, io.EOF)
				break
			}
			if i%20000 == 0 {
				peak = max(peak, ms.heapInUse())
			}
		}
		return peak
	}
	small, large := heap(20000), heap(200000)
	assert.Less(t, large, small+4<<20, "peak heap in use: %d bytes for 20000 packets, %d for 200000", small, large)
}

// TestLinkTypeNames: link types print with their names.
func TestLinkTypeNames(t *testing.T) {
	assert.Equal(t, "276 (LINUX_SLL2)", LinkLinuxSLL2.String())
	assert.Equal(t, "1 (ETHERNET)", LinkEthernet.String())
	assert.Equal(t, "105 (802.11)", LinkType(105).String())
	assert.Equal(t, "4000", LinkType(4000).String())
	assert.Equal(t, "pcapng", PCAPNG.String())
	assert.True(t, strings.HasPrefix(Format(9).String(), "Format("))
	_, err := NewLinkDecoder(LinkType(4000))
	var le *LinkTypeError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LinkType(4000), le.LinkType)
}

// runtimeMemStats reads the live heap: what is in use after a collection.
type runtimeMemStats struct{ m runtime.MemStats }

func (s *runtimeMemStats) heapInUse() uint64 {
	runtime.GC()
	runtime.ReadMemStats(&s.m)
	return s.m.HeapInuse
}
