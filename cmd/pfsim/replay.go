package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/capture"
	"github.com/pfsim/pfsim/flowlog"
	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/replay"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

const replayUsage = `Usage: pfsim replay --vpc FILE [flags] INPUT

Replays real traffic through the VPC that FILE describes: a scenario file
(its steps are not run), or anything pfsim import reads (the JSON of AWS's
describe commands merged into one file, a Terraform file or plan). INPUT is
told by its content, plain or gzipped:

  a capture (pcap or pcapng; Ethernet with or without VLAN tags, Linux
  cooked, raw IP): every packet with an interface's address at one end goes
  through that interface's filters at the capture's own times - egress where
  it leaves an interface, ingress where it arrives, the whole path when both
  ends are interfaces. Prints the packets by verdict, the drops by filter and
  rule, the first drops explained, and the busiest flows.

  a VPC flow log (version 2 default format, or a custom format named by its
  header line): each record is played as its packets at its interface, and
  its action (ACCEPT or REJECT) is checked against pfsim's verdicts. Prints
  every record pfsim decides otherwise, with the reason, and a summary of the
  flows.

Exit status: 0 when the replay ran (for a flow log: and every record
agrees), 1 when some flow log records disagree, 2 on invalid input.

  --vpc FILE[,FILE...]  the VPC (required): a scenario file, or what
                        import reads (a directory: a Terraform root
                        module); several files, such as the AWS CLI's
                        describe-* outputs, joined by commas
  --json                one JSON record per line on standard output, each
                        with a "type"
  --flow-log OUT        captures: also write the VPC Flow Logs records AWS
                        would write (default format) to OUT ("-": standard
                        output)
  --aggregation D       the flow log's aggregation interval: 1m (or 60s) or
                        10m (default), AWS's two
  --account-id ID       the flow log's account-id field (default unknown)
  --explain N           explain the first N drops (default 10)
  --top N               list the N busiest flows (default 10)
  --max-record-packets N
                        flow logs: play a record as at most N packets
                        (default 1000)
`

// replayOptions are the flags of replay.
type replayOptions struct {
	vpcFile, input  string
	json            bool
	flowLog         string
	aggregation     time.Duration
	account         string
	explain, top    int
	maxRecord       int
	progressAllowed bool // stderr is a terminal
}

var replayCommand = &command{
	name:    "replay",
	args:    "--vpc FILE [flags] INPUT",
	summary: "replay a capture or a VPC flow log through a VPC",
	help:    replayUsage,
	flags: []flagSpec{{name: "vpc", value: "FILE"}, {name: "json"}, {name: "flow-log", value: "OUT"},
		{name: "aggregation", value: "D"}, {name: "account-id", value: "ID"}, {name: "explain", value: "N"},
		{name: "top", value: "N"}, {name: "max-record-packets", value: "N"}},
}

func init() {
	replayCommand.run = func(e *env, fl flags, inputs []string) int { return runReplay(e, fl, inputs) }
}

// replayOptionsOf checks the flags and the inputs of replay.
func replayOptionsOf(fl flags, inputs []string) (replayOptions, error) {
	o := replayOptions{aggregation: flowlog.TenMinutes, explain: replay.DefaultExplain, top: replay.DefaultBusiest,
		json: fl.has("json"), vpcFile: fl["vpc"], flowLog: fl["flow-log"], account: fl["account-id"]}
	if val, ok := fl["aggregation"]; ok {
		switch val {
		case "60s", "1m":
			o.aggregation = flowlog.OneMinute
		case "10m", "600s":
			o.aggregation = flowlog.TenMinutes
		default:
			return o, fmt.Errorf("--aggregation %q: AWS offers 1m (60s) and 10m", val)
		}
	}
	for name, dst := range map[string]*int{"explain": &o.explain, "top": &o.top, "max-record-packets": &o.maxRecord} {
		val, ok := fl[name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return o, fmt.Errorf("--%s %q: want a whole number, 0 or more", name, val)
		}
		*dst = n
	}
	switch {
	case o.vpcFile == "":
		return o, errors.New("--vpc FILE is required: the VPC to replay through")
	case len(inputs) == 0:
		return o, errors.New("no capture or flow log given")
	case len(inputs) > 1:
		return o, fmt.Errorf("one input at a time, not %d", len(inputs))
	}
	o.input = inputs[0]
	return o, nil
}

// loadVPC reads the VPC to replay through from path. It reads a scenario
// file (its steps are not run), or anything pfsim import reads (AWS JSON,
// Terraform), told apart by their content.
func loadVPC(path string) (vpc.Config, []string, error) {
	if paths := strings.Split(path, ","); len(paths) > 1 {
		// Several files that import reads together, such as the AWS CLI's
		// describe-* outputs: one VPC.
		var files []source.File
		for _, p := range paths {
			fs, err := readPath(p)
			if err != nil {
				return vpc.Config{}, nil, err
			}
			files = append(files, fs...)
		}
		return loadIngest(files...)
	}
	if files, err := readPath(path); err == nil && (len(files) > 1 || ingest.Detect(files[0].Name, files[0].Data) != ingest.Scenario) {
		return loadIngest(files...)
	}
	f, warns, err := scenario.Load(path)
	var words []string
	for _, w := range warns {
		words = append(words, fmt.Sprintf("%s: warning: %s", w.Pos, w.Msg))
	}
	if err != nil {
		return vpc.Config{}, words, err
	}
	if n := len(f.Steps); n > 0 {
		words = append(words, fmt.Sprintf("%s: note: the file's %d steps are not run by replay", path, n))
	}
	return scenario.Config(f), words, nil
}

// inputKind is what a replay input holds.
type inputKind int

const (
	kindCapture inputKind = iota + 1
	kindFlowLog
)

// sniff tells a capture from a flow log by the first bytes of the
// content, through gzip when it is compressed.
func sniff(br *bufio.Reader) inputKind {
	head, _ := br.Peek(4096)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return kindCapture // let the capture reader say what is wrong
		}
		inner := make([]byte, 4)
		n, _ := io.ReadFull(zr, inner)
		head = inner[:n]
	}
	if len(head) == 0 {
		return kindCapture // the capture reader says the file is empty
	}
	if len(head) >= 4 {
		switch string(head[:4]) {
		case "\x0a\x0d\x0d\x0a", "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x34\xcd\xb2\xa1", "\xa1\xb2\xcd\x34":
			return kindCapture
		}
	}
	for _, c := range head {
		if c == 0 || c > 0x7e && c < 0xa0 {
			return kindCapture // binary: not a flow log
		}
	}
	return kindFlowLog
}

// runReplay is pfsim replay.
func runReplay(e *env, fl flags, inputs []string) int {
	stdout, stderr := e.stdout, e.stderr
	o, err := replayOptionsOf(fl, inputs)
	if err != nil {
		fmt.Fprintf(stderr, "pfsim replay: %v\nUsage: pfsim replay %s\nRun 'pfsim help replay' for more.\n", err, replayCommand.args)
		return exitInvalid
	}
	cfg, warns, err := loadVPC(o.vpcFile)
	for _, w := range warns {
		fmt.Fprintln(stderr, w)
	}
	if err != nil {
		for _, e := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, e)
		}
		return exitInvalid
	}
	v, err := vpc.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", o.vpcFile, err)
		return exitInvalid
	}
	f, err := os.Open(o.input)
	if err != nil {
		fmt.Fprintf(stderr, "pfsim replay: %v\n", err)
		return exitInvalid
	}
	defer f.Close()
	if fe, ok := stderr.(*os.File); ok && isTerminal(fe) {
		o.progressAllowed = true
	}
	in := &countingReader{r: f}
	br := bufio.NewReaderSize(in, 64<<10)
	bar := newProgress(o, f, in, stderr)
	if sniff(br) == kindFlowLog {
		if o.flowLog != "" {
			fmt.Fprintf(stderr, "pfsim replay: --flow-log writes the flow log of a capture; %s is a flow log already\n", o.input)
			return exitInvalid
		}
		return replayFlowLog(o, v, br, bar, stdout, stderr)
	}
	return replayCapture(o, v, br, bar, stdout, stderr)
}

func (o replayOptions) options(bar *progress) replay.Options {
	// A flag of 0 asks for none, which replay.Options says with -1.
	opt := replay.Options{Explain: o.explain, Busiest: o.top, MaxRecordPackets: o.maxRecord}
	if o.explain == 0 {
		opt.Explain = -1
	}
	if o.top == 0 {
		opt.Busiest = -1
	}
	if bar != nil {
		opt.Progress = bar.update
	}
	return opt
}

func replayCapture(o replayOptions, v *vpc.VPC, r io.Reader, bar *progress, stdout, stderr io.Writer) int {
	rd, err := capture.NewReader(r, o.input)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	opt := o.options(bar)
	var logFile *os.File
	var logW *flowlog.Writer
	if o.flowLog != "" {
		out := stdout
		if o.flowLog != "-" {
			if logFile, err = os.Create(o.flowLog); err != nil {
				fmt.Fprintf(stderr, "pfsim replay: %v\n", err)
				return exitInvalid
			}
			defer logFile.Close()
			out = logFile
		}
		logW = flowlog.NewWriter(out)
		if opt.FlowLog, err = flowlog.NewAggregator(o.aggregation, o.account, logW.Write); err != nil {
			fmt.Fprintf(stderr, "pfsim replay: %v\n", err)
			return exitInvalid
		}
	}
	sum, err := replay.Capture(v, rd, opt)
	bar.done()
	status := exitOK
	if err != nil {
		fmt.Fprintln(stderr, err)
		status = exitInvalid
	}
	if logW != nil {
		if ferr := logW.Flush(); ferr != nil {
			fmt.Fprintf(stderr, "pfsim replay: flow log: %v\n", ferr)
			status = exitInvalid
		}
		if logFile != nil {
			if cerr := logFile.Close(); cerr != nil {
				fmt.Fprintf(stderr, "pfsim replay: flow log: %v\n", cerr)
				status = exitInvalid
			}
		}
	}
	if sum == nil {
		return exitInvalid
	}
	if o.json {
		writeSummaryJSON(stdout, o, sum, err)
	} else if o.flowLog != "-" {
		writeSummary(stdout, o, sum)
	}
	return status
}

func replayFlowLog(o replayOptions, v *vpc.VPC, r io.Reader, bar *progress, stdout, stderr io.Writer) int {
	rd, err := flowlog.NewReader(r, o.input)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	rep, err := replay.FlowLogs(v, rd, o.input, o.options(bar))
	bar.done()
	status := exitOK
	if len(rep.Disagreements) > 0 {
		status = exitFailed
	}
	for _, e := range rep.Invalid {
		fmt.Fprintln(stderr, e)
	}
	if n := rep.InvalidCount - len(rep.Invalid); n > 0 {
		fmt.Fprintf(stderr, "%s: %s that are not records\n", o.input, plural(n, "more line"))
	}
	if rep.InvalidCount > 0 {
		status = exitInvalid
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		status = exitInvalid
	}
	if o.json {
		writeReportJSON(stdout, rep, err)
	} else {
		writeReport(stdout, o, rep)
	}
	return status
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress draws a progress bar on standard error.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	in    *countingReader
	drawn bool
}

// progressMin is the input size from which a bar is drawn: smaller
// inputs replay in about a second.
const progressMin = 32 << 20

// newProgress returns a bar when standard error is a terminal and the
// input is large, or nil.
func newProgress(o replayOptions, f *os.File, in *countingReader, w io.Writer) *progress {
	if !o.progressAllowed || o.json && o.flowLog == "-" {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < progressMin {
		return nil
	}
	return &progress{w: w, name: o.input, size: fi.Size(), in: in}
}

func (p *progress) update(n int) {
	if p == nil {
		return
	}
	const width = 30
	frac := float64(p.in.n) / float64(p.size)
	frac = min(frac, 1)
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d", p.name, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, n)
	p.drawn = true
}

func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// writeSummary prints a capture's summary.
func writeSummary(w io.Writer, o replayOptions, s *replay.Summary) {
	fmt.Fprintf(w, "%s (%s) through %s\n", s.File, s.Format, o.vpcFile)
	judged := s.Allowed + s.Dropped
	fmt.Fprintf(w, "  %s", plural(s.Packets, "packet"))
	if !s.First.IsZero() {
		fmt.Fprintf(w, " from %s to %s (%s)", s.First.UTC().Format(time.RFC3339Nano), s.Last.UTC().Format(time.RFC3339Nano), s.Last.Sub(s.First))
	}
	fmt.Fprintf(w, "\n  %d judged: %d allowed, %d dropped", judged, s.Allowed, s.Dropped)
	if s.Exempt > 0 {
		fmt.Fprintf(w, "; %d to or from AWS services, which no filter sees", s.Exempt)
	}
	fmt.Fprintln(w)
	if s.NotIP+s.Malformed+s.NoInterface > 0 {
		fmt.Fprintf(w, "  skipped: %d not IP, %d malformed, %d with no interface of the VPC at either end\n", s.NotIP, s.Malformed, s.NoInterface)
		for _, e := range s.Skipped {
			fmt.Fprintf(w, "    %s\n", e)
		}
	}
	if s.OutOfOrder+s.NoTime > 0 {
		fmt.Fprintf(w, "  %s out of time order and %d without a time, replayed at the latest time seen\n", plural(s.OutOfOrder, "packet"), s.NoTime)
	}
	if len(s.Drops) > 0 {
		fmt.Fprintln(w, "\ndrops by stage and rule:")
		for _, g := range s.Drops {
			fmt.Fprintf(w, "  %8d  %s  %s\n", g.Packets, g.Interface, g)
			fmt.Fprintf(w, "            first: %s\n", g.Example)
		}
	}
	if len(s.FirstDrops) > 0 {
		fmt.Fprintln(w, "\nfirst drops explained:")
		for _, d := range s.FirstDrops {
			fmt.Fprintf(w, "  packet %d at %s: %s\n    %s\n", d.Packet, d.Time.UTC().Format(time.RFC3339Nano), d.Text, d.Why)
		}
	}
	if len(s.Busiest) > 0 {
		fmt.Fprintln(w, "\nbusiest flows:")
		fmt.Fprintf(w, "  %10s %12s %10s %10s  %s\n", "packets", "bytes", "allowed", "dropped", "flow")
		for _, f := range s.Busiest {
			approx := ""
			if f.Error > 0 {
				approx = fmt.Sprintf(" (up to %d more packets not counted)", f.Error)
			}
			fmt.Fprintf(w, "  %10d %12d %10d %10d  %s%s\n", f.Packets, f.Bytes, f.Allowed, f.Dropped, f.Flow, approx)
		}
	}
}

// writeSummaryJSON prints a capture's summary as JSON records.
func writeSummaryJSON(w io.Writer, o replayOptions, s *replay.Summary, err error) {
	rec := map[string]any{
		"type": "summary", "input": s.File, "format": s.Format, "vpc": o.vpcFile,
		"packets": s.Packets, "allowed": s.Allowed, "dropped": s.Dropped, "exempt": s.Exempt,
		"not_ip": s.NotIP, "malformed": s.Malformed, "no_interface": s.NoInterface,
		"out_of_order": s.OutOfOrder, "no_time": s.NoTime,
	}
	if len(s.Skipped) > 0 {
		rec["skipped_examples"] = s.Skipped
	}
	if !s.First.IsZero() {
		rec["first"], rec["last"] = s.First.UTC(), s.Last.UTC()
	}
	if err != nil {
		rec["error"] = err.Error()
	}
	writeRecord(w, rec)
	for _, g := range s.Drops {
		writeRecord(w, map[string]any{
			"type": "drops", "interface": g.Interface, "stage": g.Stage, "direction": g.Direction, "reason": g.Reason.String(),
			"filter": g.Filter, "rule": g.Rule, "rule_text": g.RuleText, "packets": g.Packets, "example": g.Example, "what": g.String(),
		})
	}
	for _, d := range s.FirstDrops {
		writeRecord(w, map[string]any{"type": "drop", "packet_number": d.Packet, "time": d.Time.UTC(), "packet": d.Text, "why": d.Why})
	}
	for _, f := range s.Busiest {
		writeRecord(w, map[string]any{"type": "flow", "flow": f.Flow, "packets": f.Packets, "bytes": f.Bytes,
			"allowed": f.Allowed, "dropped": f.Dropped, "uncounted_at_most": f.Error})
	}
}

// writeReport prints a flow log's report: each disagreement, then the
// summary.
func writeReport(w io.Writer, o replayOptions, r *replay.Report) {
	for _, d := range r.Disagreements {
		verdict := fmt.Sprintf("pfsim allowed %d and dropped %d of the %d packets played", d.Allowed, d.Dropped, d.Played)
		fmt.Fprintf(w, "%s:%d: %s\n  %s at %s: logged %s, %s\n  %s: %s\n",
			r.File, d.Line, d.Record, d.Direction, d.Interface, d.Logged, verdict, d.Packet, d.Why)
	}
	if len(r.Disagreements) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s through %s: %s, %d replayed (%s): %d agree, %d disagree\n",
		r.File, o.vpcFile, plural(r.Records, "record"), r.Played, plural(int(r.Packets), "packet"), r.Agree, len(r.Disagreements))
	if skipped := r.NoData + r.SkipData + r.UnknownInterface + r.NotInterface + r.Incomplete + r.InvalidCount; skipped > 0 {
		fmt.Fprintf(w, "  skipped: %d NODATA, %d SKIPDATA, %d of interfaces not in the VPC, %d not to or from their interface, %d incomplete, %s\n",
			r.NoData, r.SkipData, r.UnknownInterface, r.NotInterface, r.Incomplete, plural(r.InvalidCount, "invalid line"))
	}
	if r.Flows == 0 {
		return
	}
	fmt.Fprintf(w, "  %s\n", plural(r.Flows, "flow"))
	dist := func(name, unit string, d replay.Distribution) {
		if d.N == 0 {
			return
		}
		fmt.Fprintf(w, "  %-18s n %d, mean %s, median %s, p90 %s, p99 %s, max %s%s\n", name, d.N,
			num(d.Mean), num(d.Median), num(d.P90), num(d.P99), num(d.Max), unit)
	}
	dist("durations:", " s", r.Durations)
	dist("packets per flow:", "", r.PacketsPerFlow)
	dist("idle gaps:", " s", r.Gaps)
	if r.Gaps.N > 0 {
		fmt.Fprintf(w, "  %d idle gaps as long as the flow's tracking timeout or longer: the connection was forgotten, and its next packet judged anew\n", r.GapsOverTimeout)
	}
}

// num prints a statistic with at most one decimal.
func num(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// writeReportJSON prints a flow log's report as JSON records.
func writeReportJSON(w io.Writer, r *replay.Report, err error) {
	for _, d := range r.Disagreements {
		writeRecord(w, map[string]any{
			"type": "disagreement", "file": r.File, "line": d.Line, "record": d.Record, "interface": d.Interface,
			"direction": d.Direction, "logged": d.Logged.String(), "played": d.Played, "allowed": d.Allowed, "dropped": d.Dropped,
			"packet": d.Packet, "why": d.Why,
		})
	}
	for _, e := range r.Invalid {
		writeRecord(w, map[string]any{"type": "invalid", "error": e})
	}
	rec := map[string]any{
		"type": "summary", "input": r.File, "records": r.Records, "replayed": r.Played, "packets": r.Packets,
		"agree": r.Agree, "disagree": len(r.Disagreements), "nodata": r.NoData, "skipdata": r.SkipData,
		"unknown_interface": r.UnknownInterface, "not_interface": r.NotInterface, "incomplete": r.Incomplete,
		"invalid": r.InvalidCount, "flows": r.Flows, "durations_s": r.Durations, "packets_per_flow": r.PacketsPerFlow,
		"idle_gaps_s": r.Gaps, "idle_gaps_over_timeout": r.GapsOverTimeout,
	}
	if err != nil {
		rec["error"] = err.Error()
	}
	writeRecord(w, rec)
}
