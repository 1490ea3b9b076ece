package ingest

import (
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/ingest/terraform"
)

// readTerraform reads Terraform files with package ingest/terraform: the
// .tf files of one module together (following its local module calls
// when o.ReadDir is set), or one plan.
func readTerraform(kind Kind, files []source.File, o Options) (*terraform.Model, error) {
	if kind == TerraformHCL {
		return terraform.ReadHCL(files, terraform.Options{ReadDir: o.ReadDir})
	}
	return terraform.ReadPlan(files[0])
}
