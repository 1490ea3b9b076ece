package flowlog

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/pfsim/pfsim/flow"
)

// Action is a record's action field: what the interface's filters did
// with the flow's packets.
type Action uint8

// The actions. A NODATA or SKIPDATA record has none ("-").
const (
	NoAction Action = iota
	Accept
	Reject
)

// String returns "ACCEPT", "REJECT" or "-".
func (a Action) String() string {
	switch a {
	case Accept:
		return "ACCEPT"
	case Reject:
		return "REJECT"
	}
	return "-"
}

// Status is a record's log-status field.
type Status uint8

// The statuses.
const (
	// OK: the record describes a flow.
	OK Status = iota + 1
	// NoData: the interface had no traffic in the aggregation interval;
	// the flow fields are "-".
	NoData
	// SkipData: some records of the interval were not written (AWS ran
	// out of capacity); the flow fields are "-".
	SkipData
)

// String returns "OK", "NODATA", "SKIPDATA", or "-" for the zero Status.
func (s Status) String() string {
	switch s {
	case OK:
		return "OK"
	case NoData:
		return "NODATA"
	case SkipData:
		return "SKIPDATA"
	}
	return "-"
}

// Field names a field of a record. The default format is the version 2
// fields in the order of their values here; later versions add fields
// that custom formats may name (AWS's "Available fields" table).
type Field uint8

// The fields pfsim reads. Any other field a custom format names is
// skipped.
const (
	FieldVersion Field = iota
	FieldAccountID
	FieldInterfaceID
	FieldSrcAddr
	FieldDstAddr
	FieldSrcPort
	FieldDstPort
	FieldProtocol
	FieldPackets
	FieldBytes
	FieldStart
	FieldEnd
	FieldAction
	FieldLogStatus
	FieldTCPFlags      // version 3: SYN, SYN-ACK, FIN and RST seen in the interval, OR-ed
	FieldFlowDirection // version 5: ingress or egress at the interface
	numFields
	fieldOther // a field pfsim does not read
)

var fieldNames = [numFields]string{
	"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
	"packets", "bytes", "start", "end", "action", "log-status", "tcp-flags", "flow-direction",
}

// String returns the field's name as AWS writes it ("interface-id").
func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return "Field(" + strconv.Itoa(int(f)) + ")"
}

// DefaultFormat is the default format's fields: the version 2 fields.
var DefaultFormat = []Field{
	FieldVersion, FieldAccountID, FieldInterfaceID, FieldSrcAddr, FieldDstAddr, FieldSrcPort, FieldDstPort,
	FieldProtocol, FieldPackets, FieldBytes, FieldStart, FieldEnd, FieldAction, FieldLogStatus,
}

// Fields is a set of fields.
type Fields uint32

// Has reports whether f is in the set.
func (s Fields) Has(f Field) bool { return s&(1<<f) != 0 }

// With returns the set with f added.
func (s Fields) With(f Field) Fields { return s | 1<<f }

// TCP flags as the tcp-flags field counts them: only these four are
// logged, OR-ed over the interval (SYN-ACK is 18, SYN and ACK).
const (
	FlagFIN    uint8 = 1
	FlagSYN    uint8 = 2
	FlagRST    uint8 = 4
	FlagSYNACK uint8 = 18
)

// Record is one flow log record: the packets of one flow, as one network
// interface saw them, with one action, in one aggregation interval. A
// NODATA or SKIPDATA record has only the version, account, interface,
// start, end and status.
type Record struct {
	// Version is the flow log version: 2 for the default format, the
	// highest version among its fields for a custom one.
	Version int
	// AccountID owns the interface; AWS writes "unknown" for some
	// interfaces its services create.
	AccountID string
	// InterfaceID is the network interface the record is about.
	InterfaceID string
	// SrcAddr and DstAddr are the flow's addresses. The interface's own
	// IPv4 address is always its primary private one.
	SrcAddr, DstAddr netip.Addr
	// SrcPort and DstPort are the ports of TCP and UDP; 0 for other
	// protocols (an ICMP record gives neither type nor code).
	SrcPort, DstPort uint16
	// Protocol is the IANA protocol number.
	Protocol flow.Proto
	// Packets and Bytes count the flow's packets in the interval, and
	// their IP lengths.
	Packets, Bytes uint64
	// Start and End are the times, in whole seconds, of the first and the
	// last packet in the interval (for NODATA and SKIPDATA, the
	// interval's bounds).
	Start, End time.Time
	// Action is what the filters did.
	Action Action
	// Status is the log status.
	Status Status
	// TCPFlags is the tcp-flags field, when the format has it (FlagSYN,
	// ...).
	TCPFlags uint8
	// Direction is the flow-direction field, when the format has it.
	Direction flow.Direction

	// Has says which fields have a value: the format names them and the
	// value is not "-". A Record built by hand for Writer needs none of
	// it: the writer writes the default format from the fields above.
	Has Fields
	// Line is the record's line in the file it was read from, or 0.
	Line int
}

// AppendText appends the record in the default format, the way AWS
// writes it:
//
//	2 210987654321 eni-0a11ce0b0b0c0ffee 198.51.100.23 10.0.1.10 50022 22 6 12 3180 1700000010 1700000068 ACCEPT OK
//	2 210987654321 eni-0a11ce0b0b0c0ffee - - - - - - - 1700000400 1700001000 - NODATA
//
// The flow fields of a record whose Status is not OK are "-". It
// does not allocate when b has room.
func (r *Record) AppendText(b []byte) []byte {
	// A record read from a file writes "-" where it had none; one built
	// by hand (Has empty) has every field.
	has := func(f Field) bool { return r.Has == 0 || r.Has.Has(f) }
	b = strconv.AppendInt(b, int64(max(r.Version, 2)), 10)
	b = append(b, ' ')
	b = appendOr(b, r.AccountID)
	b = append(b, ' ')
	b = appendOr(b, r.InterfaceID)
	if r.Status != OK && r.Status != 0 {
		b = append(b, " - - - - - - -"...)
	} else {
		b = append(b, ' ')
		b = appendAddr(b, r.SrcAddr)
		b = append(b, ' ')
		b = appendAddr(b, r.DstAddr)
		b = appendUint(b, uint64(r.SrcPort), has(FieldSrcPort))
		b = appendUint(b, uint64(r.DstPort), has(FieldDstPort))
		b = appendUint(b, uint64(r.Protocol), has(FieldProtocol))
		b = appendUint(b, r.Packets, has(FieldPackets))
		b = appendUint(b, r.Bytes, has(FieldBytes))
	}
	b = appendTime(b, r.Start)
	b = appendTime(b, r.End)
	b = append(b, ' ')
	b = append(b, r.Action.String()...)
	b = append(b, ' ')
	status := r.Status
	if status == 0 {
		status = OK
	}
	return append(b, status.String()...)
}

// appendUint appends a space and v, or "-" when the field has no value.
func appendUint(b []byte, v uint64, ok bool) []byte {
	if !ok {
		return append(b, " -"...)
	}
	return strconv.AppendUint(append(b, ' '), v, 10)
}

// appendTime appends a space and t in Unix seconds, or "-" for the zero
// time.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, " -"...)
	}
	return strconv.AppendInt(append(b, ' '), t.Unix(), 10)
}

// String returns the record in the default format.
func (r Record) String() string { return string(r.AppendText(nil)) }

func appendOr(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

func appendAddr(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(b, '-')
	}
	return a.AppendTo(b)
}
