package main

import (
	"fmt"
	"io"
	"os"
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
  - Terraform configurations (.tf) and plans (terraform show -json)
  - scenario files (their VPC; their steps are left out)

Above each object, a comment says where it was read. Warnings (what was
read but should be known, such as a security group the files name but do
not describe) go to standard error as FILE:LINE:COL: warning: ...

Exit status: 0 when the VPC was written, 2 when a file is invalid or
cannot be read (each problem on standard error as FILE:LINE:COL: ...).

  --vpc ID   the VPC to read when the AWS JSON describes several
`

// runImport is `pfsim import`.
func runImport(args []string, stdout, stderr io.Writer) int {
	var vpcID string
	var paths []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			paths = append(paths, args[i+1:]...)
			i = len(args)
		case a == "-h" || a == "--help" || a == "-help":
			fmt.Fprint(stdout, importUsage)
			return exitOK
		case a == "--vpc" || a == "-vpc":
			if i+1 >= len(args) {
				return importUsageError(stderr, "--vpc needs a VPC id")
			}
			i++
			vpcID = args[i]
		case strings.HasPrefix(a, "--vpc=") || strings.HasPrefix(a, "-vpc="):
			_, vpcID, _ = strings.Cut(a, "=")
		case strings.HasPrefix(a, "-") && a != "-":
			return importUsageError(stderr, "unknown flag "+a)
		default:
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		return importUsageError(stderr, "no file given")
	}
	var files []source.File
	status := exitOK
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", p, err)
			status = exitInvalid
			continue
		}
		files = append(files, source.File{Name: p, Data: data})
	}
	if status != exitOK {
		return status
	}

	m, err := ingest.Read(files, ingest.Options{VPC: vpcID})
	for _, w := range m.Warnings {
		rest := w
		rest.Pos = source.Pos{}
		if w.Pos.File != "" {
			fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, rest)
		} else {
			fmt.Fprintf(stderr, "warning: %s\n", rest)
		}
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
	data, err := scenario.MarshalWith(m.Config, importOptions(paths, m))
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

func importUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "pfsim import: %s\n\n%s", msg, importUsage)
	return exitInvalid
}

// importOptions names the scenario after its files and says where each
// object came from.
func importOptions(paths []string, m *ingest.Model) scenario.MarshalOptions {
	header := []string{"Written by pfsim import from:"}
	for i, p := range paths {
		header = append(header, "  "+p+" ("+m.Kinds[i].String()+")")
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
