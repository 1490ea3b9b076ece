package ingest

import (
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/ingest/terraform"
)

// readTerraform reads Terraform files with package ingest/terraform: the
// .tf files of one module together, or one plan.
func readTerraform(kind Kind, files []source.File) (*terraform.Model, error) {
	if kind == TerraformHCL {
		return terraform.ReadHCL(files, terraform.Options{})
	}
	return terraform.ReadPlan(files[0])
}
