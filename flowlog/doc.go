// Package flowlog reads and writes AWS VPC Flow Logs records.
//
// # What a flow log is
//
// AWS does not log packets. For each network interface it counts the
// packets of each flow — protocol, source and destination address and,
// for TCP and UDP, port — over an aggregation interval of up to ten
// minutes (or one, if asked), and writes one line per flow and action:
//
//	2 210987654321 eni-0a11ce0b0b0c0ffee 198.51.100.23 10.0.1.10 0 0 1 3 252 1700000010 1700000070 ACCEPT OK
//	2 210987654321 eni-0a11ce0b0b0c0ffee 10.0.1.10 198.51.100.23 0 0 1 3 252 1700000010 1700000070 REJECT OK
//
// Here a host on the internet pinged the instance 10.0.1.10 three times
// in one minute. Its security group admitted the echo requests and
// tracked them, so it would have let the replies leave as well; but the
// subnet's network ACL, which remembers nothing, has no outbound rule
// for them and threw them away. The interface therefore logs one ACCEPT
// line for the three requests and one REJECT line for the three replies
// (84 bytes apiece, the size of a default Linux ping). A record says what
// happened at one interface, in one direction: a packet that crosses two
// interfaces of the VPC is in both interfaces' logs.
//
// The fields, as AWS defines them and as pfsim reads and writes them:
//
//   - srcaddr, dstaddr: the flow's addresses; the interface's own IPv4
//     address is always its primary private address, even for traffic to
//     a secondary one.
//   - srcport, dstport: the ports of TCP and UDP. An ICMP record has 0 in
//     both (AWS's ping example): a flow log does not say which ICMP type
//     or code a packet had. pfsim writes 0 0 for every protocol without
//     ports.
//   - protocol: the IANA number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
//   - packets, bytes: how many packets, and the sum of their IP lengths.
//   - start, end: the Unix seconds of the first and the last packet of
//     the flow in the interval. (AWS adds that its clock for these may
//     run up to 60 seconds after the packet; pfsim's is the packet's.)
//   - action: ACCEPT or REJECT. REJECT is traffic the security groups or
//     the network ACL did not allow, which includes packets that come
//     after their connection was closed.
//   - log-status: OK for a flow; NODATA when the interface had no traffic
//     in the interval, SKIPDATA when AWS skipped some records for lack of
//     capacity. Those two carry "-" in every flow field.
//
// A field that does not apply is "-". Some traffic is never logged: to
// the Amazon DNS server, the instance metadata service (169.254.169.254),
// the Time Sync Service (169.254.169.123), DHCP, and the VPC router's
// reserved address (FL-7): the traffic pfsim exempts from filtering
// (NOT-10).
//
// A flow log may use a custom format: any of the fields, in any order,
// including later versions' (tcp-flags, flow-direction, pkt-srcaddr,
// ...). Files delivered to Amazon S3 begin with a header line naming
// them; [Reader] reads that header, or the default format when there is
// none.
//
// # Writing records from packets
//
// An [Aggregator] turns packets, each with the interface it was seen at
// and the action the filters there took, into the records AWS would
// write, for an aggregation interval of one or ten minutes; a [Writer]
// writes them. Package replay feeds it from a capture replayed through a
// VPC.
//
// # Reading records
//
// A [Reader] reads a log, plain or gzipped, record by record, in the
// default format or the custom one its header gives. A line that is not
// a record is reported at its line and column, naming the field
// ("flows.log:12:40: eni-0a1b srcaddr: "10.0.0.x" is not an IP address"),
// and reading goes on with the next line.
//
// # Sources
//
// The field meanings, the two aggregation intervals and the action and
// status words are AWS's, as are the example records the tests read
// from testdata. They come from three pages of the Amazon VPC User
// Guide: "Flow log records" (the default format, the fields a custom
// format may use, the aggregation interval), "Flow log record examples"
// (the published records) and "Flow log limitations" (the primary
// address, the traffic never logged):
//
//	https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
//	https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html
//	https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
//
// pfsim's rules FL-1 to FL-10 restate them.
package flowlog
