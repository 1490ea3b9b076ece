package ingest

import (
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/vpc"
)

// ---------------------------------------------------------------------
// loadTerraform is the hook for the Terraform readers (package
// ingest/terraform: LoadHCL for the files of a configuration, LoadPlan
// for one plan; Read gives a plan's file alone). This build has none: it
// reports so for every file. When that package is built in, the body
// becomes:
//
//	if kind == TerraformHCL {
//		return terraform.LoadHCL(files)
//	}
//	return terraform.LoadPlan(files[0])
//
// ---------------------------------------------------------------------
func loadTerraform(kind Kind, files []source.File) (vpc.Config, []source.Warning, error) {
	var errs []*source.Error
	for _, f := range files {
		errs = append(errs, &source.Error{Pos: source.Pos{File: f.Name}, Msg: kind.String() + ": terraform reader not built in"})
	}
	return vpc.Config{}, nil, source.Join(errs)
}
