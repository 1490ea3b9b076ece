package flowlog

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// Writer writes records in the default format, one a line.
type Writer struct {
	w   *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer to w. Call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 256)}
}

// Write writes r as one line. It does not allocate.
func (w *Writer) Write(r *Record) error {
	w.buf = append(r.AppendText(w.buf[:0]), '\n')
	_, err := w.w.Write(w.buf)
	return err
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

// The two aggregation intervals AWS offers.
const (
	OneMinute  = time.Minute
	TenMinutes = 10 * time.Minute
)

// Aggregator gathers packets into records as AWS does (FL-1): one record
// per network interface, flow and action in each aggregation interval,
// counting the packets and their IP lengths, with the times, in whole
// seconds, of the first and the last packet.
//
// The flow is the packet's protocol, addresses and, for TCP and UDP, its
// ports; other protocols are logged with ports 0 0, as AWS logs ICMP
// (its ping example). The two directions of a connection are two flows.
// The intervals are aligned on multiples of their length since the Unix
// epoch (AWS does not say where its windows start); a packet whose time
// is before the interval being filled (captures are not always in time
// order) is counted in it. When a packet of a later interval comes, the
// records of the one before are emitted, in the order their flows first
// appeared.
//
// An Aggregator holds the flows of one interval; once those have been
// seen it adds packets without allocating. It is not safe for concurrent
// use.
type Aggregator struct {
	interval int64 // seconds
	account  string
	emit     func(*Record) error

	window  int64 // the interval being filled, as its start in Unix seconds
	started bool
	index   map[aggKey]int32
	flows   []aggFlow
	rec     Record
}

type aggKey struct {
	iface  string
	key    flow.Key
	action Action
}

type aggFlow struct {
	aggKey
	packets, bytes uint64
	first, last    int64
}

// NewAggregator returns an Aggregator of interval OneMinute or
// TenMinutes that gives each record account as its account-id and passes
// it to emit.
func NewAggregator(interval time.Duration, account string, emit func(*Record) error) (*Aggregator, error) {
	if interval != OneMinute && interval != TenMinutes {
		return nil, fmt.Errorf("aggregation interval %v: AWS offers 1m and 10m", interval)
	}
	if account == "" {
		account = "unknown"
	}
	return &Aggregator{interval: int64(interval / time.Second), account: account, emit: emit, index: make(map[aggKey]int32)}, nil
}

// Add counts packet p, seen at interface iface at time t, whose filters
// there took action. Emitting a finished interval's records can fail
// with emit's error.
func (a *Aggregator) Add(iface string, p *flow.Packet, action Action, t time.Time) error {
	sec := t.Unix()
	w := sec - mod(sec, a.interval)
	if !a.started {
		a.window, a.started = w, true
	}
	if w > a.window {
		if err := a.Flush(); err != nil {
			return err
		}
		a.window = w
	}
	var sport, dport uint16
	if p.Proto.HasPorts() {
		sport, dport = p.SrcPort, p.DstPort
	}
	k := aggKey{iface: iface, key: flow.MakeKey(p.Proto, p.Src, p.Dst, sport, dport), action: action}
	i, ok := a.index[k]
	if !ok {
		i = int32(len(a.flows))
		a.index[k] = i
		a.flows = append(a.flows, aggFlow{aggKey: k, first: sec, last: sec})
	}
	f := &a.flows[i]
	f.packets++
	f.bytes += uint64(p.Length)
	f.first, f.last = min(f.first, sec), max(f.last, sec)
	return nil
}

// Flush emits the records of the interval being filled and starts it
// afresh; call it at the end.
func (a *Aggregator) Flush() error {
	var err error
	for i := range a.flows {
		f := &a.flows[i]
		a.rec = Record{
			Version: 2, AccountID: a.account, InterfaceID: f.iface,
			SrcAddr: f.key.Src(), DstAddr: f.key.Dst(), SrcPort: f.key.SrcPort(), DstPort: f.key.DstPort(),
			Protocol: f.key.Proto(), Packets: f.packets, Bytes: f.bytes,
			Start: time.Unix(f.first, 0).UTC(), End: time.Unix(f.last, 0).UTC(),
			Action: f.action, Status: OK,
		}
		if e := a.emit(&a.rec); e != nil && err == nil {
			err = e
		}
	}
	clear(a.index)
	a.flows = a.flows[:0]
	return err
}

// mod is the remainder of a by b, in [0, b).
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
