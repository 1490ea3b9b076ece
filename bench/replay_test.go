package bench

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/exp/mmap"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/pcaptest"
	"github.com/pfsim/pfsim/replay"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

// replayVPC is a web server behind a network ACL with numbered rules and a
// security group that tracks its connections (its HTTP rule is open to a
// /16, not the whole internet, CT-3), so that every packet of the replay
// meets both filters and the connection table.
const replayVPC = `name: a tracked web server behind a numbered ACL
security_groups:
  - id: sg-web
    ingress:
      - {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [198.51.0.0/16]}
network_acls:
  - id: acl-web
    ingress:
      - {rule_no: 100, action: allow, protocol: tcp, from_port: 80, to_port: 80, cidr_block: 0.0.0.0/0}
      - {rule_no: 110, action: allow, protocol: tcp, from_port: 8080, to_port: 8080, cidr_block: 0.0.0.0/0}
    egress:
      - {rule_no: 100, action: allow, protocol: tcp, from_port: 1024, to_port: 65535, cidr_block: 0.0.0.0/0}
subnets:
  - {id: subnet-web, cidr_block: 10.0.1.0/24, network_acl: acl-web}
interfaces:
  - {id: eni-web, subnet: subnet-web, private_ips: [10.0.1.10], security_groups: [sg-web]}
`

// writeReplayCapture writes the capture of n packets that the benchmarks
// replay (pcaptest.WebTraffic: an HTTP connection of eight packets every
// millisecond, one in sixteen to port 8080, which the ACL lets in and the
// group drops) and returns how many packets replayVPC allows and drops.
func writeReplayCapture(tb testing.TB, path string, n int) (allowed, dropped int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	blocked, err := pcaptest.WebTraffic(f, n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Millisecond)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return n - blocked, blocked
}

func newReplayVPC(tb testing.TB) *vpc.VPC {
	f, _, err := scenario.Parse("replay.yaml", []byte(replayVPC))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := vpc.New(scenario.Config(f))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkReplay: replay.Capture over a pcap file of a million packets
// (generated into a temporary file; 82 MB), through a tracked web server
// behind a numbered ACL, checking the verdict counts each time. One op is
// the whole capture, read from the file, decoded, judged and summed up,
// in a fresh VPC. Reported: packets per second, allocations per packet,
// and the peak of the live heap during a replay, sampled every 16384
// packets (what the replay holds: the connection tables, some 30000
// connections alive at a time here, not the capture). Compare ns/packet
// with BenchmarkDecode/gopacket-parser, a bare gopacket decode of one
// frame, in the same run.
func BenchmarkReplay(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "replay.pcap")
	allowed, dropped := writeReplayCapture(b, path, n)
	var peak uint64
	var ms runtime.MemStats
	sample := func(int) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	ops := 0
	for b.Loop() {
		v := newReplayVPC(b)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rd, err := capture.NewReader(f, path)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := replay.Capture(v, rd, replay.Options{Progress: sample})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if sum.Packets != n || sum.Allowed != allowed || sum.Dropped != dropped {
			b.Fatalf("%d packets, %d allowed, %d dropped; want %d, %d, %d", sum.Packets, sum.Allowed, sum.Dropped, n, allowed, dropped)
		}
		ops++
	}
	runtime.ReadMemStats(&after)
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(ops)*n/elapsed, "packets/s")
	b.ReportMetric(elapsed*1e9/(float64(ops)*n), "ns/packet")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/(float64(ops)*n), "allocs/packet")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkReplayRead: reading and decoding the same capture, nothing
// else, from an os.File (what the Reader does, with its 64 KiB buffer)
// and through golang.org/x/exp/mmap (the file mapped, read through an
// io.SectionReader): whether mapping the file is worth its while.
func BenchmarkReplayRead(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "replay.pcap")
	writeReplayCapture(b, path, n)
	read := func(b *testing.B, r io.Reader) {
		rd, err := capture.NewReader(r, path)
		if err != nil {
			b.Fatal(err)
		}
		var p flow.Packet
		got := 0
		for {
			if _, err := rd.Next(&p); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("%d packets, want %d", got, n)
		}
	}
	b.Run("file", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			read(b, f)
			f.Close()
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*n), "ns/packet")
	})
	b.Run("mmap", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := mmap.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			read(b, io.NewSectionReader(m, 0, int64(m.Len())))
			m.Close()
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*n), "ns/packet")
	})
}
