package diagram_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/diagram"
	"github.com/pfsim/pfsim/examples/scenarios"
	"github.com/pfsim/pfsim/lesson"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func views(t *testing.T) map[string]*lesson.View {
	names, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	out := map[string]*lesson.View{}
	for _, n := range names {
		b, err := fs.ReadFile(scenarios.Files, n)
		require.NoError(t, err)
		v := lesson.Load("examples/scenarios/"+n, b)
		require.True(t, v.Valid(), n)
		out[n] = v
	}
	return out
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./diagram -update to write it")
	assert.Equal(t, string(want), string(got))
}

// The diagrams of the stateless-ACL lesson, as they were checked by eye
// (the Mermaid one rendered by Mermaid 11, the SVG one in Chromium).
func TestGolden(t *testing.T) {
	v := views(t)["02-stateless-acl-return-ports.yaml"]
	var m, s bytes.Buffer
	require.NoError(t, diagram.Mermaid(&m, v))
	require.NoError(t, diagram.SVG(&s, v))
	golden(t, "02-stateless-acl-return-ports.mmd", m.Bytes())
	golden(t, "02-stateless-acl-return-ports.svg", s.Bytes())
}

// Every lesson's SVG is well-formed XML with an <svg> root, one group per
// step, and a mark for every filter a packet met.
func TestSVGWellFormed(t *testing.T) {
	for name, v := range views(t) {
		var b bytes.Buffer
		require.NoError(t, diagram.SVG(&b, v), name)
		d := xml.NewDecoder(&b)
		var root string
		steps, marks, depth := 0, 0, 0
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, name)
			switch e := tok.(type) {
			case xml.StartElement:
				if depth == 0 {
					root = e.Name.Local
					assert.Equal(t, "http://www.w3.org/2000/svg", e.Name.Space, name)
				}
				depth++
				for _, a := range e.Attr {
					if a.Name.Local == "class" && a.Value == "step" {
						steps++
					}
				}
				if e.Name.Local == "circle" {
					marks++
				}
			case xml.EndElement:
				depth--
			}
		}
		assert.Equal(t, "svg", root, name)
		assert.Zero(t, depth, name)
		assert.Equal(t, len(v.Steps), steps, name)
		want := 0
		for _, s := range v.Steps {
			for _, p := range s.Packets {
				want += len(p.Stages)
			}
		}
		assert.Equal(t, want, marks, name)
	}
}

// Text from the file cannot break the XML: markup is escaped and control
// characters are replaced.
func TestSVGEscapes(t *testing.T) {
	v := lesson.Load("x.yaml", []byte("name: \"<b>&\\x01</b>\"\nsubnets: [{id: s, cidr_block: 10.0.1.0/24}]\n"+
		"security_groups: [{id: sg}]\ninterfaces: [{id: e, subnet: s, private_ips: [10.0.1.10], security_groups: [sg]}]\n"+
		"steps: [{at: 0s, packet: \"tcp 192.0.2.1:5 > 10.0.1.10:80 [S]\"}]\n"))
	require.True(t, v.Valid(), "%v", v.Errors)
	var b bytes.Buffer
	require.NoError(t, diagram.SVG(&b, v))
	assert.Contains(t, b.String(), "&lt;b&gt;&amp;\uFFFD&lt;/b&gt;")
	d := xml.NewDecoder(&b)
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}
}

// Every lesson's Mermaid text: one participant per lane, a heading note per
// step, messages only between declared participants, and nothing Mermaid
// would read as syntax inside a text.
func TestMermaidShape(t *testing.T) {
	entity := regexp.MustCompile(`#[0-9a-z]+;`)
	msg := regexp.MustCompile(`^    L(\d+)(->>|-x|-->>|--x)L(\d+): (.*)$`)
	for name, v := range views(t) {
		var b bytes.Buffer
		require.NoError(t, diagram.Mermaid(&b, v), name)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		require.True(t, strings.HasPrefix(lines[0], "%% "), name)
		assert.Equal(t, "sequenceDiagram", lines[1], name)
		participants, headings, drops := 0, 0, 0
		for _, l := range lines[2:] {
			switch {
			case strings.HasPrefix(l, "    participant "):
				participants++
			case strings.HasPrefix(l, "    Note over L0,"):
				if regexp.MustCompile(`^    Note over L0,L\d+: \d+ · `).MatchString(l) {
					headings++
				}
			case strings.HasPrefix(l, "    Note over L"):
				assert.Contains(t, l, "✗", name)
			default:
				m := msg.FindStringSubmatch(l)
				require.NotNil(t, m, "%s: %q", name, l)
				if strings.HasSuffix(m[2], "x") {
					drops++
				}
			}
			_, text, _ := strings.Cut(l, ": ")
			text = entity.ReplaceAllString(text, "")
			assert.NotContains(t, text, ";", "a semicolon ends a Mermaid statement: %q", l)
			assert.NotContains(t, text, "#", "a # starts an entity code: %q", l)
		}
		assert.Equal(t, len(v.Lanes), participants, name)
		assert.Equal(t, len(v.Steps), headings, name)
		want := 0
		for _, s := range v.Steps {
			for _, p := range s.Packets {
				if p.Verdict == "drop" {
					want++
				}
			}
		}
		assert.Equal(t, want, drops, "%s: one crossed arrow per dropped packet", name)
	}
}

func TestInvalidView(t *testing.T) {
	v := lesson.Load("x.yaml", []byte("steps: ["))
	require.False(t, v.Valid())
	assert.Error(t, diagram.Mermaid(io.Discard, v))
	assert.Error(t, diagram.SVG(io.Discard, v))
}

// A drop drawn in Mermaid: the SYN crosses the ACL and is stopped by the
// security groups, and a note says why.
func ExampleMermaid() {
	v := lesson.Load("ssh.yaml", []byte(`name: no rule for SSH
security_groups:
  - id: sg-web
    ingress: [{protocol: tcp, from_port: 80, to_port: 80, cidr_blocks: [0.0.0.0/0]}]
subnets: [{id: subnet-public, cidr_block: 10.0.1.0/24}]
interfaces:
  - {id: eni-web, subnet: subnet-public, private_ips: [10.0.1.10], security_groups: [sg-web]}
steps:
  - {at: 0s, packet: "tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]", expect: drop}
`))
	diagram.Mermaid(os.Stdout, v)
	// Output:
	// %% ssh.yaml: no rule for SSH
	// sequenceDiagram
	//     participant L0 as outside<br/>beyond the VPC
	//     participant L1 as subnet-public ACL<br/>network ACL default
	//     participant L2 as eni-web groups
	//     participant L3 as eni-web<br/>10.0.1.10
	//     Note over L0,L3: 1 · 0s · packet tcp 198.51.100.7:50000 > 10.0.1.10:22 [S] → drop, as expected ✓
	//     L0->>L1: tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]
	//     L1-xL2: ✓ default rule 100
	//     Note over L2: ✗ no rule allows it
}
