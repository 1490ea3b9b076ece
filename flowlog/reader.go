package flowlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/ingest/source"
)

// maxLine is the longest line the Reader takes. A record of every field
// AWS offers is well under 2 KiB.
const maxLine = 64 << 10

// maxFields is the most fields a format may have: AWS offers some forty.
const maxFields = 64

// Reader reads flow log records, one line at a time: the default format,
// or a custom one given by the file's first line, a header that names the
// fields ("version account-id interface-id ...", as files delivered to
// Amazon S3 begin, or the ${field} form of the API's LogFormat). Files
// compressed with gzip, as S3 delivers them, are recognised by their
// content. Blank lines and lines that start with # are skipped.
//
// A Reader holds one line at a time, whatever the file's length.
type Reader struct {
	name   string
	sc     *bufio.Scanner
	format []Field  // each column's field (fieldOther for one pfsim skips)
	names  []string // each column's name as the header gave it
	fields Fields   // the fields the format has
	header bool
	line   int
	err    error // what ended the file, returned again
	first  []byte
	vers   int // the version the format implies
}

// NewReader returns a Reader of the flow log r holds; name is what
// positions call the file. It reads the first line to learn the format,
// and reports a header that names no field pfsim reads, or that lacks
// the fields a record needs (interface-id, log-status), as a
// *source.Error at line 1.
func NewReader(r io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	rd := &Reader{name: name, sc: bufio.NewScanner(br), format: DefaultFormat, vers: 2}
	rd.sc.Buffer(make([]byte, 4096), maxLine)
	for _, f := range DefaultFormat {
		rd.fields = rd.fields.With(f)
	}
	// The first line that is not blank or a comment: a header, or the
	// first record (kept for Next).
	for rd.sc.Scan() {
		rd.line++
		line := bytes.TrimSpace(rd.sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if isHeader(line) {
			if err := rd.readHeader(line); err != nil {
				return nil, err
			}
		} else {
			rd.first = append([]byte(nil), rd.sc.Bytes()...)
		}
		break
	}
	if err := rd.sc.Err(); err != nil {
		return nil, rd.ioError(err)
	}
	return rd, nil
}

// Format returns the fields of the format, in column order; a column
// pfsim does not read is not in it.
func (rd *Reader) Format() []Field {
	var out []Field
	for _, f := range rd.format {
		if f < numFields {
			out = append(out, f)
		}
	}
	return out
}

// Header reports whether the file began with a header line.
func (rd *Reader) Header() bool { return rd.header }

// Line returns the number of the last line read.
func (rd *Reader) Line() int { return rd.line }

// isHeader reports whether line names fields: every token is a field name
// (lower-case letters, digits and hyphens, starting with a letter),
// possibly as ${name}. A record has numbers, addresses or upper-case
// words in it.
func isHeader(line []byte) bool {
	for _, tok := range bytes.Fields(line) {
		tok = bytes.TrimSuffix(bytes.TrimPrefix(tok, []byte("${")), []byte("}"))
		if len(tok) == 0 || tok[0] < 'a' || tok[0] > 'z' {
			return false
		}
		for _, c := range tok {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// fieldVersion is the flow log version that introduced each field.
var fieldVersion = [numFields]int{FieldTCPFlags: 3, FieldFlowDirection: 5}

// laterFields are the fields of versions 3 and later that pfsim does not
// read, with their versions, so that a header naming them is understood.
var laterFields = map[string]int{
	"vpc-id": 3, "subnet-id": 3, "instance-id": 3, "type": 3, "pkt-srcaddr": 3, "pkt-dstaddr": 3,
	"region": 4, "az-id": 4, "sublocation-type": 4, "sublocation-id": 4,
	"pkt-src-aws-service": 5, "pkt-dst-aws-service": 5, "traffic-path": 5,
	"ecs-cluster-arn": 7, "ecs-cluster-name": 7, "ecs-container-instance-arn": 7, "ecs-container-instance-id": 7,
	"ecs-container-id": 7, "ecs-second-container-id": 7, "ecs-service-name": 7, "ecs-task-definition-arn": 7,
	"ecs-task-arn": 7, "ecs-task-id": 7, "reject-reason": 8,
}

func (rd *Reader) readHeader(line []byte) error {
	rd.header = true
	rd.format, rd.names, rd.fields, rd.vers = nil, nil, 0, 2
	var unknown []string
	col := 1
	for _, tok := range strings.Fields(string(line)) {
		name := strings.TrimSuffix(strings.TrimPrefix(tok, "${"), "}")
		f := fieldOther
		for i, n := range fieldNames {
			if n == name {
				f = Field(i)
				break
			}
		}
		switch {
		case f < numFields && rd.fields.Has(f):
			return &source.Error{Pos: rd.pos(col), Field: name, Msg: "field named twice in the header"}
		case f < numFields:
			rd.fields = rd.fields.With(f)
			rd.vers = max(rd.vers, fieldVersion[f])
		case laterFields[name] > 0:
			rd.vers = max(rd.vers, laterFields[name])
		default:
			unknown = append(unknown, name)
		}
		rd.format = append(rd.format, f)
		rd.names = append(rd.names, name)
		col += len(tok) + 1
	}
	if len(rd.format) > maxFields {
		return &source.Error{Pos: rd.pos(1), Msg: fmt.Sprintf("the header names %d fields; AWS has fewer than %d", len(rd.format), maxFields)}
	}
	if len(unknown) == len(rd.format) {
		return &source.Error{Pos: rd.pos(1), Msg: fmt.Sprintf("the header names no flow log field (%s)", strings.Join(unknown, " ")),
			Hint: "the default format's header is: " + strings.Join(fieldNames[:FieldLogStatus+1], " ")}
	}
	var missing []string
	for _, f := range []Field{FieldInterfaceID, FieldLogStatus} {
		if !rd.fields.Has(f) {
			missing = append(missing, f.String())
		}
	}
	if len(missing) > 0 {
		return &source.Error{Pos: rd.pos(1), Msg: "the format has no " + strings.Join(missing, " and "),
			Hint: "a record is about one interface; without it pfsim cannot tell which"}
	}
	return nil
}

func (rd *Reader) pos(col int) source.Pos { return source.Pos{File: rd.name, Line: rd.line, Col: col} }

func (rd *Reader) ioError(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		// Not a *source.Error: reading cannot go on past such a line.
		return fmt.Errorf("%s: line longer than %d bytes", source.Pos{File: rd.name, Line: rd.line + 1}, maxLine)
	}
	return fmt.Errorf("%s: %w", rd.name, err)
}

// Next reads the next record into r, overwriting it. At the end of the
// file it returns io.EOF.
//
// A line that is not a record gives a *source.Error at the line and
// column of the field at fault ("flows.log:12:40: srcaddr: ..."), and
// the next call reads the next line. Any other error (the file cannot be
// read, a gzip stream is corrupt) ends the file, and every later call
// returns it again.
func (rd *Reader) Next(r *Record) error {
	if rd.err != nil {
		return rd.err
	}
	if rd.first != nil {
		line := rd.first
		rd.first = nil
		return rd.parse(line, r)
	}
	for rd.sc.Scan() {
		rd.line++
		line := rd.sc.Bytes()
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' {
			continue
		}
		return rd.parse(line, r)
	}
	rd.err = io.EOF
	if err := rd.sc.Err(); err != nil {
		rd.err = rd.ioError(err)
	}
	return rd.err
}

// parse reads one line into r.
func (rd *Reader) parse(line []byte, r *Record) error {
	*r = Record{Version: rd.vers, Line: rd.line}
	col, n := 0, 0
	var toks [maxFields]struct{ at, end int }
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		if n < len(toks) {
			toks[n].at, toks[n].end = i, j
		}
		n++
		i = j
	}
	if n != len(rd.format) {
		what := "the default format has"
		if rd.header {
			what = "the header names"
		}
		return rd.lineError(r, 1, "", fmt.Sprintf("%d fields, but %s %d", n, what, len(rd.format)))
	}
	// The interface first, so that every error can name it.
	for i, f := range rd.format {
		if tok := line[toks[i].at:toks[i].end]; f == FieldInterfaceID && string(tok) != "-" {
			r.InterfaceID = string(tok)
		}
	}
	for i, f := range rd.format {
		tok := line[toks[i].at:toks[i].end]
		col = toks[i].at + 1
		if f >= numFields {
			continue
		}
		if len(tok) == 1 && tok[0] == '-' {
			continue
		}
		if err := rd.setField(r, f, tok); err != "" {
			return rd.lineError(r, col, f.String(), err)
		}
		r.Has = r.Has.With(f)
	}
	return rd.check(r, line, toks[:min(n, len(toks))])
}

// check reads what the fields say together.
func (rd *Reader) check(r *Record, line []byte, toks []struct{ at, end int }) error {
	colOf := func(f Field) int {
		for i, g := range rd.format {
			if g == f && i < len(toks) {
				return toks[i].at + 1
			}
		}
		return 1
	}
	if !r.Has.Has(FieldLogStatus) {
		return rd.lineError(r, colOf(FieldLogStatus), FieldLogStatus.String(), `"-": want OK, NODATA or SKIPDATA`)
	}
	if !r.Has.Has(FieldInterfaceID) {
		return rd.lineError(r, colOf(FieldInterfaceID), FieldInterfaceID.String(), `"-": the record names no interface`)
	}
	if r.Status != OK {
		return nil
	}
	if r.Has.Has(FieldSrcAddr) && r.Has.Has(FieldDstAddr) && r.SrcAddr.Is4() != r.DstAddr.Is4() {
		return rd.lineError(r, colOf(FieldDstAddr), FieldDstAddr.String(), fmt.Sprintf("%s and %s are of two families", r.SrcAddr, r.DstAddr))
	}
	if r.Has.Has(FieldStart) && r.Has.Has(FieldEnd) && r.End.Before(r.Start) {
		return rd.lineError(r, colOf(FieldEnd), FieldEnd.String(), fmt.Sprintf("%d is before start %d", r.End.Unix(), r.Start.Unix()))
	}
	return nil
}

func (rd *Reader) lineError(r *Record, col int, field, msg string) error {
	return &source.Error{Pos: rd.pos(col), Resource: r.InterfaceID, Field: field, Msg: msg}
}

// setField reads tok, the value of field f, into r; it returns what is
// wrong, or "".
func (rd *Reader) setField(r *Record, f Field, tok []byte) string {
	switch f {
	case FieldVersion:
		v, err := strconv.Atoi(string(tok))
		if err != nil || v < 2 || v > 99 {
			return fmt.Sprintf("%q: want a version number, 2 or more", tok)
		}
		r.Version = v
	case FieldAccountID:
		r.AccountID = string(tok)
	case FieldInterfaceID:
		r.InterfaceID = string(tok)
	case FieldSrcAddr, FieldDstAddr:
		a, err := netip.ParseAddr(string(tok))
		if err != nil || a.Zone() != "" {
			return fmt.Sprintf("%q is not an IP address", tok)
		}
		a = a.Unmap()
		if f == FieldSrcAddr {
			r.SrcAddr = a
		} else {
			r.DstAddr = a
		}
	case FieldSrcPort, FieldDstPort:
		v, err := strconv.ParseUint(string(tok), 10, 16)
		if err != nil {
			return fmt.Sprintf("%q is not a port (0-65535)", tok)
		}
		if f == FieldSrcPort {
			r.SrcPort = uint16(v)
		} else {
			r.DstPort = uint16(v)
		}
	case FieldProtocol:
		v, err := strconv.ParseUint(string(tok), 10, 8)
		if err != nil {
			return fmt.Sprintf("%q is not an IANA protocol number (0-255)", tok)
		}
		r.Protocol = flow.Proto(v)
	case FieldPackets, FieldBytes:
		v, err := strconv.ParseUint(string(tok), 10, 64)
		if err != nil {
			return fmt.Sprintf("%q is not a count", tok)
		}
		if f == FieldPackets {
			r.Packets = v
		} else {
			r.Bytes = v
		}
	case FieldStart, FieldEnd:
		// Unix seconds; a year past 9999 is no flow log's.
		v, err := strconv.ParseInt(string(tok), 10, 64)
		if err != nil || v < 0 || v > 253402300799 {
			return fmt.Sprintf("%q is not a time in Unix seconds", tok)
		}
		if f == FieldStart {
			r.Start = time.Unix(v, 0).UTC()
		} else {
			r.End = time.Unix(v, 0).UTC()
		}
	case FieldAction:
		switch string(tok) {
		case "ACCEPT":
			r.Action = Accept
		case "REJECT":
			r.Action = Reject
		default:
			return fmt.Sprintf("%q: want ACCEPT or REJECT", tok)
		}
	case FieldLogStatus:
		switch string(tok) {
		case "OK":
			r.Status = OK
		case "NODATA":
			r.Status = NoData
		case "SKIPDATA":
			r.Status = SkipData
		default:
			return fmt.Sprintf("%q: want OK, NODATA or SKIPDATA", tok)
		}
	case FieldTCPFlags:
		v, err := strconv.ParseUint(string(tok), 10, 8)
		if err != nil {
			return fmt.Sprintf("%q is not a TCP flags bitmask", tok)
		}
		r.TCPFlags = uint8(v)
	case FieldFlowDirection:
		switch string(tok) {
		case "ingress":
			r.Direction = flow.Ingress
		case "egress":
			r.Direction = flow.Egress
		default:
			return fmt.Sprintf("%q: want ingress or egress", tok)
		}
	}
	return ""
}
