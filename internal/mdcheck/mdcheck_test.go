package mdcheck

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file is scanned by the repository's own citation check, so an ID
// that must stay undefined is put together at run time: undefined("CT",
// "999") and not its literal.
func undefined(prefix, n string) string { return prefix + "-" + n }

func TestCitations(t *testing.T) {
	text := "see CT-3 and NACL-19,\n(SG-18c) TRACE-B; CT-16a..CT-16c\n" +
		"not ids: SYN-ACK, UTF-8, XCT-3, CT-, TRACE-1, trace-b, ct-3, U0\n" +
		"MODEL-7/NOT-10 IN-24 FL-3\n"
	var got []string
	var lines []int
	for _, c := range Citations(text) {
		got = append(got, c.ID)
		lines = append(lines, c.Line)
	}
	assert.Equal(t, []string{"CT-3", "NACL-19", "SG-18c", "TRACE-B", "CT-16a", "CT-16c", "MODEL-7", "NOT-10", "IN-24", "FL-3"}, got)
	assert.Equal(t, []int{1, 1, 2, 2, 2, 2, 4, 4, 4, 4}, lines)
	assert.Equal(t, "ct-16a", Anchor("CT-16a"))
	assert.Equal(t, "trace-b", Anchor("TRACE-B"))
}

func TestSlug(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Scenario files", "scenario-files"},
		{"The `change` step", "the-change-step"},
		{"NACL-14: first match, by number", "nacl-14-first-match-by-number"},
		{"<a id=\"x\"></a>Steps", "steps"},
		{"[Links](other.md) and *emphasis*", "links-and-emphasis"},
		{"at (time)", "at-time"},
		{"snake_case and über", "snake_case-and-über"},
	} {
		assert.Equal(t, tt.want, Slug(tt.in), tt.in)
	}
}

func TestDefinitions(t *testing.T) {
	md := strings.Join([]string{
		"# Title",                        // 1
		"",                               // 2
		"<a id=\"ct-3\"></a>",            // 3
		"**CT-3** text <span id=\"u0\">", // 4
		"## Title",                       // 5: a repeated slug
		"```",                            // 6
		"# not a heading",                // 7
		"<a id=\"in-code\"></a>",         // 8
		"```",                            // 9
		"`<a id=\"in-span\"></a>` ## no", // 10
		"   ### Three spaces ###",        // 11
		"    #### four spaces: code",     // 12 (indented: not a heading here either)
	}, "\n")
	assert.Equal(t, []Definition{
		{Name: "title", Line: 1},
		{Name: "ct-3", Line: 3, Explicit: true},
		{Name: "u0", Line: 4, Explicit: true},
		{Name: "title-1", Line: 5},
		{Name: "three-spaces", Line: 11},
	}, Definitions(md))
}

func TestLinks(t *testing.T) {
	md := strings.Join([]string{
		"[a](a.md) and [b](<dir/b c.md> \"title\") and ![img](img.png)", // 1
		"`[not](a link)` [c](#frag)",                                    // 2
		"```",                                                           // 3
		"[in code](nope.md)",                                            // 4
		"```",                                                           // 5
		"[ref]: ref.md#x",                                               // 6
		"<a href=\"html.md\">html</a> [web](https://example.com/x)", // 7
		"[S.] tcp flags are not links, nor is [x] (y)",              // 8
	}, "\n")
	assert.Equal(t, []Link{
		{"a.md", 1}, {"dir/b c.md", 1}, {"img.png", 1},
		{"#frag", 2},
		{"ref.md#x", 6},
		{"https://example.com/x", 7}, {"html.md", 7},
	}, Links(md))
}

// repo is a small repository with one mistake of every kind the checks
// catch, and correct uses of each form beside it.
func repo() fstest.MapFS {
	cite := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"docs/aws.md": cite("# Rules\n\n<a id=\"ct-3\"></a>**CT-3** untracked.\n\n<a id=\"nacl-14\"></a>\n\n## Steps\n\n<a id=\"ct-3\"></a>again\n"),
		"docs/README.md": cite(strings.Join([]string{
			"[ok](aws.md#ct-3) [ok dir](../pkg) [ok heading](aws.md#steps) [ok self](#top)",
			"# Top",
			"[missing file](nope.md)",
			"[missing anchor](aws.md#" + undefined("ct", "999") + ")",
			"[outside](../../shared/x.md)",
			"[absolute](/docs/aws.md)",
			"[self missing](#nowhere)",
			"[web ok](https://example.com/nope.md)",
			"[repo ok](https://github.com/x/y/blob/main/docs/aws.md#nacl-14)",
			"[repo bad](https://github.com/x/y/blob/main/docs/aws.md#gone)",
		}, "\n")),
		"pkg/doc.go": cite("// Package pkg does CT-3 (NACL-14).\n// See https://github.com/x/y/blob/main/docs/aws.md#ct-3.\n" +
			"// And " + undefined("SG", "77") + ", https://github.com/x/y/blob/main/docs/missing.md\npackage pkg\n"),
		"lessons/l.yaml":   cite("description: |\n  " + undefined("TRACE", "Z") + " and CT-3\n"),
		"skipped/x.md":     cite("[broken](nope.md) " + undefined("CT", "998") + "\n"),
		"pkg/notes.txt":    cite(undefined("CT", "997") + " in a file of another kind\n"),
		"pkg/img.png":      cite(""),
		"pkg/README.md":    cite("![picture](img.png) [back](../docs/aws.md#nacl-14)\n"),
		".git/x.md":        cite("[broken](nope.md)\n"),
		"docs/nested/n.md": cite("[up](../aws.md) [up missing](../gone.md)\n"),
	}
}

var opts = Options{
	Skip:    func(p string) bool { return p == "skipped" },
	RepoURL: "https://github.com/x/y/blob/main/",
}

func TestCheckCitations(t *testing.T) {
	probs, err := CheckCitations(repo(), "docs/aws.md", opts)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"docs/aws.md:9: anchor \"ct-3\" defined twice (first at line 3)",
		"lessons/l.yaml:2: " + undefined("TRACE", "Z") + " is cited but not defined in docs/aws.md",
		"pkg/doc.go:3: " + undefined("SG", "77") + " is cited but not defined in docs/aws.md",
	}, strs(probs))

	_, err = CheckCitations(repo(), "docs/none.md", opts)
	assert.Error(t, err, "a missing definitions file is an error, not a pass")
}

func TestCheckLinks(t *testing.T) {
	probs, err := CheckLinks(repo(), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"docs/README.md:3: link \"nope.md\": no such file or directory docs/nope.md",
		"docs/README.md:4: link \"aws.md#" + undefined("ct", "999") + "\": docs/aws.md defines no anchor \"" + undefined("ct", "999") + "\"",
		"docs/README.md:5: link \"../../shared/x.md\": points outside the repository",
		"docs/README.md:6: link \"/docs/aws.md\": an absolute path; write it relative to docs/README.md",
		"docs/README.md:7: link \"#nowhere\": docs/README.md defines no anchor \"nowhere\"",
		"docs/README.md:10: link \"https://github.com/x/y/blob/main/docs/aws.md#gone\": docs/aws.md defines no anchor \"gone\"",
		"docs/nested/n.md:1: link \"../gone.md\": no such file or directory docs/gone.md",
		"pkg/doc.go:3: link \"https://github.com/x/y/blob/main/docs/missing.md\": no such file or directory docs/missing.md",
	}, strs(probs))

	// Without RepoURL, links into the repository are web links like any.
	probs, err = CheckLinks(repo(), Options{Skip: opts.Skip})
	require.NoError(t, err)
	assert.Len(t, probs, 6)
}

func strs(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
