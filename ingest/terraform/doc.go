// Package terraform reads the packet filters of an AWS VPC from Terraform:
// configuration files (.tf) with [LoadHCL], or the JSON that `terraform show
// -json` prints for a plan or a state with [LoadPlan]. Both return a
// [vpc.Config] — security groups, network ACLs, prefix lists, subnets and
// interfaces — that [vpc.New] builds into a VPC to send packets through:
//
//	cfg, warnings, err := terraform.LoadHCL(files) // all .tf files of one module
//	if err != nil {
//		return err // every problem, each "main.tf:12:5: aws_security_group.web ingress[0].cidr_blocks: ..."
//	}
//	for _, w := range warnings {
//		log.Print(w) // what was read but not modelled, or assumed
//	}
//	v, err := vpc.New(cfg)
//
// [ReadHCL] and [ReadPlan] read the same into a [Model], which also says
// where each object is declared ([Model.Origin]: the resource block, or the
// resource's object in a plan), so that what is built from the model can
// point back at the line to edit. ReadHCL takes [Options]: with
// [Options.ReadDir] it follows the calls of local modules (see Modules
// below). [IsHCL] and [IsPlan] tell the two kinds apart by content.
//
// # Which to read
//
// A configuration is what the user writes; reading it needs nothing but the
// files. The reader evaluates what Terraform would evaluate before talking
// to AWS: variable defaults (and .tfvars files given among the files),
// locals, count and for_each over known values, dynamic blocks, the old
// "${...}" interpolation, rules written as attributes (ingress = [...]),
// references between resources across all the files given, and the common
// functions on literals (concat, merge, flatten, tolist, toset, lookup,
// cidrsubnet, cidrhost, cidrsubnets, format, join, ...: go-cty's standard
// library and the CIDR functions), and local modules when asked to. What
// only AWS knows — an attribute AWS computes (aws_instance.x.public_ip), a
// data source, the outputs of a module from a registry — cannot be known
// there. Arguments that do not affect filtering (vpc_id,
// tags, description, ami, ...) may refer to anything. When an argument
// filtering needs cannot be evaluated, the error names it, says what it
// depends on and where that is declared, and gives the way out: give the
// file that defines it, or read the plan.
//
// A plan holds what Terraform resolved: modules, data sources, variables.
// Resources come from planned_values (a state's values), the root module
// and every child module. What is known only after apply (after_unknown in
// resource_changes) is taken from the configuration section when its
// expression refers to a resource of the model — a rule's
// security_group_id = aws_security_group.web.id, also through module
// outputs and module variables — and is an error naming resource and
// attribute otherwise. An argument the configuration does not set and AWS
// computes is read as not set. Errors point at the JSON value, line and
// column. Terraform prints sets in an order of its own; rules are put back
// in the order the configuration writes them, so a plan gives the same
// model as its configuration.
//
// # Modules
//
// A module block calls the module whose files are in the directory its
// source names. Terraform resolves a local source ("./modules/sg",
// "../shared") from the directory of the file holding the call; anything
// else (a registry address such as terraform-aws-modules/security-group/aws,
// git::, an https URL) is downloaded by terraform init. With
// [Options.ReadDir], which lists a directory's .tf files, ReadHCL reads a
// local module as Terraform does:
//
//   - The call's arguments, evaluated where the call is, set the module's
//     input variables; a variable the call leaves out takes its default,
//     and one without a default is an error at the call, as is an
//     argument the module declares no variable for.
//   - The module's variables, locals and resources are its own: a
//     reference inside the module means the module's object. Its resources
//     are read under their full addresses, the ids of their objects:
//     "module.web_sg.aws_security_group.this", and
//     "module.app.module.sg.aws_security_group.this" for a module that
//     module.app calls in turn.
//   - module.web_sg.security_group_id, written where the call is, is the
//     module's output block of that name, evaluated in the module. This is
//     how a root instance gets a group its module makes:
//     vpc_security_group_ids = [module.web_sg.security_group_id].
//   - count and for_each on the call make one module per instance when
//     their values are known: "module.sg[0].aws_security_group.this",
//     `module.sg["api"].aws_security_group.this`, whose outputs are
//     module.sg[0].NAME and module.sg["api"].NAME. When they are not
//     known, the call is an error that points at them.
//
// Errors in a module's files give that file's path and line, and the
// resource's full address. A source directory that does not exist or holds
// no .tf file is an error at the source argument; so is a module that
// calls itself, directly or through others, which the error shows as the
// chain of calls. Other sources stay warnings: the plan JSON holds the
// resources of every module, whatever its source. Without ReadDir (and in
// [LoadHCL]), no module call is followed.
//
// # Ids
//
// An object's id in the model is its resource address:
// "aws_security_group.web", "aws_subnet.a[1]", `aws_security_group.g["api"]`,
// "module.net.aws_subnet.app". The address is unique by construction, it is
// what terraform plan prints and what errors name, it exists before apply
// (AWS ids do not), and it is the same in a configuration and in its plan,
// so both give one model. A group's name attribute would read better but may
// be absent (name_prefix, or a generated name) or computed. An instance's
// interface has the instance's address.
//
// Two ids are AWS's words instead: the VPC's default security group is
// "default" ([DefaultGroup]) and its default network ACL "default"
// ([vpc.DefaultACL]), whether a resource (aws_default_security_group,
// aws_default_network_acl) manages them or not, so that
// aws_vpc.main.default_security_group_id and every subnet not associated
// with another ACL resolve to them.
//
// A group or prefix list that a rule names and the files do not declare
// ("sg-0123", data.aws_prefix_list.s3.id, an endpoint's prefix_list_id) is
// kept under that name, with no members or no entries, so that rules naming
// it match no address; a warning names it. A state's AWS ids (values.id)
// are mapped back to the addresses that hold them, and the ids of data
// sources a plan has read to the data sources' addresses: a prefix list
// read by data.aws_ec2_managed_prefix_list or data.aws_prefix_list keeps the
// entries AWS gave it.
//
// # AWS and Terraform defaults
//
// The model is what AWS holds after Terraform has applied the
// configuration, not what the console would create:
//
//   - aws_security_group removes the allow-all egress rule AWS gives a new
//     group: a group without egress blocks has no egress rules (SG-18c,
//     IN-17). Rules added by aws_security_group_rule or
//     aws_vpc_security_group_ingress_rule / _egress_rule go to the group
//     they name; mixing them with inline rules of the same group is an
//     error (IN-18, IN-21).
//   - aws_default_security_group and aws_default_network_acl remove every
//     rule AWS put there and keep only the configuration's: with no blocks,
//     all traffic is denied. An ACL with inline rules and
//     aws_network_acl_rule resources for it is an error (IN-26).
//   - An interface created without a group carries the VPC's default group;
//     when no aws_default_security_group manages it, it has AWS's rules: all
//     traffic in from its own members, all traffic out, to ::/0 too when the
//     VPC has IPv6 (SG-18a). The default ACL that no resource manages has
//     AWS's rules 100 and 101 (NACL-23); rules aws_network_acl_rule adds to
//     it come on top.
//   - A subnet no ACL names is in the default ACL (NACL-22); two ACLs naming
//     one subnet is an error (NACL-26).
//   - Inline network ACL rules default icmp_type and icmp_code to 0, which
//     is echo reply only: a warning says so (IN-25). Ports of protocol -1
//     are ignored by aws_security_group_rule and aws_network_acl_rule, must
//     be 0 in inline group rules, as the provider requires, and should be
//     left out of aws_vpc_security_group_*_rule (IN-20, IN-22, IN-23).
//   - Each inline block or aws_security_group_rule becomes one rule per
//     peer, in the order cidr_blocks, ipv6_cidr_blocks, prefix_list_ids,
//     security_groups (source_security_group_id), self (IN-16).
//
// # Not read
//
// Nothing is skipped in silence. Each resource type the model is not built
// from is named once in a warning, as is each module call that is not
// followed (read the plan to see its resources). An instance without
// subnet_id (a default subnet) or without a private address (AWS picks it
// at launch), a count of addresses AWS picks, an IPv6 block AWS assigns,
// and a second VPC (pfsim models one) are warnings too. In .tf files, an
// argument within two edits of one pfsim reads in the same block
// ("cidr_blok") is a warning that names the argument it resembles;
// arguments that do not touch filtering (ami, tags) are left alone.
//
// # Sources
//
// The behaviour above follows the Terraform AWS provider's documentation of
// each resource (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/,
// pages security_group, security_group_rule, vpc_security_group_ingress_rule,
// vpc_security_group_egress_rule, default_security_group, network_acl,
// network_acl_rule, default_network_acl, network_acl_association,
// ec2_managed_prefix_list, network_interface,
// network_interface_sg_attachment, instance) and AWS's VPC user guide for
// the defaults (the rule ids are those of docs/aws-semantics.md, which
// gives each one's source). The JSON format is
// Terraform's (https://developer.hashicorp.com/terraform/internals/json-format).
// The parser and evaluator are Terraform's own libraries,
// github.com/hashicorp/hcl/v2 and github.com/zclconf/go-cty.
package terraform
