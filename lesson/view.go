package lesson

import "time"

// View is a scenario file run and laid out for a learner: its lanes, its
// steps and the problems found in it. A View whose Errors are set has no
// lanes and no steps: nothing of an invalid file runs.
type View struct {
	// File is the name the text was read under; positions name it.
	File string `json:"file"`
	// Name is the file's one-line title; Description its longer text.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Lanes are the participants of the sequence diagram, left to right.
	Lanes []Lane `json:"lanes"`
	// Steps are the file's steps in order, run.
	Steps []Step `json:"steps"`
	// Errors are the mistakes that keep the file from running, in the
	// order of their positions.
	Errors []Problem `json:"errors,omitempty"`
	// Warnings are what pfsim accepts but AWS would change or object to.
	Warnings []Problem `json:"warnings,omitempty"`
	// Expected counts the steps that carry an expectation; Failed those
	// whose expectation did not hold or that could not run.
	Expected int `json:"expected"`
	Failed   int `json:"failed"`

	laneOf map[laneKey]int
}

// Valid reports whether the file had no errors and so was run.
func (v *View) Valid() bool { return len(v.Errors) == 0 }

// Problem is an error or a warning at its place in the file.
type Problem struct {
	// Line and Col locate it, from 1; 0 when unknown (a YAML syntax
	// error has a line and no column).
	Line int `json:"line"`
	Col  int `json:"col"`
	// Field is the path of the field from the document's root, such as
	// network_acls[0].ingress[2].rule_no; empty when the whole document
	// is at fault.
	Field string `json:"field,omitempty"`
	// Msg says what is wrong.
	Msg string `json:"msg"`
}

// LaneKind says what a lane stands for.
type LaneKind string

// The kinds of lane.
const (
	// Outside is every address that belongs to no interface: the
	// internet, or anything beyond the VPC.
	Outside LaneKind = "outside"
	// ACL is a subnet's network ACL, at the subnet's edge.
	ACL LaneKind = "acl"
	// Groups is an interface's security groups and connection table.
	Groups LaneKind = "sg"
	// Instance is the host behind an interface.
	Instance LaneKind = "instance"
	// Service is the AWS services no filter sees (NOT-10).
	Service LaneKind = "service"
)

// Lane is one participant of the sequence diagram.
type Lane struct {
	Kind LaneKind `json:"kind"`
	// ID is the subnet's id for an ACL lane, the interface's for a
	// Groups or Instance lane, and empty otherwise.
	ID string `json:"id,omitempty"`
	// Title names the lane ("subnet-public ACL"); Detail says more
	// ("network ACL", "security groups", the instance's addresses).
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}

// Step is one step of the timeline, run.
type Step struct {
	// Number counts the steps from 1, in the file's order.
	Number int `json:"number"`
	// Line and Col are where the step is written.
	Line int `json:"line"`
	Col  int `json:"col"`
	// At is the step's simulated time in seconds since the start, and
	// AtText the same as a Go duration ("1m4.01s").
	At     float64 `json:"at"`
	AtText string  `json:"at_text"`
	// Kind is "packet", "connect" or "change"; Input the action as
	// written (the packet, the connection, the ids changed).
	Kind  string `json:"kind"`
	Input string `json:"input"`
	// Result is the packet's verdict ("allow", "drop"), the connection's
	// outcome ("connected", "refused", "timeout"), "applied" for a change,
	// or "error" for a step that could not run: the same word as the
	// `result` of `pfsim check --json`.
	Result string `json:"result"`
	// Explanation says in plain words what happened.
	Explanation string `json:"explanation"`
	// Expect is the expectation as text ("drop at nacl egress rule *");
	// empty when the step expects nothing.
	Expect string `json:"expect,omitempty"`
	// OK is false when the expectation did not hold or the step could
	// not run; Failures say how it failed.
	OK       bool     `json:"ok"`
	Failures []string `json:"failures,omitempty"`
	// Error is why the step could not run.
	Error string `json:"error,omitempty"`
	// Packets are the packets the step sent: one for a packet step, the
	// exchange of a connect in order, none for a change.
	Packets []Packet `json:"packets,omitempty"`
	// Changes describe a change step, a line each: what was replaced or
	// modified, and the rules a replacement added (+) or removed (-).
	Changes []string `json:"changes,omitempty"`
	// Tables are the live tracked connections of every interface after
	// the step, by interface id, then in each table's order.
	Tables []Conn `json:"tables"`
	// Gone are the connections the table held after the previous step
	// and holds no longer: expired, or ended.
	Gone []Conn `json:"gone,omitempty"`
}

// Packet is one packet and its way through the lanes.
type Packet struct {
	// Text is the packet in the scenario format's syntax.
	Text string `json:"text"`
	// Reply is set for a packet of a connect that goes from the host back
	// to the client (SYN-ACK, RST, echo reply).
	Reply bool `json:"reply,omitempty"`
	// From and To are the lanes of the packet's source and destination.
	From int `json:"from"`
	To   int `json:"to"`
	// Route lists the lanes the packet visits in order: From, the lane of
	// each stage it met, then To if it got there: Route[i+1] is
	// Stages[i].Lane. A dropped packet's route ends at the stage that
	// dropped it.
	Route []int `json:"route"`
	// Stages are the filters met, in order; the last one decided.
	Stages []Stage `json:"stages"`
	// Verdict is "allow" or "drop".
	Verdict string `json:"verdict"`
	// Exempt names the AWS service that no filter sees, when the packet
	// goes to or comes from one.
	Exempt string `json:"exempt,omitempty"`
	// Why says in one sentence why the packet got through or not.
	Why string `json:"why"`
}

// Stage is one filter a packet met and what it decided.
type Stage struct {
	// Lane is the index of the filter's lane in View.Lanes.
	Lane int `json:"lane"`
	// Kind is "nacl" or "sg"; Direction "ingress" or "egress", as the
	// filter saw the packet; Verdict "allow" or "drop".
	Kind      string `json:"kind"`
	Direction string `json:"direction"`
	Verdict   string `json:"verdict"`
	// Name is the ACL's id, or the security group whose rule decided (or,
	// for a drop by the groups, all the interface's groups).
	Name string `json:"name"`
	// Rule is the deciding rule: a NACL rule number or "*", or a
	// security group rule's position "#2"; empty when no rule decided.
	Rule string `json:"rule,omitempty"`
	// Conntrack is the security group's tracking outcome ("new",
	// "established", "untracked"), and ConnState the tracked connection's
	// state after the packet ("SYN_SENT"); empty when none.
	Conntrack string `json:"conntrack,omitempty"`
	ConnState string `json:"conn_state,omitempty"`
	// Short sums the decision up in a few words, for a drawing:
	// "acl-web rule 100", "no rule allows it", "tracked (ESTABLISHED)".
	Short string `json:"short"`
	// Explanation is the decision in a sentence.
	Explanation string `json:"explanation"`
}

// Conn is one tracked connection of an interface's table, as a lesson
// shows it.
type Conn struct {
	// Interface is the id of the interface whose table holds it.
	Interface string `json:"interface"`
	// Flow is the connection's original key, its first packet's way.
	Flow string `json:"flow"`
	// State is its state ("ESTABLISHED", "UDP", ...).
	State string `json:"state"`
	// Age is how long ago it was opened, Idle how long ago its latest
	// packet came, ExpiresIn how long until it expires if nothing more
	// comes (0 or less once gone), and Timeout the idle time it is
	// allowed in its state; all in seconds.
	Age       float64 `json:"age"`
	Idle      float64 `json:"idle"`
	ExpiresIn float64 `json:"expires_in"`
	Timeout   float64 `json:"timeout"`
	// AgeText and ExpiresText are Age and ExpiresIn as Go durations.
	AgeText     string `json:"age_text"`
	ExpiresText string `json:"expires_text"`
	// Expired is set, in Step.Gone, for an entry whose idle timeout
	// passed; a gone entry that did not expire was ended by its packets.
	Expired bool `json:"expired,omitempty"`

	created, expires time.Time
}
