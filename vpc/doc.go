// Package vpc simulates the packet filters of a small VPC: subnets, each
// with one network ACL, and network interfaces (ENIs), each with its
// security groups and its own connection table. The rule IDs cited below
// are defined, with their sources, in https://github.com/pfsim/pfsim/blob/main/docs/aws-semantics.md.
//
// Build a [VPC] from plain data ([Config]) and push packets through it
// with [VPC.Send] at simulated times. A packet meets the filters its
// addresses imply (MODEL-7 in the project's AWS semantics):
//
//	interface X → outside       SG(X) egress, NACL(X's subnet) outbound
//	outside → interface Y       NACL(Y's subnet) inbound, SG(Y) ingress
//	X → Y, different subnets    SG(X) egress, NACL(S) outbound, NACL(T) inbound, SG(Y) ingress
//	X → Y, same subnet          SG(X) egress, SG(Y) ingress (no ACL: MODEL-3)
//	to or from an AWS service   nothing (NOT-10)
//
// Any address no interface owns lies outside the VPC, on the internet
// (routing is not modelled). The AWS services no filter sees are
// the instance metadata service (169.254.169.254, fd00:ec2::254), the
// Amazon DNS server (169.254.169.253, fd00:ec2::253, VPC base + 2), Time
// Sync (169.254.169.123, fd00:ec2::123), the VPC router (subnet base + 1,
// fe80:ec2::1 and IPv6 link-local addresses) and the other reserved
// addresses of each subnet (base + 2 and base + 3; exempting these is a
// choice, AWS only says they are reserved).
//
// [New] and [VPC.Apply] first check what AWS enforces about the VPC's own
// objects ([Config.Validate]): ids present and unique; the VPC's block and
// every subnet's IPv4 block from /16 to /28, an IPv6 block a /64, subnets
// inside the VPC's block (when [Config.CIDR] is given) and not
// overlapping; an interface's addresses of the right family, inside its
// subnet, unique in the VPC, and none of the five AWS reserves in every
// subnet block (the first four and the last, IPv4 and IPv6 alike, see
// [Reserved]); 1..16 security groups per interface (SG-26), each
// declared; tracking timeouts within AWS's ranges (CT-16); prefix-list
// entries valid CIDRs; references to subnets, ACLs and groups that exist.
// Every problem is a [*ConfigError] naming the object, the field, the
// element and the value, so that a reader of a file can point at it; a
// problem between two objects is reported at the later one, or, in a
// change, at the object the change names. Rules of groups and ACLs are
// then checked as they compile.
//
// [VPC.Apply] changes groups, ACLs, subnets, interfaces and prefix lists
// between packets, atomically, with AWS's effect on live connections:
// security-group changes keep tracked connections (CT-13) and cut
// untracked flows (CT-14); ACL changes apply to the next packet (NACL-29).
// An interface keeps its connection table across every change; new
// tracking timeouts apply to its live entries from then on. Expired
// entries are removed when a packet meets them, and each table sweeps a
// little of itself whenever a connection is created.
//
// # One path
//
// One piece of code walks a packet through the filters: the crossing of
// one interface, inbound (the subnet's ACL, then the groups) or outbound
// (the groups, then the ACL). [VPC.Send] runs it for each end of a path
// that is an interface; [ENI.Cross] runs it for traffic seen on one
// interface, such as a capture or that interface's flow log. Each [Hop]
// of a [Path] holds a compact [flow.Decision] and a pointer to the
// configuration the packet met, which is immutable: [Path.Why],
// [Path.Explain] and [Hop.Detail] render the words from the rule set that
// decided, even after the VPC has changed. [Path.Final] sums the hops up;
// Send states the rule.
//
// A VPC is safe for concurrent use, and sending takes no lock: the
// compiled configuration is one atomic pointer, which Apply replaces with
// one store once the next configuration is built, so a packet meets the
// old rules or the new, never a mixture. Send returns a [Path] holding
// every hop's decision (one allocation per packet); a loop that pushes
// many packets, such as a property test, can pass one Path to
// [VPC.SendInto] or [ENI.Cross] and allocate nothing at all.
//
// [VPC.Connect] plays both ends of a TCP handshake or a ping through the
// filters, using each interface's listening ports: a completed handshake
// is Connected, a RST from a host with nothing listening is Refused, and a
// packet dropped by a filter (filters never answer, NOT-1) is Timeout.
//
// Security-group references (SG-19) match the private IPv4 and the IPv6
// addresses of the interfaces that carry the referenced group; including
// IPv6 addresses is a choice (SG-20).
package vpc
