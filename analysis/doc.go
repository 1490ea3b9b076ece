// Package analysis answers questions about rule sets for every packet at
// once, exactly: is there any packet from the internet, other than tcp
// 443, that reaches this interface? Does this change drop anything the old
// rules allowed? Which ACL rules can never match? Which replies does a
// stateless ACL drop? What is the smallest edit that lets this packet
// through? Sampling packets misses corners (a random generator almost
// never draws 169.254.169.254, whose traffic no filter sees); this package
// does not sample.
//
// # Spaces
//
// A [Space] is a set of packets, as the filters see them: the address
// family, the protocol, the source and destination addresses, and for tcp
// and udp the two ports, for icmp and icmpv6 the type and code. It is kept
// as an interval decision diagram: the first axis (the family) is cut into
// intervals, each pointing to a set over the remaining axes, and so on
// down to the ICMP code or destination port. A rule's match is a box of
// such intervals (a protocol, a CIDR, a port range); what a rule set
// allows is a union of boxes; the diagram keeps such unions small, exact
// and canonical, so that two spaces are equal exactly when their diagrams
// are. Union, intersection and difference are exact; [Space.Witness]
// picks a packet of a space (a readable one: 198.51.100.7 and port 50000
// rather than 0.0.0.0 and port 0) or proves that there is none;
// [Space.Regions] splits a space into lines a person reads ("tcp 22 from
// 192.0.2.0/24 to 10.0.1.10"). Build spaces with [All], [Src], [Dst],
// [Proto], [DstPorts], [SrcPorts], [ICMP], or [ParseSpace]
// ("tcp port 443 from 0.0.0.0/0").
//
// # Filters
//
// A [Filter] is one filter's verdicts on new flows twice over: the space it
// allows, and pfsim's evaluator of one packet, whose words explain each
// verdict ([Filter.Evaluate]). [ACL] is a network ACL's rules of one
// direction, first match by rule number (NACL-14); [Groups] the union of
// security groups' rules (SG-13, SG-14); [Model.Path] an interface's
// crossing as [vpc.ENI.Cross] walks it, the subnet's ACL then the groups
// inbound, the groups then the ACL outbound (MODEL-5, MODEL-6), no ACL
// for a peer in the same subnet (MODEL-3), the AWS services no filter
// sees let through (NOT-10); [Model.VPC] every
// packet with an interface at one end, as [vpc.VPC.Send] delivers it,
// between interfaces of one subnet without an ACL (MODEL-3) and between
// two subnets through both. [Filter.Witness] returns a packet of a space
// that the filter allows (or drops) with the evaluator's words, or proves
// that none exists.
//
// # New flows, not replies
//
// Security groups admit the replies of tracked connections whatever their
// rules say (SG-29): that depends on what came before, which a space does
// not hold. The spaces here are of new flows, packets no connection admits:
// every packet of a network ACL, the first packet of a connection at a
// security group. Replies through the stateless ACLs are the subject of
// [Model.Holes]: for every kind of flow an interface admits, whether the
// subnet's ACL lets its replies back, for the client ports of Linux
// (32768-60999), Windows (49152-65535), and NAT gateways and load
// balancers (1024-65535) (NACL-19..21), with the rule that fixes each hole.
// When the other end is an interface of another subnet, the reply crosses
// that subnet's ACL too (MODEL-7): for the flows the VPC delivers between
// the two, whether it lets the reply in to a client there, or out from a
// server there; such a hole is shown with [vpc.VPC.Send] along the whole
// path, both ends' filters. Between interfaces of one subnet no ACL is
// met (MODEL-3), so there is no hole.
//
// # The questions
//
//   - [Diff], [DiffACLs], [DiffGroups], [DiffVPCs]: how a change compares
//     with before (equal, more or less permissive, incomparable) and every
//     region of packets whose verdict flips, each with a packet both sides
//     judge.
//   - [ShadowedRules], [Model.Shadowed]: ACL rules that can never match,
//     with the earlier rules that cover them, and whether one of those has
//     the opposite action (TRACE-E). [NeedlessRules], [Model.Needless]:
//     ACL rules that match packets but change no verdict, because the rules
//     after them decide those packets the same way. [RedundantRules],
//     [Model.Redundant]: group rules that other rules make needless.
//   - [Model.Exposure]: what an interface accepts from some sources (the
//     whole internet: 0.0.0.0/0 and ::/0), services and the sources each is
//     open to.
//   - [Model.Holes]: the reply paths the stateless ACLs break.
//   - [WhyNotACL], [WhyNotGroups], [Model.WhyNot]: the smallest edits that
//     flip a packet's verdict (add a rule, widen one, move or remove a
//     deny), each proved by running the packet through the edited rules.
//
// Every packet shown is a [flow.Packet] with the verdict and words of the
// evaluators ([nacl.Compiled.Explain], [sg.Set.Explain],
// [vpc.Path.Explain]). The package's tests hold each answer to those
// evaluators and to the golden models [nacl.Reference] and [sg.Reference]:
// witnesses get the verdict claimed, diffs and exposure equal exhaustive
// enumeration over small spaces, shadowed rules decide no packet,
// removing the shadowed and needless rules changes no verdict, every
// edit flips its packet and changes nothing outside the rules it touches.
package analysis
