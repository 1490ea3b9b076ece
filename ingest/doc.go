// Package ingest reads a VPC from the files people already have: pfsim's
// scenario files, the JSON of the AWS CLI's describe commands, Terraform
// configurations and Terraform plans. It tells each file's kind by what
// it holds ([Detect]), reads the files of each kind with that kind's
// reader, and puts the results together into one [vpc.Config]:
//
//	m, err := ingest.Read([]source.File{{Name: "sgs.json", Data: sgs}, {Name: "enis.json", Data: enis}}, ingest.Options{})
//	if err != nil {
//		for _, e := range source.Errors(err) {
//			fmt.Println(e) // sgs.json:14:29: sg-0a1b IpPermissions[1].FromPort: 70000: must be 0..65535
//		}
//	}
//	v, _ := vpc.New(m.Config)
//
// The readers live in packages of their own: [awsjson] for AWS JSON,
// [terraform] for Terraform, and package scenario for pfsim's own format;
// this one only routes files to them. What they report is
// the same everywhere: a [*source.Error] at FILE:LINE:COL naming the
// resource and the field, for what stops a file from being read, and a
// [source.Warning] for what was read but should be known (an object the
// files name but do not describe, a member pfsim does not model).
//
// The files of one kind make one VPC together (the outputs of several
// describe commands; the .tf files of one configuration), except plans
// and scenario files, each of which is a VPC of its own. Files of
// different kinds each bring their objects, and an object two of them
// declare is an error: pfsim does not guess which one is right. A
// scenario file brings its VPC and not its steps.
//
// [Model] also says where each object of the VPC was read, which `pfsim
// import` writes as a comment above it in the scenario it makes.
package ingest
