package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/internal/pcaptest"
)

const pingLesson = "../../examples/scenarios/10-ping-sg-admits-acl-rejects.yaml"

// pingCapture writes a capture of the ping of the lesson (TRACE-F): three
// echo requests a second apart from 2023-11-14T22:13:20Z, each answered;
// gzipped if asked.
func pingCapture(t *testing.T, gz bool) string {
	var recs []pcaptest.Record
	for i := 0; i < 3; i++ {
		at := time.Unix(1700000000+int64(i), 0)
		req := flow.MustParsePacket("icmp 203.0.113.12 > 172.31.16.139 echo-request id 1 len 84")
		recs = append(recs,
			pcaptest.Record{Time: at, Frame: pcaptest.FrameOf(t, pcaptest.Ethernet, req)},
			pcaptest.Record{Time: at.Add(time.Millisecond), Frame: pcaptest.FrameOf(t, pcaptest.Ethernet, req.Reverse())})
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, recs))
	return writeTemp(t, "ping.pcap", buf.Bytes(), gz)
}

func writeTemp(t *testing.T, name string, data []byte, gz bool) string {
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(data)
		require.NoError(t, zw.Close())
		data, name = z.Bytes(), name+".gz"
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

// awsExamples is AWS's published example records in the default format,
// kept with their source and licence in flowlog's testdata.
const awsExamples = "../../flowlog/testdata/aws-default-examples.log"

// pingLog returns AWS's two records of the ping the lesson replays (the
// requests accepted, the replies rejected): the ICMP records of
// awsExamples.
func pingLog(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(awsExamples)
	require.NoError(t, err)
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 14 && f[7] == "1" {
			b.WriteString(line + "\n")
		}
	}
	require.Equal(t, 2, strings.Count(b.String(), "\n"), "the ping's records in %s", awsExamples)
	return b.String()
}

// replay of a capture prints the verdicts, the drops by rule, the first
// drops explained and the busiest flows; the input may be gzipped.
func TestReplayCapture(t *testing.T) {
	for _, gz := range []bool{false, true} {
		code, out, errOut := pfsim("replay", "--vpc", pingLesson, "--explain", "1", pingCapture(t, gz))
		assert.Equal(t, exitOK, code, errOut)
		assert.Contains(t, errOut, "note: the file's 15 steps are not run by replay")
		assert.Contains(t, out, "(pcap) through "+pingLesson)
		assert.Contains(t, out, "  6 packets from 2023-11-14T22:13:20Z to 2023-11-14T22:13:22.001Z (2.001s)\n")
		assert.Contains(t, out, "  6 judged: 3 allowed, 3 dropped\n")
		assert.Contains(t, out, "drops by stage and rule:\n         3  eni-1235b8ca123456789  network ACL acl-ping egress rule * (default deny)\n")
		assert.Contains(t, out, "first drops explained:\n  packet 2 at 2023-11-14T22:13:20.001Z: icmp 172.31.16.139 > 203.0.113.12 echo-reply id 1 len 84\n")
		assert.Equal(t, 1, strings.Count(out, "  packet "), "--explain 1")
		assert.Contains(t, out, "busiest flows:")
		assert.Contains(t, out, "icmp 172.31.16.139 <> 203.0.113.12 id 1")
	}
}

// --flow-log writes AWS's records for the capture; "-" writes them on
// standard output instead of the summary.
func TestReplayFlowLogOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "flows.log")
	code, _, errOut := pfsim("replay", "--vpc", pingLesson, "--flow-log", out, "--account-id", "210987654321", "--aggregation", "60s", pingCapture(t, false))
	require.Equal(t, exitOK, code, errOut)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want := "2 210987654321 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 3 252 1700000000 1700000002 ACCEPT OK\n" +
		"2 210987654321 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 3 252 1700000000 1700000002 REJECT OK\n"
	assert.Equal(t, want, string(got))

	code, stdout, _ := pfsim("replay", "--vpc", pingLesson, "--flow-log", "-", "--account-id", "210987654321", pingCapture(t, false))
	assert.Equal(t, exitOK, code)
	assert.Equal(t, want, stdout)

	// What replay writes, replay reads back, and it agrees with itself.
	code, stdout, errOut = pfsim("replay", "--vpc", pingLesson, out)
	assert.Equal(t, exitOK, code, stdout+errOut)
	assert.Contains(t, stdout, "2 records, 2 replayed (6 packets): 2 agree, 0 disagree")
}

// replay of a flow log exits 0 when every record agrees, 1 when one does
// not, and prints that record with the reason.
func TestReplayFlowLogIn(t *testing.T) {
	pingLog := pingLog(t)
	code, out, errOut := pfsim("replay", "--vpc", pingLesson, writeTemp(t, "ping.log", []byte(pingLog), true))
	assert.Equal(t, exitOK, code, out+errOut)
	assert.Contains(t, out, "2 records, 2 replayed (8 packets): 2 agree, 0 disagree")
	assert.Contains(t, out, "  1 flow\n  durations:         n 1, mean 115, median 115, p90 115, p99 115, max 115 s\n")

	// AWS says the replies were accepted: pfsim disagrees, and says why.
	wrong := strings.Replace(pingLog, "REJECT", "ACCEPT", 1)
	code, out, _ = pfsim("replay", "--vpc", pingLesson, writeTemp(t, "wrong.log", []byte(wrong), false))
	assert.Equal(t, exitFailed, code)
	lines := strings.Split(out, "\n")
	require.GreaterOrEqual(t, len(lines), 3, out)
	wrongLine := strings.Split(wrong, "\n")[1]
	assert.True(t, strings.HasSuffix(lines[0], "wrong.log:2: "+wrongLine), lines[0])
	assert.Equal(t, "  egress at eni-1235b8ca123456789: logged ACCEPT, pfsim allowed 0 and dropped 4 of the 4 packets played", lines[1])
	assert.Contains(t, lines[2], "icmp 172.31.16.139 > 203.0.113.12 echo-reply len 84: ")
	assert.Contains(t, lines[2], "dropped by network ACL acl-ping egress rule *")
	assert.Contains(t, out, "1 agree, 1 disagree")

	// A line that is not a record: reported at FILE:LINE:COL, exit 2.
	// The first record again, its start (the eleventh field, at column
	// 77) not a number.
	f := strings.Fields(pingLog)[:14]
	f[10] = "soon"
	bad := pingLog + strings.Join(f, " ") + "\n"
	path := writeTemp(t, "bad.log", []byte(bad), false)
	code, _, errOut = pfsim("replay", "--vpc", pingLesson, path)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, path+`:3:77: eni-1235b8ca123456789 start: "soon" is not a time in Unix seconds`)
}

// --json: one JSON object a line, each with its type.
func TestReplayJSON(t *testing.T) {
	types := func(out string) []string {
		var ts []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
			ts = append(ts, rec["type"].(string))
		}
		return ts
	}
	code, out, _ := pfsim("replay", "--json", "--vpc", pingLesson, "--explain", "2", "--top", "1", pingCapture(t, false))
	assert.Equal(t, exitOK, code)
	assert.Equal(t, []string{"summary", "drops", "drop", "drop", "flow"}, types(out))
	assert.Contains(t, out, `"stage":"nacl"`)
	assert.Contains(t, out, `"rule":"*"`)

	wrong := strings.Replace(pingLog(t), "REJECT", "ACCEPT", 1)
	code, out, _ = pfsim("replay", "--json", "--vpc", pingLesson, writeTemp(t, "wrong.log", []byte(wrong), false))
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, []string{"disagreement", "summary"}, types(out))
	assert.Contains(t, out, `"durations_s":{"n":1,"mean":115`)
}

// Invalid invocations and inputs exit 2 and say what is wrong.
func TestReplayErrors(t *testing.T) {
	capFile := pingCapture(t, false)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no vpc", []string{"replay", capFile}, "--vpc FILE is required"},
		{"no input", []string{"replay", "--vpc", pingLesson}, "no capture or flow log given"},
		{"two inputs", []string{"replay", "--vpc", pingLesson, capFile, capFile}, "one input at a time, not 2"},
		{"unknown flag", []string{"replay", "--vpc", pingLesson, "--fast", capFile}, "unknown flag --fast"},
		{"aggregation", []string{"replay", "--vpc", pingLesson, "--aggregation", "5m", capFile}, `--aggregation "5m": AWS offers 1m (60s) and 10m`},
		{"bad number", []string{"replay", "--vpc", pingLesson, "--top=-1", capFile}, `--top "-1": want a whole number`},
		{"invalid vpc", []string{"replay", "--vpc", "testdata/invalid.yaml", capFile}, "testdata/invalid.yaml:5:"},
		{"missing input", []string{"replay", "--vpc", pingLesson, "nope.pcap"}, "nope.pcap"},
		{"flow log of a flow log", []string{"replay", "--vpc", pingLesson, "--flow-log", "x", writeTemp(t, "p.log", []byte(pingLog(t)), false)}, "--flow-log writes the flow log of a capture"},
		{"cut capture", []string{"replay", "--vpc", pingLesson, func() string {
			data, err := os.ReadFile(capFile)
			require.NoError(t, err)
			return writeTemp(t, "cut.pcap", data[:len(data)-7], false)
		}()}, "packet 6: pcap: file ends inside the packet (the capture was cut short)"},
		{"empty input", []string{"replay", "--vpc", pingLesson, writeTemp(t, "empty.log", nil, false)}, "empty.log: empty file"},
		{"empty gzipped input", []string{"replay", "--vpc", pingLesson, writeTemp(t, "empty.log", nil, true)}, "empty.log.gz: empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := pfsim(tt.args...)
			assert.Equal(t, exitInvalid, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
	code, out, _ := pfsim("replay", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: pfsim replay --vpc FILE")
	code, out, _ = pfsim("help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "pfsim replay --vpc FILE [flags] INPUT")
}

// sniff tells captures from flow logs, through gzip too.
func TestReplaySniff(t *testing.T) {
	capData, err := os.ReadFile(pingCapture(t, false))
	require.NoError(t, err)
	gz := func(b []byte) []byte {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return z.Bytes()
	}
	ng := pcaptest.PCAPNG{Links: []uint16{1}}.Header(nil)
	tests := []struct {
		name string
		data []byte
		want inputKind
	}{
		{"pcap", capData, kindCapture},
		{"pcap.gz", gz(capData), kindCapture},
		{"pcapng", ng, kindCapture},
		{"flow log", []byte(pingLog(t)), kindFlowLog},
		{"flow log.gz", gz([]byte(pingLog(t))), kindFlowLog},
		{"header", []byte("version account-id interface-id\n"), kindFlowLog},
		{"binary garbage", []byte{1, 2, 0, 4}, kindCapture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sniff(bufioReader(tt.data)))
		})
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// --vpc takes several files joined by commas, as import reads them: the
// seed's VPC as the AWS CLI's describe-* outputs.
func TestReplayVPCOfSeveralFiles(t *testing.T) {
	dir := "../../ingest/awsjson/testdata/seed/"
	var vpcFiles []string
	for _, f := range []string{"describe-security-groups.json", "describe-network-acls.json", "describe-subnets.json",
		"describe-network-interfaces.json", "describe-vpcs.json"} {
		vpcFiles = append(vpcFiles, dir+f)
	}
	at := time.Unix(1_700_000_000, 0)
	var recs []pcaptest.Record
	for i, text := range []string{
		"tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]",  // the group admits http
		"tcp 198.51.100.7:50001 > 10.0.1.10:443 [S]", // and nothing on 443
	} {
		p := flow.MustParsePacket(text)
		recs = append(recs, pcaptest.Record{Time: at.Add(time.Duration(i) * time.Second), Frame: pcaptest.FrameOf(t, pcaptest.Ethernet, p)})
	}
	var buf bytes.Buffer
	require.NoError(t, pcaptest.PCAP{Link: pcaptest.Ethernet}.Write(&buf, recs))
	capFile := writeTemp(t, "seed.pcap", buf.Bytes(), false)

	code, out, errOut := pfsim("replay", "--vpc", strings.Join(vpcFiles, ","), capFile)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "2 judged: 1 allowed, 1 dropped")
	assert.Contains(t, out, "10.0.1.10:443")

	code, _, errOut = pfsim("replay", "--vpc", vpcFiles[0]+","+dir+"missing.json", capFile)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "missing.json")
}
