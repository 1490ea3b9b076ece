package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pfsim/pfsim/ingest"
	"github.com/pfsim/pfsim/ingest/source"
	"github.com/pfsim/pfsim/scenario"
	"github.com/pfsim/pfsim/vpc"
)

const importUsage = `Usage: pfsim import [--vpc ID] FILE...

Reads a VPC from the files given and writes it on standard output as a
scenario file without steps, to edit and run with pfsim check. Each
file's kind is told by its content:

  - the JSON of aws ec2 describe-security-groups, describe-security-group-rules,
    describe-network-acls, describe-subnets, describe-network-interfaces,
    describe-instances, describe-managed-prefix-lists, get-managed-prefix-list-entries
    and describe-vpcs (all the files together make one VPC)
  - Terraform configurations (.tf; local modules, ./ or ../, are read
    from their directories) and plans (terraform show -json)
  - scenario files (their VPC; their steps are left out)

A directory is read as a Terraform root module: its .tf files, then
terraform.tfvars and the *.auto.tfvars files, as terraform reads them.

Above each object, a comment says where it was read. Warnings (what was
read but should be known, such as a security group the files name but do
not describe) go to standard error as FILE:LINE:COL: warning: ...

Exit status: 0 when the VPC was written, 2 when a file is invalid or
cannot be read, or the files declare nothing pfsim reads (each problem on
standard error as FILE:LINE:COL: ...).

  --vpc ID   the VPC to read when the AWS JSON describes several
`

var importCommand = &command{
	name:    "import",
	args:    "[--vpc ID] FILE...",
	summary: "write a scenario from AWS JSON, Terraform or scenario files",
	help:    importUsage,
	flags:   []flagSpec{{name: "vpc", value: "ID"}},
}

func init() { importCommand.run = runImport }

// runImport is `pfsim import`.
func runImport(e *env, fl flags, paths []string) int {
	stdout, stderr := e.stdout, e.stderr
	if len(paths) == 0 {
		fmt.Fprintf(stderr, "pfsim import: no file given\nUsage: pfsim import %s\nRun 'pfsim help import' for more.\n", importCommand.args)
		return exitInvalid
	}
	var files []source.File
	status := exitOK
	for _, p := range paths {
		fs, err := readPath(p)
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = exitInvalid
			continue
		}
		files = append(files, fs...)
	}
	if status != exitOK {
		return status
	}

	m, err := ingest.Read(files, ingest.Options{VPC: fl["vpc"], ReadDir: readTFDir})
	for _, w := range m.Warnings {
		fmt.Fprintln(stderr, warningLine(w))
	}
	if err != nil {
		errs := source.Errors(err)
		if len(errs) == 0 {
			fmt.Fprintln(stderr, err)
		}
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "pfsim import: %d problem(s); nothing written\n", max(len(errs), 1))
		return exitInvalid
	}
	if isEmpty(m.Config) {
		for _, p := range paths {
			fmt.Fprintln(stderr, &source.Error{Pos: source.Pos{File: p}, Msg: "nothing to import: no VPC, subnet, security group, network ACL, prefix list or interface",
				Hint: "give the files that declare them"})
		}
		fmt.Fprintf(stderr, "pfsim import: %d problem(s); nothing written\n", len(paths))
		return exitInvalid
	}
	data, err := scenario.MarshalWith(m.Config, importOptions(paths, files, m))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	if _, err := stdout.Write(data); err != nil {
		fmt.Fprintf(stderr, "pfsim import: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// isEmpty reports whether c declares nothing at all: what reading an
// empty file, or one of resources pfsim does not read, gives.
func isEmpty(c vpc.Config) bool {
	return !c.CIDR.IsValid() && len(c.PrefixLists) == 0 && len(c.SecurityGroups) == 0 &&
		len(c.NetworkACLs) == 0 && len(c.Subnets) == 0 && len(c.Interfaces) == 0
}

// importOptions names the scenario after its files and says where each
// object came from.
func importOptions(paths []string, files []source.File, m *ingest.Model) scenario.MarshalOptions {
	header := []string{"Written by pfsim import from:"}
	for i, f := range files {
		header = append(header, "  "+f.Name+" ("+m.Kinds[i].String()+")")
	}
	header = append(header, "Add steps (packet, connect, change) with expectations, then run: pfsim check FILE")
	name := "imported from " + strings.Join(paths, ", ")
	if len(paths) > 2 {
		name = fmt.Sprintf("imported from %s and %d other files", paths[0], len(paths)-1)
	}
	listens := false
	for _, i := range m.Config.Interfaces {
		listens = listens || len(i.Listening) > 0
	}
	if len(m.Config.Interfaces) > 0 && !listens {
		header = append(header, "What each host listens on is not in the input: give the interfaces",
			"listening: [tcp/80, ...] for connect steps (a connect to any other port is refused).")
	}
	return scenario.MarshalOptions{
		Name:   name,
		Header: header,
		Note: func(k vpc.Kind, id string) string {
			o, ok := m.Origin(k, id)
			switch {
			case !ok || o.Pos.File == "":
				return ""
			case o.Named && k == vpc.KindPrefixList:
				return "not in the input, only named (at " + o.Pos.String() + "): kept without entries, so rules that name it match nothing"
			case o.Named:
				return "not in the input, only named (at " + o.Pos.String() + "): kept without rules; rules that name it\n" +
					"match the addresses of the interfaces here that carry it, and no other"
			}
			return "from " + o.Pos.String()
		},
	}
}

// loadIngest reads a VPC from a file of a kind import reads, for replay:
// its warnings as lines "FILE:LINE:COL: warning: ...", its problems
// joined one per line.
func loadIngest(files ...source.File) (vpc.Config, []string, error) {
	m, err := ingest.Read(files, ingest.Options{ReadDir: readTFDir})
	var words []string
	for _, w := range m.Warnings {
		words = append(words, warningLine(w))
	}
	return m.Config, words, err
}

// readTFDir returns the .tf files of a directory, sorted by name, each
// named by its path: the files of a local module a Terraform configuration
// calls.
func readTFDir(dir string) ([]source.File, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var files []source.File
	for _, en := range entries {
		if !strings.HasSuffix(en.Name(), ".tf") || en.IsDir() {
			continue
		}
		p := filepath.Join(dir, en.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, source.File{Name: p, Data: data})
	}
	return files, nil
}

// readPath reads a file given on the command line, or, for a directory,
// the Terraform root module in it, as terraform does: its .tf files, then
// terraform.tfvars and the *.auto.tfvars files, in the order of their
// names.
func readPath(p string) ([]source.File, error) {
	// "PATH: no such file or directory", not "stat PATH: ...".
	bare := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s: %w", pe.Path, pe.Err)
		}
		return err
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, bare(err)
	}
	if !info.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, bare(err)
		}
		return []source.File{{Name: p, Data: data}}, nil
	}
	files, err := readTFDir(p)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: a directory is read as a Terraform module, and this one has no .tf file", p)
	}
	vars, _ := filepath.Glob(filepath.Join(p, "*.auto.tfvars")) // sorted; the pattern is valid
	if _, err := os.Stat(filepath.Join(p, "terraform.tfvars")); err == nil {
		vars = append([]string{filepath.Join(p, "terraform.tfvars")}, vars...)
	}
	for _, v := range vars {
		data, err := os.ReadFile(v)
		if err != nil {
			return nil, bare(err)
		}
		files = append(files, source.File{Name: v, Data: data})
	}
	return files, nil
}

// warningLine is "FILE:LINE:COL: warning: RESOURCE FIELD: what (hint)".
func warningLine(w source.Warning) string {
	rest := w
	rest.Pos = source.Pos{}
	if w.Pos.File == "" {
		return "warning: " + rest.String()
	}
	return w.Pos.String() + ": warning: " + rest.String()
}
