// Package nacl simulates AWS VPC network ACLs: the stateless, numbered
// allow/deny rules that filter traffic where it crosses a subnet's edge.
// The rule IDs cited below are defined, with their sources, in
// https://github.com/pfsim/pfsim/blob/main/docs/aws-semantics.md#2-network-acls.
//
// # What a network ACL is
//
// Every subnet is associated with exactly one network ACL (MODEL-1). The
// ACL has two separate lists of rules (NACL-2): inbound rules for traffic
// entering the subnet, matched on the packet's source address, and
// outbound rules for traffic leaving it, matched on its destination
// address (NACL-9). Traffic between two interfaces of the same subnet
// never meets the subnet's ACL (MODEL-3).
//
// A rule says: number, allow or deny, protocol, CIDR, and for TCP and UDP
// a destination port range, for ICMP a type and code:
//
//	100 allow tcp 80 0.0.0.0/0
//	110 allow tcp 1024-65535 0.0.0.0/0
//	90 deny -1 198.51.100.66/32
//
// # Numbered, first match
//
// The rules of a direction are evaluated in ascending number, whatever
// order they were written in (NACL-14, NOT-4). The first rule that matches
// decides, whether it allows or denies; later rules are never looked at.
// To block one address out of a wide allow, the deny needs the lower
// number: "90 deny" before "100 allow" blocks, "110 deny" after it never
// takes effect (NACL-17, TRACE-E). Leave gaps between numbers (100, 110,
// 120) so that a rule can be slotted in later.
//
// IPv4 and IPv6 rules are separate worlds: 0.0.0.0/0 never matches an
// IPv6 packet, and ::/0 never an IPv4 one (NACL-8).
//
// # The `*` rule
//
// The numbered rules are followed by one numbered `*`. It denies
// whatever the numbered rules let pass unmatched and cannot be removed
// (NACL-15). AWS's API shows it as rule 32767 for IPv4 and 32768 for IPv6;
// a [flow.Decision] reports those numbers with [flow.ReasonDefaultDeny],
// and [flow.Decision.RuleLabel] prints "*".
//
// # Stateless: replies need rules too
//
// A network ACL remembers nothing (NACL-19). A reply is judged by the
// rules of its own direction like any other packet, and its destination
// port is the client's ephemeral port, chosen by the client: 32768-60999
// on Linux, 49152-65535 on recent Windows, 1024-65535 behind a NAT
// gateway or load balancer. An ACL that allows inbound tcp/80 and outbound
// tcp/80 drops every reply of its web server at the outbound `*` rule
// (TRACE-B). AWS's advice is to allow outbound tcp 1024-65535, with deny
// rules for unwanted ports numbered earlier (NACL-21). Security groups do
// not have this problem: they track connections (see package sg).
//
// # Default and custom ACLs
//
// A VPC's default ACL allows everything: in each direction, rule 100
// lets all IPv4 through and rule 101 all IPv6 ([Default], NACL-23). A new custom ACL
// has no rules, so its `*` rules deny everything until rules are added
// ([Custom], NACL-25).
//
// # Using the package
//
// Build an [ACL] as plain data, check it with [ACL.Validate] and
// [ACL.Warnings], and [Compile] it. A [Compiled] ACL is immutable, safe for
// concurrent use, and evaluates a packet without allocating: it fills a
// small [flow.Decision] that names the deciding rule by its number and its
// index, and [Compiled.Describe] or [Compiled.Explain] turn that into
// words when they are wanted. The function [Reference] is the golden model:
// the same rules evaluated by a plain sort and scan, which tests compare
// the compiled form against.
//
// Time does not matter to a network ACL: [Compiled.Evaluate] takes none.
// In a VPC, package vpc walks each packet through the ACLs and security
// groups on its path.
package nacl
