// Package scenario reads and validates pfsim's scenario files.
//
// A scenario file describes a small VPC — prefix lists, security groups,
// network ACLs, subnets, network interfaces — and a timeline of steps:
// packets to send through the filters, connections to attempt, changes to
// make, each packet or connection with an optional expectation. This
// comment describes the format; its field names follow the
// inline blocks of Terraform's AWS provider, so rules can be copied from
// .tf files:
//
//	name: blocking one address with a NACL deny numbered below the allow
//	security_groups:
//	  - id: sg-web
//	    ingress:
//	      - {protocol: tcp, from_port: 443, to_port: 443, cidr_blocks: [0.0.0.0/0]}
//	network_acls:
//	  - id: acl-web
//	    ingress:
//	      - {rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
//	      - {rule_no: 50, action: deny, protocol: "-1", cidr_block: 203.0.113.99/32}
//	    egress:
//	      - {rule_no: 100, action: allow, protocol: "-1", cidr_block: 0.0.0.0/0}
//	subnets:
//	  - {id: subnet-public, cidr_block: 10.0.1.0/24, network_acl: acl-web}
//	interfaces:
//	  - {id: eni-web, subnet: subnet-public, private_ips: [10.0.1.10], security_groups: [sg-web], listening: [tcp/443]}
//	steps:
//	  - at: 0s
//	    packet: tcp 203.0.113.99:40000 > 10.0.1.10:443 [S]
//	    expect: {verdict: drop, stage: nacl, acl: acl-web, direction: ingress, rule: "50"}
//	  - at: 3s
//	    connect: tcp 198.51.100.7 > 10.0.1.10:443
//	    expect: connected
//
// The format is described field by field, with the AWS and Terraform
// fields each one mirrors, in https://github.com/pfsim/pfsim/blob/main/docs/scenario-format.md.
//
// [Parse] (or [Load]) turns such a file into a [File]: typed values of
// the flow, nacl, sg and vpc packages, each with its position in the
// file. It validates everything before returning, so that a runner executes the
// steps without checking anything again: every field, every reference
// between declarations, every address, and every step against the VPC as
// the changes before it leave it. A file with any problem yields no File
// and one [*Error] per problem, "FILE:LINE:COL: what is wrong":
//
//	acl.yaml:12:9: nacl acl-public ingress rule_no 32767: must be 1..32766
//
// [Marshal] goes the other way: it writes a [vpc.Config] as a file
// without steps, which Parse reads back to the same VPC.
//
// Rule-level checks of security groups and network ACLs are those of
// [sg.Group.Validate] and [nacl.ACL.Validate], reported at the field they
// name. What AWS enforces about subnets, interfaces and prefix lists, and
// the references between subnets, ACLs, groups and interfaces, is checked
// by the VPC model, [vpc.Config.Validate], on the VPC as the file (or a
// change) leaves it; each [*vpc.ConfigError] is reported at the value it
// names. This package adds what the format asks beyond them (required
// fields, fields a protocol must not have, peers, references of rules).
// What pfsim accepts but AWS would change or object to is a [Warning].
//
// # Choices where the format is silent
//
// Reading the document:
//   - JSON is read as YAML (it is YAML); positions are the same. A file
//     holds one document. YAML anchors, aliases and `<<` merge keys work;
//     fields written in a mapping win over merged ones.
//   - A field whose value is null (`description:` alone, `~`) counts as
//     absent. A field given twice in one mapping is an error.
//   - A number may be quoted (from_port: "80"), as Terraform allows; a
//     boolean is true or false, nothing else.
//   - Ids are non-empty and without spaces, commas or control characters.
//     They are unique per kind; a group and an ACL may share one.
//   - name, description, tags and vpc_id are accepted and ignored on every
//     declaration (prefix lists, groups, ACLs, subnets, interfaces), not
//     only on groups and ACLs.
//   - Prefix lists take IPv4 and IPv6 entries mixed; `entries` may be
//     absent (an empty list).
//
// Security group rules:
//   - For "-1"/all and for protocols without ports (gre, esp, ...),
//     from_port and to_port must be 0 or absent: AWS ignores them, so any
//     other value is a misunderstanding.
//   - tcp, udp and icmp need both from_port and to_port; icmpv6 takes both
//     or neither (neither = all types and codes).
//   - Peers expand in the order cidr_blocks, ipv6_cidr_blocks,
//     prefix_list_ids, security_groups, self; [SecurityGroup.IngressPos]
//     says where each expanded rule was written. `self: false` is no peer.
//
// Network ACL rules:
//   - from_port/to_port must be 0 or absent for protocols other than tcp
//     and udp, and icmp_type/icmp_code 0 or absent for protocols other
//     than icmp and icmpv6 (Terraform's default is 0).
//   - icmp_type and icmp_code are required for icmp and icmpv6 whatever
//     the CIDR's family; icmp_type -1 needs icmp_code -1 (IN-24).
//   - The ACL `default` is in [File.NetworkACLs] (first, Implicit set)
//     unless the file declares it; a declaration replaces all its rules
//     (the declared rules are the whole ACL, as for any other: declaring it
//     with IPv4 rules only leaves IPv6 to the `*` rule, as AWS does for a
//     modified default ACL, NACL-24).
//
// Subnets and interfaces:
//   - A subnet's cidr_block (IPv4, /16 to /28) is required; an
//     ipv6_cidr_block is a /64; no two subnets' blocks overlap, in either
//     family. These are AWS's rules (Subnet sizing), checked by the VPC
//     model.
//   - private_ips holds 1 or more IPv4 addresses, ipv6_addresses IPv6 ones
//     (only in a subnet with an ipv6_cidr_block), each listed once. An
//     address must lie in its subnet's block, must not be one AWS reserves
//     there (the first four and the last of the block, in either family:
//     see [vpc.Reserved]) and must not be another interface's.
//   - security_groups holds 1..16 distinct ids; more than 5 is a warning
//     (AWS's default quota). listening entries are tcp/PORT or udp/PORT,
//     PORT 1..65535; a repeated entry is a warning.
//   - A problem between two subnets or two interfaces (overlapping blocks,
//     an address both claim) is reported at the later one in the file; in
//     a change, at the one whose blocks or addresses the change gives (one
//     the change only re-associates counts as untouched). An address that
//     no longer fits after a change of its subnet's block is reported at
//     that block, and one that no longer fits after its interface moved,
//     at the interface's subnet field.
//   - connection_tracking timeouts are whole seconds within AWS's ranges;
//     an absent one means AWS's default (the [conntrack.Config] field
//     holds 0).
//
// Changes:
//   - Prefix lists, security groups and network ACLs are replaced whole by
//     an entry with their id, as the format says.
//   - Subnets and interfaces are attachments, changed attribute by
//     attribute as AWS's API does: an entry whose id exists already
//     changes just the fields it gives (`{id: eni-web, security_groups: [sg-web, sg-db]}`
//     detaches or attaches groups and keeps subnet, addresses, listening
//     and tracking). A list given replaces the old list (`listening: []`
//     empties it); connection_tracking given replaces all three timeouts.
//     An entry whose id is new adds that object and must give its
//     required fields. [Change] holds the complete objects after the change.
//   - A subnet's blocks may change (AWS cannot do that; a simulation may),
//     provided the interfaces in it still fit.
//   - Nothing can be deleted. An id may appear once per kind in a change.
//   - A change entry that replaces a group or an ACL and leaves out a
//     direction that had rules (only egress given) removes that
//     direction's rules, with a warning; `ingress: []` removes them
//     without one. [Change.Diffs] lists the rules each replacement added
//     and removed, and a run's explanation of the change shows them.
//   - A change's references resolve against the VPC after the change: to
//     what the change declares or to what existed before. A change that
//     changes nothing (`change: {}`, or `change:` alone) is a warning.
//
// Steps:
//   - `at` is required, at least 0, at most [MaxAt] (876000h, 100 years
//     of 365 days), and never less than the previous step's (equal is
//     fine).
//   - Steps are named "step N", N from 1, in messages (as pfsim's
//     commands name them); field paths index them from 0 (steps[0]).
//   - A packet or connect must have an address of an interface at one end
//     at least, as the interfaces are at that step, and must not go from
//     an interface to itself (to another of its own addresses included).
//     An address inside a subnet that belongs to no interface (and is not
//     reserved by AWS) is a warning: it is treated as outside the VPC.
//   - A connect is tcp, icmp (IPv4) or icmpv6 (IPv6); udp is an error
//     (there is no handshake to play). Ports are 1..65535.
//
// Expectations:
//   - Short forms are case-insensitive. `expect` on a change is an error.
//   - In the long form, stage/acl/direction/rule describe a drop: without
//     a verdict they imply verdict drop (packets) or outcome timeout
//     (connects), and with allow, connected or refused they are an error.
//     conntrack implies verdict allow and is an error with drop.
//   - acl and rule describe a NACL's drop: with stage sg they are an
//     error. acl must name an ACL that exists at the step; a rule number
//     given with acl must be one of that ACL's rules at the step (of the
//     given direction, if any). rule is 1..32766 or "*".
//   - [Expect] uses zero values for "not checked": flow.CTNone for
//     conntrack (none is not a value the format allows), "" for rule, a
//     nil Direction.
//
// Errors:
//   - [Error.Field] is the path of the field from the root, such as
//     network_acls[0].ingress[2].rule_no; messages name objects by id and
//     list entries by index from 0 (ingress[2]), NACL rules by rule_no.
//   - Errors are sorted by position. A syntax error is reported at the
//     token that is wrong: for a JSON document (one that starts with { or
//     [) where encoding/json finds it; for YAML where a prefix of the
//     document starts to fail with the parser's error, since the YAML
//     library names only the line where the enclosing block starts.
//   - One mistake, one error: a value of the wrong kind is reported, not
//     also what its absence would cause (a peer that is not a list is not
//     also "no peer"; a misspelt required field is not also missing).
//     Parsing stops after 200 errors, and when YAML aliases expand the
//     document far beyond its size (100,000 nodes plus 4 per byte).
//
// Warnings, besides those of AWS's quotas and host bits:
//   - a network ACL that no subnet uses, or a security group that no
//     interface carries, at the start or after any change: its rules
//     never apply;
//   - a change that removes rules by leaving out a direction (above).
package scenario
