package main

import (
	"bytes"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pfsim(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e, false)
	return code, o.String(), e.String()
}

// Help, usage errors and their exit statuses: a wrong command line exits
// 2 with a hint, help that was asked for exits 0 on standard output.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings of standard output
		stderr []string // substrings of standard error
	}{
		// Help asked for.
		{"help", []string{"help"}, exitOK, []string{"pfsim check", "pfsim send", "pfsim connect", "--version"}, nil},
		{"--help", []string{"--help"}, exitOK, []string{"Usage:"}, nil},
		{"-h", []string{"-h"}, exitOK, []string{"Usage:"}, nil},
		{"help check", []string{"help", "check"}, exitOK, []string{"Exit status", "DIR"}, nil},
		{"help send", []string{"help", "send"}, exitOK, []string{"--at T"}, nil},
		{"check --help", []string{"check", "--help"}, exitOK, []string{"Usage: pfsim check"}, nil},
		{"trace -h after a file", []string{"trace", "x.yaml", "-h"}, exitOK, []string{"Usage: pfsim trace"}, nil},

		// Wrong command lines.
		{"nothing", nil, exitInvalid, nil, []string{"Usage:"}},
		{"help of an unknown command", []string{"help", "foo"}, exitInvalid, nil, []string{`unknown command "foo"`, "check, trace, send, connect"}},
		{"help of a misspelt command", []string{"help", "trase"}, exitInvalid, nil, []string{"did you mean trace?"}},
		{"help of two commands", []string{"help", "check", "trace"}, exitInvalid, nil, []string{"one command at a time"}},
		{"unknown command", []string{"frobnicate"}, exitInvalid, nil, []string{`unknown command "frobnicate"`, "pfsim help"}},
		{"misspelt command", []string{"chek", "x.yaml"}, exitInvalid, nil, []string{"did you mean check?"}},
		{"unknown global flag", []string{"--verbose"}, exitInvalid, nil, []string{`unknown flag "--verbose"`}},
		{"misspelt flag", []string{"check", "--jsn", "x.yaml"}, exitInvalid, nil, []string{"unknown flag --jsn", "did you mean --json?", "pfsim help check"}},
		{"a trace flag on check", []string{"check", "--tables", "x.yaml"}, exitInvalid, nil, []string{"unknown flag --tables"}},
		{"unknown flag, no near one", []string{"check", "--zzzzzz", "x.yaml"}, exitInvalid, nil, []string{"the flags are --json"}},
		{"switch with a value", []string{"check", "--json=yes", "x.yaml"}, exitInvalid, nil, []string{"--json takes no value"}},
		{"bad colour", []string{"trace", "--color=pink", "x.yaml"}, exitInvalid, nil, []string{`--color "pink"`, "auto, always or never"}},
		{"check without a file", []string{"check"}, exitInvalid, nil, []string{"no scenario file"}},
		{"trace without a file", []string{"trace", "--json"}, exitInvalid, nil, []string{"no scenario file"}},
		{"version with an argument", []string{"--version", "x"}, exitInvalid, nil, []string{"no arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := pfsim(tc.args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, s := range tc.stdout {
				assert.Contains(t, out, s)
			}
			for _, s := range tc.stderr {
				assert.Contains(t, errOut, s)
			}
			if tc.code == exitOK {
				assert.Empty(t, errOut, "help goes to standard output")
			} else {
				assert.Empty(t, out, "usage errors go to standard error")
			}
		})
	}
}

// --version prints the module version, the commit and whether the tree
// had changes, from the build information.
func TestVersion(t *testing.T) {
	defer func(f func() (*debug.BuildInfo, bool)) { readBuildInfo = f }(readBuildInfo)
	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/pfsim/pfsim", Version: "v0.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	code, out, _ := pfsim("--version")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "pfsim v0.4.0\ncommit 0123456789ab (2026-01-02T03:04:05Z, with local changes)\ngo1.26.0\n", out)

	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true
	}
	_, out, _ = pfsim("version")
	assert.Equal(t, "pfsim (devel)\ncommit unknown (built without version control information)\ngo1.26.0\n", out)

	readBuildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	_, out, _ = pfsim("--version")
	assert.Contains(t, out, "no build information")
}

// The README shows `pfsim trace` of the seed's web server; it must be what
// the command prints today.
func TestREADMETrace(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	const begin = "<!-- trace:begin examples/scenarios/01-seed-web-server.yaml -->\n```text\n$ pfsim trace examples/scenarios/01-seed-web-server.yaml\n"
	i := strings.Index(s, begin)
	require.GreaterOrEqual(t, i, 0, "README has the trace block")
	j := strings.Index(s[i:], "```\n<!-- trace:end -->")
	require.Greater(t, j, 0)
	shown := s[i+len(begin) : i+j]

	t.Chdir("../..")
	code, out, _ := pfsim("trace", "examples/scenarios/01-seed-web-server.yaml")
	require.Equal(t, exitOK, code)
	assert.Equal(t, out, shown)
}
