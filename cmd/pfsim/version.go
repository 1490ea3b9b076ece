package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// readBuildInfo is debug.ReadBuildInfo, replaced by tests.
var readBuildInfo = debug.ReadBuildInfo

// versionText is what `pfsim --version` prints: the module's version (a
// tag when installed with go install MODULE@VERSION, "(devel)" when built
// in a checkout), the commit the binary was built from and whether the
// work tree had changes, and the Go version.
//
//	pfsim v0.4.0
//	commit 0123456789ab (2026-01-02T03:04:05Z, with local changes)
//	go1.26.0
func versionText() string {
	bi, ok := readBuildInfo()
	if !ok {
		return "pfsim: no build information in this binary\n"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pfsim %s\n", version)
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		var notes []string
		if when != "" {
			notes = append(notes, when)
		}
		if modified {
			notes = append(notes, "with local changes")
		}
		b.WriteString("commit " + rev)
		if len(notes) > 0 {
			b.WriteString(" (" + strings.Join(notes, ", ") + ")")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("commit unknown (built without version control information)\n")
	}
	if bi.GoVersion != "" {
		b.WriteString(bi.GoVersion + "\n")
	}
	return b.String()
}
