// Package pfsimtest is for testing firewall rules with pfsim: generators
// of rules, configurations and traffic for property-based tests, built on
// pgregory.net/rapid, and assertions in testify's style that explain every
// failure with the words of the rule that decided.
//
// # Properties, not examples
//
// An example-based test of a rule set checks the packets its author
// thought of: "a SYN to 443 from 198.51.100.7 gets in". A property-based
// test states a law and lets a generator look for a packet that breaks it:
// "of all packets from the internet to the web server, exactly those to
// tcp/443 get in". When it finds one, rapid shrinks it to a small case and
// prints it with the words pfsim gives every verdict:
//
//	func TestOnlyHTTPSFromTheInternet(t *testing.T) {
//		cfg := loadConfig(t) // a vpc.Config, from a scenario file or by hand
//		internet := netip.MustParsePrefix("0.0.0.0/0")
//		rapid.Check(t, func(t *rapid.T) {
//			p := pfsimtest.Packet(pfsimtest.From(internet), pfsimtest.ToInterface(cfg, "eni-web")).Draw(t, "packet")
//			if p.Proto == flow.TCP && p.DstPort == 443 || pfsimtest.Exempt(cfg, p) {
//				pfsimtest.Allows(t, cfg, p)
//			} else {
//				pfsimtest.Drops(t, cfg, p)
//			}
//		})
//	}
//
// Rule sets have many such laws. What was reachable stays reachable after
// a change meant to tighten nothing; a change meant to tighten opens
// nothing; every reply to an admitted request passes the stateless ACLs;
// the database is out of the internet's reach.
//
// # Generators lean to the edges
//
// Sampling uniformly finds almost nothing: rule sets go wrong at edges
// that a random draw rarely meets. 169.254.169.254, the instance metadata
// service, is one IPv4 address in four billion; no filter sees its
// traffic (NOT-10), so "only 443 gets in" is false for it, and 20,000
// uniform packets would almost surely never show that. The generators
// here lean to the edges instead, so that about one packet in seven from
// the internet to an interface is traffic no filter sees:
//
//   - addresses: the AWS service addresses ([AWSServiceAddrs]), the VPC's
//     base + 2, each subnet's reserved addresses (base to base + 3, the
//     last), interface addresses, the first and last address of every
//     rule's prefix and the addresses just outside it, the ends of each
//     family; a third of draws uniform;
//   - prefixes: /0, /32 and /128, the lengths where ranges split, host bits
//     set;
//   - ports: 0, 1023 | 1024, 32767 | 32768, 49151 | 49152, 60999 | 61000,
//     65535, and the ends of every rule's port range and the ports just
//     outside ([EdgePorts]);
//   - rules: ACL numbers that follow each other or sit at 1 and 32766,
//     rules listed out of number order, the same match with the opposite
//     action next in order, touching port ranges and sibling prefixes,
//     AWS's default egress rule (which, with an open inbound rule, leaves
//     flows untracked, CT-3), several group rules that admit one packet;
//   - traffic: every protocol's shape, IPv6 about three draws in ten,
//     connection lives ([Conversation]) whose idle gaps sit on each
//     timeout, a nanosecond either side.
//
// [VPC] draws whole small configurations that [vpc.New] accepts; [ACL],
// [Group], [NACLRule], [SGRule], [PrefixList] and [Interface] draw their
// parts. [Packet], [Dial] and [Conversation] draw traffic; their
// [Option]s place it ([From], [To], [ToInterface], [FromInterface], [In])
// and narrow it ([Protocols], [OnlyIPv4], [OnlyIPv6]). Options that leave
// nothing to draw make a generator whose every draw fails the test with
// the reason: a mistake in a test fails that test.
//
// # Helpers
//
// [Reply] gives the packet a host answers with: a SYN's SYN-ACK, an echo
// request's echo reply, data's ACK; its flow is the request's reversed,
// so a security group that tracked the request admits it.
// [Edits] draws a configuration with one rule added, removed or changed,
// says what changed, and gives the change in the form [vpc.VPC.Apply]
// takes. [Outcome] plays a connection attempt without asserting, and
// [Exempt] tells the packets no filter sees.
//
// # Assertions
//
// [Allows], [Drops] and [Connects] judge one packet or one connection
// attempt in a [System]: a *vpc.VPC, whose connection tables the packets
// change as real traffic would, or a vpc.Config, from which each call
// builds a fresh VPC so that every packet is the first of its flow. Like
// testify's assert they report to t and return whether they held; the
// package [github.com/pfsim/pfsim/pfsimtest/must] has the same assertions
// stopping the test, like testify's require. A failure shows the packet,
// the interfaces at its ends, and the sentence of every filter it met:
//
//	Allows: the packet was dropped
//	    packet:  tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]
//	    between: outside and eni-web
//	    path:    dropped by network ACL acl-public ingress rule * (default deny): no rule allows tcp from 198.51.100.7 to port 22
//
// Time is simulated: each assertion takes the time of the packet, or
// [Epoch]. Send a SYN to a VPC at one time and its SYN-ACK a few seconds
// later, and the second is admitted as a reply; send it after the
// SYN_SENT timeout, and it is not.
//
// # Exact assertions
//
// A property over drawn packets is a strong search, but a search.
// [NeverReaches], [Equivalent] and [NoWiderThan] are exact: they range
// over every packet of a [Space] (protocols, source and destination
// prefixes, ports, ICMP types and codes), each judged as the first
// packet of its flow. [Complement] writes "anywhere but here":
//
//	pfsimtest.NeverReaches(t, cfg, pfsimtest.Space{
//		Src: pfsimtest.Complement(cfg.CIDR),                    // outside the VPC
//		Dst: []netip.Prefix{netip.MustParsePrefix("10.0.3.30/32")}, // the database
//	})
//	pfsimtest.NoWiderThan(t, after, before) // the change opens nothing
//
// Their failures show one concrete packet and the words of the filters
// on its path, in each configuration compared.
package pfsimtest
