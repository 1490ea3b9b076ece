// Package awsjson reads what AWS says about a VPC's filters: the JSON
// that the AWS CLI's describe commands print (the EC2 API's responses),
// and builds the VPC they describe as a [vpc.Config].
//
// A user who wants to know what their rules do dumps them and gives the
// files to pfsim as they are:
//
//	aws ec2 describe-security-groups      > sgs.json
//	aws ec2 describe-network-acls         > acls.json
//	aws ec2 describe-subnets              > subnets.json
//	aws ec2 describe-network-interfaces   > enis.json
//	pfsim import sgs.json acls.json subnets.json enis.json > vpc.yaml
//
// Each file holds the output of one command (or several outputs merged
// into one object). What is read, by the member at the top of the file:
//
//	SecurityGroups      describe-security-groups: each group's IpPermissions
//	                    and IpPermissionsEgress
//	SecurityGroupRules  describe-security-group-rules (and the authorize
//	                    commands): one rule each, merged with the groups
//	NetworkAcls         describe-network-acls: entries and subnet associations
//	Subnets             describe-subnets: IPv4 block and IPv6 block
//	NetworkInterfaces   describe-network-interfaces: subnet, addresses, groups,
//	                    connection-tracking timeouts
//	Reservations        describe-instances: the instances' interfaces, as above
//	PrefixLists         describe-managed-prefix-lists: the lists' ids
//	Entries             get-managed-prefix-list-entries: a list's CIDRs
//	Vpcs                describe-vpcs: the VPC's IPv4 block
//
// The objects of all the files together make one VPC: rules name groups
// and prefix lists by id, interfaces name their subnets and groups, ACLs
// name the subnets they are associated with, whichever file describes
// them. Files whose objects belong to several VPCs are read for one,
// chosen with [Options].VPC.
//
// # How AWS's values become pfsim's
//
// AWS's ids are kept as they are (sg-0a1b..., acl-..., subnet-..., eni-...,
// pl-...): the model, its explanations and a scenario written from it use
// the names the console shows.
//
// Security groups. An IpPermission holds one protocol and port range and
// several peers (IpRanges, Ipv6Ranges, PrefixListIds, UserIdGroupPairs); it
// becomes one [sg.Rule] per peer, in that order (IN-1). IpProtocol is "-1",
// a name in any case ("tcp") or a number ("6"), as a string or a JSON
// number (IN-2). FromPort and ToPort are the port range for tcp and udp
// and the ICMP type and code for icmp and icmpv6 (SG-3, SG-4; icmpv6
// without them: all types and codes); for "-1" and other protocols they
// mean nothing, whatever the output holds there (nothing, 0 or -1: IN-3,
// IN-8), and the rule holds 0 and 0. A rule of describe-security-group-
// rules (CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo) joins
// its group's rules unless the group already has a rule that allows the
// same traffic; a group that only that command describes is built from
// its rules.
//
// Network ACLs. Entries come in any order, both directions and families
// mixed; their RuleNumbers order them (IN-11). The entries numbered 32767
// (deny all 0.0.0.0/0) and 32768 (deny all ::/0) are AWS's `*` rules
// (NACL-15, IN-12): they are recognised and not made into numbered rules,
// since every ACL has them; any other entry with one of those numbers is
// an error. Protocol is read as for groups; PortRange counts for tcp and
// udp, IcmpTypeCode for icmp and icmpv6 (NACL-11). Each subnet gets the ACL
// whose Associations name it, or else its VPC's default ACL (IsDefault,
// NACL-22); a subnet with neither gets pfsim's default ACL, which allows
// everything, with a warning.
//
// Interfaces list their primary address first. An interface without a
// security group (a NAT gateway's, for one) is left out with a warning:
// no group filters it and pfsim models interfaces with 1..16 groups. So
// is an IPv6-only subnet and what is in it (pfsim asks every interface
// for an IPv4 address).
//
// # What the files do not say
//
// A security group that a rule or an interface names and that no file
// describes (it is in another account or a peered VPC, or its output was
// not given) is kept as a group without rules, with a warning naming it:
// a rule that references it matches the addresses of the interfaces in the
// files that carry it (SG-19), which for a group of another VPC is none. A
// prefix list whose entries no file gives (describe-managed-prefix-lists
// does not print them) is kept empty, with a warning, and rules that name
// it match nothing. get-managed-prefix-list-entries does not name its list
// either: the file's name does (pl-0123456789abcdef0.json), or a
// "PrefixListId" member added to it.
//
// An interface's subnet must be in the files: without its block there is
// nothing to check the addresses against, so that is an error. The VPC's
// block, from describe-vpcs, is optional: it places the Amazon DNS server
// (VPC base + 2, NOT-10); pfsim models one block per VPC, so when a subnet
// lies in a secondary block it is left unset, with a warning.
//
// Members that do not matter to filtering (names, tags, owners, states,
// DNS names, public addresses) are ignored. Members that would, but that
// pfsim does not model (route tables, prefix delegation on interfaces, a
// second IPv6 block), are reported by name as warnings. A page of a
// paginated output (NextToken) is a warning too.
//
// # Problems
//
// Every problem is a [*source.Error] at the JSON value it is about,
// naming the resource by its AWS id and the field by its path inside it:
//
//	sgs.json:14:29: sg-0123456789abcdef0 IpPermissions[1].FromPort: 70000: must be 0..65535
//	enis.json:48:23: eni-e5aa89a3 SubnetId: subnet subnet-b61f49f0 is not in the files: pfsim needs its CIDR (give the output of aws ec2 describe-subnets too)
//
// A file that is not JSON is reported at the character that breaks it;
// the AWS CLI documentation's own examples hold such characters (a comma
// after the last member, a string in single quotes). [Read] reports every
// problem it finds, joined with [source.Join], and returns no model then.
// What the library checks about the model ([vpc.Config.Validate], the
// rules' ranges) is reported at the value it names, too.
package awsjson
