// Package source names places in the files that pfsim reads from outside
// (Terraform configurations and plans, AWS API JSON, flow logs) and carries
// the problems found there.
//
// Every reader reports a problem as an [*Error] or a [Warning] at a [Pos],
// naming the resource and the field, so that a message reads
//
//	main.tf:12:5: aws_security_group.web ingress[0].cidr_blocks: "0.0.0.0/33" is not a CIDR
//
// Readers return all the errors they find, joined with [errors.Join];
// [Errors] takes them apart again.
package source
