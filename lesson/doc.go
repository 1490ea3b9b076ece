// Package lesson turns a run of a scenario file into what a learner looks
// at: a sequence diagram whose participants are the places a packet
// crosses, one row per step, and the connection tables as they change.
//
// A packet sent to an instance in a VPC meets two filters on its way in:
// the network ACL at the edge of the instance's subnet (stateless: every
// packet, replies included, is judged by numbered rules), then the security
// groups of the instance's network interface (stateful: a packet that
// belongs to a tracked connection is admitted whatever the rules say). On
// its way out it meets them in the opposite order. A lesson shows this as
// lanes, from the outside in:
//
//	outside ──▶ subnet-public ACL ──▶ eni-web groups ──▶ eni-web (10.0.1.10)
//
// and draws each packet along them up to the filter that dropped it, or to
// its destination. A connection attempt is drawn as the packets of its
// exchange (the client's SYN, the host's SYN-ACK or RST, the client's ACK),
// so the reply's path back is there to see: a reply that the security group
// lets out and the ACL drops is the classic lesson of stateless filtering.
//
// [Load] parses, validates and runs a file's text and returns a [View]:
// the lanes ([Lane]), every step ([Step]) with its packets ([Packet]), the
// stages each met ([Stage]) with the words that explain the decision, the
// expectation and whether it held, and the connection tables after the
// step ([Conn]) with state, age and time left before the idle timeout.
// A file with mistakes gives a View with Errors, each at its line and
// column, and no steps. [Build] does the same for a [scenario.Report]
// already run. The run is the one `pfsim check` makes: [scenario.RunWith]
// on the file [scenario.Parse] returns, so the page and the command line
// agree on every verdict.
//
// A View is plain data with JSON tags: the WebAssembly module of package
// web hands it to the page as JSON, `pfsim serve` answers it from its run
// endpoint, and package diagram draws it as Mermaid or SVG. Its JSON is the
// page's own format, not a contract with other programs: those use the
// records of `pfsim check --json`.
//
// # Lanes
//
// The lanes are those the lesson's packets meet: the outside (every
// address that belongs to no interface), and for each subnet its ACL and,
// for each interface in it, its security groups and the instance. A
// subnet's lanes stay together, and an instance's lane is beside its
// groups'. Within that, the order is the one in which the packets' routes
// turn back least often, and then run shortest. The first order tried,
// kept unless another does better, is the outside on the left, then each
// subnet in the order of the file, its ACL first, its interfaces in the
// file's order; with two subnets or more, the first is mirrored left of
// the outside, so that a packet from one subnet to another crosses the
// lanes from left to right:
//
//	eni-web │ eni-web groups │ subnet-public ACL │ outside │ subnet-db ACL │ eni-db groups │ eni-db
//
// The others put a subnet's interfaces in any order, an instance on
// either side of its groups, the ACL at either end of its subnet, and the
// outside between any two subnets (up to a few thousand orders; a bigger
// lesson keeps the first). Packets between two interfaces of one subnet
// skip its ACL, so the lesson on them is drawn with both interfaces'
// groups side by side and its ACL at the end, and no route doubles back.
//
// Traffic to the AWS services that no filter sees (the instance metadata
// service, the Amazon DNS server, ...) goes to a lane of their own on the
// right. A Packet's Route lists the lanes it visits in order, so a drawing
// needs no knowledge of VPCs.
package lesson
