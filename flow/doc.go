// Package flow is the shared vocabulary of pfsim, a simulator of the packet
// filters of an AWS VPC: what a packet is, how a flow is named, which way
// a packet goes, what a filter decided and why, and how filters are chained.
// It imports nothing else of pfsim and nothing outside the standard
// library; the network ACL, security-group and connection-tracking
// packages all speak its types. pfsim's reference, the scenario format and
// the AWS semantics with their rule IDs, is at https://github.com/pfsim/pfsim/blob/main/docs/README.md.
//
// # Packets
//
// A [Packet] is the part of an IP packet that the filters look at: the
// protocol, the source and destination addresses, the ports (TCP and
// UDP), the TCP flags, the ICMP type, code and query identifier, and the
// length. It is a small value; the filters never see payloads.
//
// Packets have a text form, the one scenario files use (see
// [ParsePacket]), modelled on tcpdump:
//
//	tcp 198.51.100.7:49152 > 10.0.1.10:80 [S]         a SYN to a web server
//	tcp 10.0.1.10:80 > 198.51.100.7:49152 [S.]        its SYN-ACK
//	icmp 203.0.113.12 > 172.31.16.139 echo-request id 1
//	udp [2001:db8::7]:5353 > [2001:db8:1::10]:53
//
// Real traffic comes in as raw frames; package capture turns them into
// packets.
//
// # Flows, keys and replies
//
// A flow is the traffic of one conversation in one direction, named by its
// [Key]: protocol, addresses and ports (for an ICMP query, its identifier;
// for other protocols, the address pair alone). The answer to a packet
// goes the other way, so its key is the first key reversed: the reply to
// tcp 198.51.100.7:49152 > 10.0.1.10:80 is tcp 10.0.1.10:80 >
// 198.51.100.7:49152. [Key.Reverse] computes it, [Packet.Reverse] builds
// the reply packet (an echo request becomes an echo reply), and
// [Key.Canonical] gives both directions one common name. This is how a
// connection table finds the connection a reply belongs to: a security
// group admits replies to connections it tracks, whatever its rules say,
// while a network ACL, which keeps no state, judges every reply afresh.
//
// # Directions
//
// A [Direction] is seen from a filter: [Ingress] heads for the network
// interface (or enters the subnet), [Egress] leaves it. The AWS console
// calls them inbound and outbound. The same packet can be egress for the interface
// that sends it and ingress for the one that receives it.
//
// # Verdicts and decisions
//
// A filter's answer is a [Verdict], [Allow] or [Drop], but a bare verdict
// teaches nothing. A [Decision] records what is needed to explain it: the
// kind of stage ([StageNACL], [StageSG], or [StageExempt] for traffic to
// the AWS services that bypass every filter), the direction, the [Reason] (a rule
// matched, the default deny, no rule, a tracked connection, a full
// connection table), the NACL rule number, the deciding rule as an index
// into the compiled rule set that decided, and the connection-tracking
// outcome ([CTState]: new, established, untracked) with the connection's
// [ConnState] and age.
//
// A Decision is small on purpose: 32 bytes of numbers, no strings and no
// pointers, so that the packet path fills it in place without allocating.
// The words come later, on demand: the rule set that decided fills a
// [Detail] (the ACL's id, the group, the rule's text) and
// [Decision.Explain] renders the sentence:
//
//	dropped by network ACL acl-web egress rule * (default deny): no rule
//	allows tcp to port 51234 on 198.51.100.7; network ACLs are stateless, so
//	the reply to a request needs a rule of its own (ephemeral ports 1024-65535)
//
// The filters themselves live in packages nacl and sg; package vpc walks a
// packet through them on its way between two addresses, keeps every hop's
// decision and the rule set behind it, and so can say why at any time.
//
// # Simulated time
//
// Nothing in pfsim reads the wall clock. Every call that can expire state
// takes the time from its caller: a scenario's timeline, a capture's
// timestamps, a test's hand-made clock. So a lesson gives the same answer
// every time it runs, and a test can step across a timeout to the
// nanosecond.
package flow
