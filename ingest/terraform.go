package ingest

import (
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/ingest/terraform"
	"github.com/pfsim/pfsim/vpc"
)

// loadTerraform reads Terraform files with package ingest/terraform: the
// files of one configuration together, or one plan (Read gives a plan's
// file alone).
func loadTerraform(kind Kind, files []source.File) (vpc.Config, []source.Warning, error) {
	if kind == TerraformHCL {
		return terraform.LoadHCL(files)
	}
	return terraform.LoadPlan(files[0])
}
