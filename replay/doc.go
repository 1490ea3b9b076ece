// Package replay plays real traffic through a simulated VPC: a packet
// capture, or the records of a VPC flow log, at their own times, through
// the network ACLs, security groups and connection tables of a vpc.VPC.
//
// It answers two questions a person with real traffic in hand asks:
// "would this capture pass my new rules?" and "why did AWS log REJECT
// here?".
//
// # Captures
//
// [Capture] reads a pcap or pcapng file with package capture and judges
// every packet that has an interface's address at one end: egress at the
// interface that sent it, ingress at the one that receives it, or the
// whole path between two interfaces when both ends are the VPC's. The
// capture's timestamps are the clock, so connections are tracked, and
// time out, as they did on the wire. The [Summary] counts the packets by
// verdict, groups the drops by the filter and rule that dropped them,
// explains the first drops in plain words, and lists the busiest flows:
//
//	42135 packets: 40980 allowed, 1147 dropped, 8 to AWS services (no filter)
//	drops by stage and rule:
//	  1102  eni-web  network ACL acl-web egress rule * (default deny)
//	    45  eni-web  security groups sg-web ingress: no rule allows the packet
//
// With a flowlog.Aggregator in the Options, the replay also writes the
// flow log AWS would have written for the capture: per interface, flow,
// action and aggregation interval.
//
// # Flow logs
//
// [FlowLogs] goes the other way: from the records AWS wrote to packets.
// Each record becomes its flow's packets, spread over its interval,
// played at its interface, and its action (ACCEPT or REJECT) is checked
// against pfsim's verdicts. A record pfsim decides otherwise is a
// [Disagreement], explained; FlowLogs' documentation says how the
// details a record lacks (packet times, TCP flags, ICMP types) are
// chosen. The [Report] also sums up the flows — their durations, packet
// counts, and the idle gaps between their records set against the
// connection-tracking timeouts — with golang.org/x/exp/stats.
//
// # Memory
//
// A capture is streamed: one packet at a time, a bounded table of
// flows for the busiest list, and the flow log's current interval. Its
// memory does not grow with its length; the VPC's connection tables hold
// the connections the traffic opened until they time out, as AWS's do. A
// flow log is read whole first, to put its records in time order.
package replay
