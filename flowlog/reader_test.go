package flowlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
)

// readAll reads every record of a log; each line of the result is a
// record in the default format, or an error.
func readAll(t testing.TB, data []byte, name string) []string {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data), name)
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	var out []string
	var r Record
	for i := 0; i < 100000; i++ {
		err := rd.Next(&r)
		var se *source.Error
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &se):
			out = append(out, "error: "+err.Error())
		case err != nil:
			return append(out, "fatal: "+err.Error())
		default:
			out = append(out, r.String())
		}
	}
	t.Fatalf("%s: no end", name)
	return nil
}

// TestReadPublished reads AWS's published example records (testdata's
// README names where each comes from): the default format and three
// custom formats, each record written back in the default format. What
// each record must become is worked out here from the fixture alone: its
// values picked out by the header's names, in the default format's
// order, "-" for a field the format lacks.
func TestReadPublished(t *testing.T) {
	tests := []struct {
		file   string
		header bool
		format []Field
		n      int
	}{
		{"aws-default-examples.log", false, DefaultFormat, 7},
		// Written back in the default format, a version 3 record is still
		// version 3: the version is the record's.
		{"aws-tcp-flags.log", true, []Field{FieldVersion, FieldInterfaceID, FieldAccountID, FieldSrcAddr, FieldDstAddr,
			FieldSrcPort, FieldDstPort, FieldProtocol, FieldBytes, FieldPackets, FieldStart, FieldEnd, FieldAction, FieldTCPFlags, FieldLogStatus}, 8},
		{"aws-flow-direction.log", true, []Field{FieldVersion, FieldSrcAddr, FieldDstAddr, FieldSrcPort, FieldDstPort, FieldProtocol,
			FieldStart, FieldEnd, FieldPackets, FieldBytes, FieldAccountID, FieldInterfaceID, FieldAction, FieldTCPFlags, FieldFlowDirection, FieldLogStatus}, 2},
		// A custom format without counts or times: those are "-".
		{"aws-transit-gateway.log", true, []Field{FieldVersion, FieldInterfaceID, FieldAccountID, FieldSrcAddr, FieldDstAddr,
			FieldSrcPort, FieldDstPort, FieldProtocol, FieldTCPFlags, FieldAction, FieldLogStatus}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			want := inDefaultFormat(t, string(data), tt.header)
			require.Len(t, want, tt.n, "records in the fixture")
			assert.Equal(t, want, readAll(t, data, tt.file))
			rd, err := NewReader(bytes.NewReader(data), tt.file)
			require.NoError(t, err)
			assert.Equal(t, tt.header, rd.Header())
			assert.Equal(t, tt.format, rd.Format())
		})
	}
}

// inDefaultFormat rewrites the records of a log in the default format by
// their field names alone: the header's names (or the default format's
// when there is no header) pick each value out, in the default order,
// with "-" for a field the format lacks.
func inDefaultFormat(t *testing.T, log string, header bool) []string {
	t.Helper()
	defaultNames := strings.Fields(defaultHeader(t))
	lines := strings.Split(strings.TrimSpace(log), "\n")
	names := defaultNames
	if header {
		names, lines = strings.Fields(lines[0]), lines[1:]
	}
	var out []string
	for _, line := range lines {
		values := strings.Fields(line)
		require.Len(t, values, len(names), "fixture line %q", line)
		byName := map[string]string{}
		for i, n := range names {
			byName[n] = values[i]
		}
		var rec []string
		for _, n := range defaultNames {
			v, ok := byName[n]
			if !ok {
				v = "-"
			}
			rec = append(rec, v)
		}
		out = append(out, strings.Join(rec, " "))
	}
	return out
}

// TestReadFields: the values of the later versions' fields, and what "-"
// leaves out.
func TestReadFields(t *testing.T) {
	data, err := os.ReadFile("testdata/aws-flow-direction.log")
	require.NoError(t, err)
	rd, err := NewReader(bytes.NewReader(data), "f")
	require.NoError(t, err)
	var r Record
	require.NoError(t, rd.Next(&r))
	assert.Equal(t, 5, r.Version)
	assert.Equal(t, flow.Ingress, r.Direction)
	assert.Equal(t, FlagSYNACK|FlagFIN, r.TCPFlags)
	assert.Equal(t, flow.TCP, r.Protocol)
	assert.Equal(t, time.Unix(1616729292, 0).UTC(), r.Start)
	assert.Equal(t, 2, r.Line)
	assert.True(t, r.Has.Has(FieldFlowDirection))
	require.NoError(t, rd.Next(&r))
	assert.Equal(t, flow.Egress, r.Direction)
	assert.Equal(t, 3, rd.Line())

	// NODATA: the flow fields are "-", so absent.
	data, err = os.ReadFile("testdata/aws-default-examples.log")
	require.NoError(t, err)
	rd, err = NewReader(bytes.NewReader(data), "f")
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		require.NoError(t, rd.Next(&r))
	}
	assert.Equal(t, NoData, r.Status)
	assert.Equal(t, NoAction, r.Action)
	assert.False(t, r.Has.Has(FieldSrcAddr))
	assert.False(t, r.Has.Has(FieldPackets))
	assert.True(t, r.Has.Has(FieldStart))
	assert.Equal(t, "eni-1235b8ca123456789", r.InterfaceID)
}

// TestReadGzip: a gzipped log reads as the plain one.
func TestReadGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/aws-default-examples.log")
	require.NoError(t, err)
	gz, err := os.ReadFile("testdata/aws-default-examples.log.gz")
	require.NoError(t, err)
	assert.Equal(t, readAll(t, plain, "f"), readAll(t, gz, "f"))
	assert.Equal(t, []string{"open: f: gzip: unexpected EOF"}, readAll(t, []byte{0x1f, 0x8b, 9, 9}, "f"))
	// A stream cut short ends the file with an error after what it held.
	got := readAll(t, gz[:len(gz)-20], "f")
	require.NotEmpty(t, got)
	assert.Equal(t, "fatal: f: unexpected EOF", got[len(got)-1])
}

// TestReadErrors: what is wrong with a line is reported at its line and
// column, naming the interface and the field, and reading goes on.
func TestReadErrors(t *testing.T) {
	const good = "2 123456789010 eni-1 10.0.1.10 198.51.100.7 80 49152 6 10 840 1700000000 1700000060 ACCEPT OK"
	tests := []struct {
		name string
		log  string
		want []string
	}{
		{"empty", "", nil},
		{"comments and blank lines", "# exported\n\n" + good + "\n   \n", []string{good}},
		{"too few fields", "2 1 eni-1 10.0.1.10\n" + good, []string{
			"error: f:1:1: 4 fields, but the default format has 14", good}},
		{"bad address", "2 1 eni-1 10.0.1.x 198.51.100.7 80 49152 6 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:11: eni-1 srcaddr: "10.0.1.x" is not an IP address`}},
		{"bad port", "2 1 eni-1 10.0.1.10 198.51.100.7 80 70000 6 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:37: eni-1 dstport: "70000" is not a port (0-65535)`}},
		{"bad protocol", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 tcp 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:39: eni-1 protocol: "tcp" is not an IANA protocol number (0-255)`}},
		{"bad count", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 -10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:41: eni-1 packets: "-10" is not a count`}},
		{"bad time", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 yesterday 1700000060 ACCEPT OK", []string{
			`error: f:1:48: eni-1 start: "yesterday" is not a time in Unix seconds`}},
		{"end before start", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000060 1700000000 ACCEPT OK", []string{
			`error: f:1:59: eni-1 end: 1700000000 is before start 1700000060`}},
		{"bad action", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000000 1700000060 accept OK", []string{
			`error: f:1:70: eni-1 action: "accept": want ACCEPT or REJECT`}},
		{"bad status", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000000 1700000060 ACCEPT FINE", []string{
			`error: f:1:77: eni-1 log-status: "FINE": want OK, NODATA or SKIPDATA`}},
		{"no status", "2 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000000 1700000060 ACCEPT -", []string{
			`error: f:1:77: eni-1 log-status: "-": want OK, NODATA or SKIPDATA`}},
		{"no interface", "2 1 - 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:5: interface-id: "-": the record names no interface`}},
		{"two families", "2 1 eni-1 10.0.1.10 2001:db8::7 80 7 6 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:21: eni-1 dstaddr: 10.0.1.10 and 2001:db8::7 are of two families`}},
		{"bad version", "x 1 eni-1 10.0.1.10 198.51.100.7 80 7 6 10 840 1700000000 1700000060 ACCEPT OK", []string{
			`error: f:1:1: eni-1 version: "x": want a version number, 2 or more`}},
		// Headers.
		{"header with fewer fields", "interface-id srcaddr log-status\neni-1 10.0.1.10 OK\neni-1 OK", []string{
			"2 - eni-1 10.0.1.10 - - - - - - - - - OK",
			"error: f:3:1: 2 fields, but the header names 3"}},
		{"header in ${} form", "${interface-id} ${action} ${log-status}\neni-1 REJECT OK", []string{
			"2 - eni-1 - - - - - - - - - REJECT OK"}},
		{"header names a field twice", "interface-id srcaddr srcaddr log-status\n", []string{
			"open: f:1:22: srcaddr: field named twice in the header"}},
		{"header of unknown fields", "alpha beta\n", []string{
			"open: f:1:1: the header names no flow log field (alpha beta) (the default format's header is: " + defaultHeader(t) + ")"}},
		{"header without interface", "srcaddr dstaddr action log-status\n", []string{
			"open: f:1:1: the format has no interface-id (a record is about one interface; without it pfsim cannot tell which)"}},
		{"unknown fields are skipped", "interface-id future-field log-status\neni-1 anything OK", []string{
			"2 - eni-1 - - - - - - - - - - OK"}},
		{"line too long", good + "\n" + strings.Repeat("x", maxLine+10) + "\n" + good, []string{
			good, "fatal: f:2: line longer than 65536 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, []byte(tt.log), "f"))
		})
	}
}

// TestReadSticky: an error that ends the file comes back on every later
// call.
func TestReadSticky(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write([]byte("2 1 eni-1 - - - - - - - 1 2 - NODATA\n"))
	require.NoError(t, zw.Close())
	data := z.Bytes()[:z.Len()-6]
	rd, err := NewReader(bytes.NewReader(data), "f")
	require.NoError(t, err)
	var r Record
	err = rd.Next(&r)
	for err == nil {
		err = rd.Next(&r)
	}
	require.NotEqual(t, io.EOF, err)
	assert.Equal(t, err, rd.Next(&r))
}

// defaultHeader is the default format's header line, as AWS documents it
// (testdata/default-format.header), without its line end.
func defaultHeader(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/default-format.header")
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}
