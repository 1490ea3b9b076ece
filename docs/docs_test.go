// Package docs_test keeps the reference in docs/ honest: every rule ID the
// repository cites is defined in aws-semantics.md with a source, every
// link in the Markdown resolves, and every whole scenario file shown in
// the pages parses and runs with its expectations holding.
package docs_test

import (
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/internal/mdcheck"
	"github.com/pfsim/pfsim/scenario"
)

// root is the repository, seen from this directory.
var root = os.DirFS("..")

const semantics = "docs/aws-semantics.md"

var opts = mdcheck.Options{
	// bench/anchor is a separate module that runs an outside project's
	// benchmark; its files are not the project's reference.
	Skip:    func(p string) bool { return p == "bench/anchor" },
	RepoURL: "https://github.com/pfsim/pfsim/blob/main/",
}

// Every rule ID cited in code, tests, lessons or Markdown is defined.
func TestRuleIDsAreDefined(t *testing.T) {
	probs, err := mdcheck.CheckCitations(root, semantics, opts)
	require.NoError(t, err)
	for _, p := range probs {
		t.Error(p)
	}
}

// Every relative link, and every link into the repository's pages on
// GitHub, points at a file that exists and an anchor it defines.
func TestLinksResolve(t *testing.T) {
	probs, err := mdcheck.CheckLinks(root, opts)
	require.NoError(t, err)
	for _, p := range probs {
		t.Error(p)
	}
}

// ruleRE finds the rule anchors of the semantics page.
var ruleRE = regexp.MustCompile(`<a id="((?:model|nacl|sg|ct|not|in|fl)-[0-9]+[a-z]?|trace-[a-z])"></a>`)

// Every rule of the semantics page says where it comes from: a link to
// its source, or the words "pfsim's choice".
func TestEveryRuleHasASource(t *testing.T) {
	data, err := os.ReadFile("aws-semantics.md")
	require.NoError(t, err)
	text := string(data)
	locs := ruleRE.FindAllStringSubmatchIndex(text, -1)
	require.Greater(t, len(locs), 100, "the rules of the semantics page")
	for i, loc := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		block := strings.Join(strings.Fields(text[loc[0]:end]), " ")
		id := text[loc[2]:loc[3]]
		hasSource := strings.Contains(block, "](https://") || strings.Contains(block, "](#src-") ||
			strings.Contains(block, "pfsim's choice")
		assert.True(t, hasSource, "%s: no source link and not marked pfsim's choice", id)
	}
}

// codeBlock is a fenced code block of a Markdown page.
type codeBlock struct {
	lang, text string
	line       int
	// marked is true when the line before the fence is scenarioMark or
	// failsMark; fails when it is failsMark.
	marked, fails bool
}

// scenarioMark, on the line before a fenced block, marks a whole scenario
// file written in another language than YAML (JSON). failsMark marks one
// (in any language) that shows an expectation failing: it must parse, and
// some expectation of it must not hold.
const (
	scenarioMark = "<!-- scenario -->"
	failsMark    = "<!-- scenario: fails -->"
)

func codeBlocks(md string) []codeBlock {
	var out []codeBlock
	var cur *codeBlock
	var body []string
	lines := strings.Split(md, "\n")
	for i, line := range lines {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			prev := ""
			if i > 0 {
				prev = strings.TrimSpace(lines[i-1])
			}
			cur = &codeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: i + 1,
				marked: prev == scenarioMark || prev == failsMark, fails: prev == failsMark}
			body = nil
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	return out
}

// isScenario reports whether a YAML block is a whole scenario file: a
// mapping with a name.
func isScenario(text string) bool {
	var doc map[string]any
	return yaml.Unmarshal([]byte(text), &doc) == nil && doc["name"] != nil
}

// Every YAML block of the pages is YAML; every one that is a whole
// scenario file, and every block marked as one, parses without warnings
// and runs with every expectation holding (or, marked failsMark, with
// some expectation failing, as a page about failures shows).
func TestScenarioExamples(t *testing.T) {
	pages, err := mdcheck.Files(os.DirFS("."), mdcheck.Options{}, ".md")
	require.NoError(t, err)
	scenarios := 0
	for _, page := range pages {
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, b := range codeBlocks(string(data)) {
			where := page + ":" + strconv.Itoa(b.line)
			switch {
			case b.marked:
			case b.lang != "yaml":
				continue
			default:
				var v any
				require.NoError(t, yaml.Unmarshal([]byte(b.text), &v), "%s: not YAML", where)
				if !isScenario(b.text) {
					continue
				}
			}
			scenarios++
			// Positions inside the block, for the messages.
			f, warns, err := scenario.Parse(path.Join("docs", page), []byte(b.text))
			require.NoError(t, err, "%s: the example does not parse", where)
			assert.Empty(t, warns, "%s: the example has warnings", where)
			rep, err := scenario.Run(f)
			require.NoError(t, err, where)
			if b.fails {
				assert.Positive(t, rep.Failed(), "%s: marked %q, but every expectation holds", where, failsMark)
				continue
			}
			for _, r := range rep.Results {
				assert.True(t, r.OK(), "%s: step %d (line %d): %v %v", where, r.Index, b.line+r.Step.Pos.Line, r.Failures, r.Err)
			}
		}
	}
	assert.GreaterOrEqual(t, scenarios, 5, "whole scenario files among the examples")
}

// A YAML block that is not a scenario is told apart from one that is; a
// broken example would fail the test above.
func TestIsScenario(t *testing.T) {
	assert.True(t, isScenario("name: x\nsteps: []\n"))
	assert.False(t, isScenario("- {id: sg-web}\n"))
	assert.False(t, isScenario("rule_no: 100\n"))
	assert.False(t, isScenario("name: [unclosed\n"))
	bs := codeBlocks("a\n```yaml\nname: x\n```\n" + scenarioMark + "\n```json\n{}\n```\n" + failsMark + "\n```yaml\nname: y\n```\n")
	require.Len(t, bs, 3)
	assert.Equal(t, codeBlock{lang: "yaml", text: "name: x\n", line: 2}, bs[0])
	assert.Equal(t, codeBlock{lang: "json", text: "{}\n", line: 6, marked: true}, bs[1])
	assert.Equal(t, codeBlock{lang: "yaml", text: "name: y\n", line: 10, marked: true, fails: true}, bs[2])

	// A scenario that does not hold is caught by the same steps.
	f, _, err := scenario.Parse("bad.yaml", []byte(badExample))
	require.NoError(t, err)
	rep, err := scenario.Run(f)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failed())
}

const badExample = `name: an expectation that does not hold
security_groups:
  - id: sg-a
    ingress: [{protocol: tcp, from_port: 22, to_port: 22, cidr_blocks: [0.0.0.0/0]}]
subnets: [{id: s, cidr_block: 10.0.1.0/24}]
interfaces: [{id: eni-a, subnet: s, private_ips: [10.0.1.10], security_groups: [sg-a]}]
steps:
  - at: 0s
    packet: tcp 198.51.100.7:50000 > 10.0.1.10:80 [S]
    expect: allow
`
