package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	before   = "testdata/analyze-before.yaml"
	after    = "testdata/analyze-after.yaml"
	lesson02 = "../../examples/scenarios/02-stateless-acl-return-ports.yaml"
	lesson03 = "../../examples/scenarios/03-deny-one-address-rule-order.yaml"
	lesson05 = "../../examples/scenarios/05-sg-references-across-tiers.yaml"
	lesson11 = "../../examples/scenarios/11-aws-services-exempt.yaml"
)

// The records of analyze, as docs/json.md states them (the schema of
// json_test.go's kinds).
var (
	verdictKind   = object(map[string]spec{"packet": req(str), "verdict": req(verdicts), "explanation": req(str)})
	analyzeSchema = map[string]kind{
		"exposure": object(map[string]spec{"type": req(str), "file": req(str), "interface": req(str),
			"family": req(kind{name: "int", min: atLeast(4)}), "services": req(strings_), "except": opt(strings_),
			"sources": req(str), "example": req(verdictKind)}),
		"interface": object(map[string]spec{"type": req(str), "file": req(str), "interface": req(str), "from": req(str),
			"entries": req(natInt), "unfiltered": opt(strings_)}),
		"shadowed": object(map[string]spec{"type": req(str), "file": req(str), "acl": req(str), "direction": req(dirs),
			"rule": req(str), "covered_by": req(strings_), "conflict": req(boolean), "text": req(str)}),
		"needless": object(map[string]spec{"type": req(str), "file": req(str), "acl": req(str), "direction": req(dirs),
			"rule": req(str), "decided_by": req(strings_), "text": req(str)}),
		"redundant": object(map[string]spec{"type": req(str), "file": req(str), "interface": opt(str), "rule": req(str),
			"covered_by": req(strings_), "tracking": req(boolean), "text": req(str)}),
		"hole": object(map[string]spec{"type": req(str), "file": req(str), "interface": req(str), "acl": req(str), "peer_subnet": opt(str),
			"direction": req(dirs), "flows": req(str), "clients": req(strings_), "replies": req(str),
			"request": req(verdictKind), "reply": req(verdictKind), "fix": req(str), "fix_direction": req(dirs), "fixed": req(boolean)}),
		"change": object(map[string]spec{"type": req(str), "now": req(verdicts), "where": req(str), "region": req(str),
			"family": req(kind{name: "int", min: atLeast(4)}), "src": req(str), "dst": req(str), "services": req(strings_),
			"except": opt(strings_), "old": req(verdictKind), "new": req(verdictKind)}),
		"diff": object(map[string]spec{"type": req(str), "old": req(str), "new": req(str),
			"relation": req(kind{name: "string", enum: []string{"equal", "more permissive", "less permissive", "incomparable"}}),
			"changes":  req(natInt)}),
		"edit": editKind, "alternative": editKind,
		"why-not": object(map[string]spec{"type": req(str), "file": req(str), "packet": req(str), "before": req(verdictKind),
			"after": req(verdictKind), "exempt": req(boolean), "flipped": req(boolean), "edits": req(natInt)}),
		"error":   schema["error"],
		"warning": schema["warning"],
	}
	editKind = object(map[string]spec{"type": req(str), "step": req(posInt),
		"kind": req(kind{name: "string", enum: []string{"add", "widen", "renumber", "remove"}}), "filter": req(str),
		"before": opt(strings_), "after": opt(str), "text": req(str), "also": opt(strings_), "flips": req(boolean),
		"evaluated": req(verdictKind)})
)

// jsonRecords parses one JSON record per line and checks each against the
// schema.
func jsonRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		typ, _ := r["type"].(string)
		k, ok := analyzeSchema[typ]
		require.True(t, ok, "record type %q is not in the schema: %s", typ, l)
		assert.Empty(t, validate(typ, r, k), l)
		recs = append(recs, r)
	}
	return recs
}

// docs/json.md documents every record of analyze and every field.
func TestAnalyzeJSONDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	require.NoError(t, err)
	text := string(doc)
	var walk func(k kind)
	walk = func(k kind) {
		for name, s := range k.fields {
			assert.True(t, strings.Contains(text, "`"+name+"`"), "the field %s is documented", name)
			walk(s.kind)
		}
	}
	for typ, k := range analyzeSchema {
		assert.True(t, strings.Contains(text, "`\""+typ+"\"`"), "the record type %s is documented", typ)
		walk(k)
	}
}

func ofType(recs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

func TestAnalyzeExposure(t *testing.T) {
	code, out, errOut := pfsim("analyze", "exposure", lesson05)
	require.Equal(t, exitOK, code, errOut)
	// sg-db admits 5432 from the members of sg-web only (SG-19).
	assert.Contains(t, out, "interface eni-db accepts from 0.0.0.0/0, ::/0:\n  tcp 5432 from 10.0.1.10\n    e.g. tcp 10.0.1.10:50000 > 10.0.3.30:5432 [S]: allowed by network ACL default ingress rule 100")
	assert.Contains(t, out, "interface eni-web accepts from 0.0.0.0/0, ::/0:\n  tcp 80, 443 from 0.0.0.0/0\n")
	assert.Contains(t, out, "interface eni-web2 accepts from 0.0.0.0/0, ::/0:\n  nothing\n")

	code, out, _ = pfsim("analyze", "exposure", "--iface", "eni-web", "--from=192.0.2.0/24", before)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "interface eni-web accepts from 192.0.2.0/24:\n  tcp 22, 443 from 192.0.2.0/24\n")
	assert.NotContains(t, out, "eni-db")

	code, out, _ = pfsim("analyze", "exposure", "--json", before)
	require.Equal(t, exitOK, code)
	recs := jsonRecords(t, out)
	exposed := ofType(recs, "exposure")
	require.Len(t, exposed, 2)
	assert.Equal(t, []any{"tcp 22"}, exposed[0]["services"])
	assert.Equal(t, "192.0.2.0/24", exposed[0]["sources"])
	assert.Equal(t, "allow", exposed[0]["example"].(map[string]any)["verdict"])
	assert.Len(t, ofType(recs, "interface"), 1)

	code, _, errOut = pfsim("analyze", "exposure", "--iface", "eni-x", before)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "interface eni-x: no such interface")
	code, _, errOut = pfsim("analyze", "exposure", "--from", "nowhere", before)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, `--from "nowhere": want prefixes or addresses`)
}

// A Terraform configuration is read as pfsim import reads it.
func TestAnalyzeTerraform(t *testing.T) {
	code, out, errOut := pfsim("analyze", "exposure", "../../ingest/terraform/testdata/seed.tf")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "interface aws_instance.web accepts from 0.0.0.0/0, ::/0:\n  tcp 22, 80 from 0.0.0.0/0\n")
	code, out, _ = pfsim("analyze", "diff", "--json", "../../ingest/terraform/testdata/seed.tf", "../../ingest/terraform/testdata/seed.tf")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "equal", ofType(jsonRecords(t, out), "diff")[0]["relation"])
}

func TestAnalyzeShadowed(t *testing.T) {
	code, out, errOut := pfsim("analyze", "shadowed", lesson03)
	assert.Equal(t, exitFailed, code, "a finding exits 1")
	assert.Equal(t, "network ACL acl-block-wrong ingress rule 110 deny -1 198.51.100.66/32 never matches: rule 100 allow -1 0.0.0.0/0 matches all its packets first, some with the opposite action\n", out)
	assert.Contains(t, errOut, "1 finding")

	code, out, _ = pfsim("analyze", "shadowed", before)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "rule 120 deny tcp 22 192.0.2.66/32 never matches: rule 110 allow tcp 22 192.0.2.0/24")
	assert.Contains(t, out, "sg-web ingress rule #2 (tcp 443 from 203.0.113.0/24) allows nothing more than sg-web ingress rule #1 (tcp 443 from 0.0.0.0/0)")

	code, out, _ = pfsim("analyze", "shadowed", "--json", before)
	assert.Equal(t, exitFailed, code)
	recs := jsonRecords(t, out)
	require.Len(t, ofType(recs, "shadowed"), 1)
	assert.Equal(t, true, ofType(recs, "shadowed")[0]["conflict"])
	require.Len(t, ofType(recs, "redundant"), 1)

	code, out, _ = pfsim("analyze", "shadowed", after)
	assert.Equal(t, exitOK, code, "nothing found exits 0")
	assert.Empty(t, out)
}

// ACL rules that match packets but change no verdict are findings too,
// each with the rules that decide its packets without it.
func TestAnalyzeNeedless(t *testing.T) {
	const file = "testdata/analyze-needless.yaml"
	code, out, errOut := pfsim("analyze", "shadowed", file)
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, "network ACL acl-web ingress rule 200 deny tcp 23 0.0.0.0/0 changes no verdict: without it, rule * (default deny) decides its packets the same way\n"+
		"network ACL acl-web egress rule 100 allow tcp 1024-65535 10.0.0.0/8 changes no verdict: without it, rule 200 allow tcp 1024-65535 0.0.0.0/0 decides its packets the same way\n", out)
	assert.Contains(t, errOut, "2 findings")

	code, out, _ = pfsim("analyze", "shadowed", "--json", file)
	assert.Equal(t, exitFailed, code)
	recs := ofType(jsonRecords(t, out), "needless")
	require.Len(t, recs, 2)
	assert.Equal(t, "egress", recs[1]["direction"])
	assert.Equal(t, []any{"rule 200 allow tcp 1024-65535 0.0.0.0/0"}, recs[1]["decided_by"])
}

func TestAnalyzeHoles(t *testing.T) {
	code, out, errOut := pfsim("analyze", "holes", lesson02)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "2 holes")
	// TRACE-B: the web server's replies, and AWS's advice as the fix.
	assert.Contains(t, out, "interface eni-web accepts tcp 80 from 0.0.0.0/0, but network ACL acl-web egress drops the replies (tcp to 0.0.0.0/0 ports 1024-65535) for Linux 32768-60999, Windows 49152-65535, NAT gateways and load balancers 1024-65535: add to network ACL acl-web egress: 110 allow tcp 1024-65535 0.0.0.0/0\n")
	assert.Contains(t, out, "  reply:   tcp 10.0.1.10:80 > 198.51.100.7:50000 [S.]: ")
	assert.Contains(t, out, "then dropped by network ACL acl-web egress rule * (default deny)")
	assert.Contains(t, out, "  checked: with the rule added, every such reply gets through\n")

	code, out, _ = pfsim("analyze", "holes", "--json", before)
	assert.Equal(t, exitFailed, code)
	holes := ofType(jsonRecords(t, out), "hole")
	require.Len(t, holes, 2)
	assert.Equal(t, "add to network ACL acl-web egress: 110 allow tcp 1024-65535 0.0.0.0/0", holes[0]["fix"])
	assert.Equal(t, []any{"NAT gateways and load balancers 1024-65535"}, holes[0]["clients"])
	assert.Equal(t, true, holes[0]["fixed"])
	assert.Equal(t, "drop", holes[0]["reply"].(map[string]any)["verdict"])

	code, _, errOut = pfsim("analyze", "holes", lesson05)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "0 holes")
}

// TestAnalyzeHolesOtherEnd: a load balancer's replies from the app tier
// dropped by the load balancer's own subnet's ACL, found from the app's
// side and shown along the whole path.
func TestAnalyzeHolesOtherEnd(t *testing.T) {
	code, out, _ := pfsim("analyze", "holes", "--json", "testdata/analyze-tiers.yaml")
	assert.Equal(t, exitFailed, code)
	holes := ofType(jsonRecords(t, out), "hole")
	require.Len(t, holes, 1)
	h := holes[0]
	assert.Equal(t, "eni-app", h["interface"])
	assert.Equal(t, "acl-public", h["acl"])
	assert.Equal(t, "subnet-public", h["peer_subnet"])
	assert.Equal(t, "ingress", h["fix_direction"])
	assert.Equal(t, []any{"NAT gateways and load balancers 1024-65535"}, h["clients"])
	assert.Equal(t, "add to network ACL acl-public ingress: 120 allow tcp 1024-65535 10.0.2.20/32", h["fix"])
	assert.Equal(t, true, h["fixed"])
	assert.Equal(t, "allow", h["request"].(map[string]any)["verdict"])
	assert.Contains(t, h["request"].(map[string]any)["explanation"], "allowed by network ACL acl-app ingress")
	assert.Equal(t, "drop", h["reply"].(map[string]any)["verdict"])
	assert.Contains(t, h["reply"].(map[string]any)["explanation"], "then dropped by network ACL acl-public ingress rule *")
}

func TestAnalyzeDiff(t *testing.T) {
	code, out, _ := pfsim("analyze", "diff", before, before)
	assert.Equal(t, exitOK, code, "equal exits 0")
	assert.Equal(t, "equal\n", out)

	code, out, _ = pfsim("analyze", "diff", before, after)
	assert.Equal(t, exitFailed, code, "a difference exits 1")
	assert.True(t, strings.HasPrefix(out, "more permissive\n"), out)
	assert.Contains(t, out, "now allowed: tcp 22 from 0.0.0.0/0 except 192.0.2.0/24 to 10.0.1.10 (vpc)\n  e.g. tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]\n    before: dropped by network ACL acl-web ingress rule * (default deny)")
	assert.Contains(t, out, "now allowed: tcp 1024-32767 from 10.0.1.10 to 0.0.0.0/0 (vpc)")

	code, out, _ = pfsim("analyze", "diff", after, before)
	assert.Equal(t, exitFailed, code)
	assert.True(t, strings.HasPrefix(out, "less permissive\n"), out)

	code, out, _ = pfsim("analyze", "--json", "diff", before, after)
	assert.Equal(t, exitFailed, code)
	recs := jsonRecords(t, out)
	changes := ofType(recs, "change")
	require.Len(t, changes, 2)
	assert.Equal(t, "allow", changes[0]["now"])
	assert.Equal(t, "drop", changes[0]["old"].(map[string]any)["verdict"])
	assert.Equal(t, "allow", changes[0]["new"].(map[string]any)["verdict"])
	summary := ofType(recs, "diff")
	require.Len(t, summary, 1)
	assert.Equal(t, "more permissive", summary[0]["relation"])

	code, _, errOut := pfsim("analyze", "diff", before, "testdata/invalid.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "testdata/invalid.yaml:5:")
	code, out, _ = pfsim("analyze", "diff", "--json", before, "testdata/no-such-file.yaml")
	assert.Equal(t, exitInvalid, code)
	assert.Equal(t, "error", jsonRecords(t, out)[0]["type"])
}

func TestAnalyzeWhyNot(t *testing.T) {
	code, out, _ := pfsim("analyze", "why-not", lesson02, "tcp 10.0.1.10:80 > 198.51.100.7:1500 [S.]")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "now: tcp 10.0.1.10:80 > 198.51.100.7:1500 [S.]: allowed by security group sg-web egress rule #1")
	assert.Contains(t, out, "to allow it:\n  1. add to network ACL acl-web egress: 110 allow tcp 1500 198.51.100.7/32\nthen: ")
	assert.Contains(t, out, "then allowed by network ACL acl-web egress rule 110 (110 allow tcp 1500 198.51.100.7/32)")
	assert.Contains(t, out, "instead of edit 1:\n  - in network ACL acl-web egress, change rule 100 allow tcp 80 0.0.0.0/0 to 100 allow tcp 80-1500 0.0.0.0/0")

	// The lesson of rule order: move the deny below the allow.
	code, out, _ = pfsim("analyze", "why-not", lesson03, "tcp 198.51.100.66:40000 > 10.0.1.10:443 [S]")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "to drop it:\n  1. add to network ACL acl-block-wrong ingress: 90 deny tcp 443 198.51.100.66/32\n")
	assert.Contains(t, out, "  - in network ACL acl-block-wrong ingress, renumber rule 110 deny -1 198.51.100.66/32 to 90, before rule 100 allow -1 0.0.0.0/0")

	code, out, _ = pfsim("analyze", "why-not", "--json", lesson02, "tcp 198.51.100.7:50000 > 10.0.1.10:22 [S]")
	require.Equal(t, exitOK, code)
	recs := jsonRecords(t, out)
	edits := ofType(recs, "edit")
	require.Len(t, edits, 2, "the ACL, then the group")
	assert.Equal(t, "network ACL acl-web ingress", edits[0]["filter"])
	assert.Equal(t, "security group sg-web ingress", edits[1]["filter"])
	answer := ofType(recs, "why-not")
	require.Len(t, answer, 1)
	assert.Equal(t, true, answer[0]["flipped"])
	assert.Equal(t, "drop", answer[0]["before"].(map[string]any)["verdict"])
	assert.Equal(t, "allow", answer[0]["after"].(map[string]any)["verdict"])

	code, out, _ = pfsim("analyze", "why-not", lesson11, "udp 10.0.0.10:40000 > 169.254.169.253:53")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "no filter sees this packet (NOT-10)")

	code, _, errOut := pfsim("analyze", "why-not", lesson02, "tcp 1.2.3.4 > 5.6.7.8")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "pfsim analyze why-not:")
	code, _, errOut = pfsim("analyze", "why-not", "testdata/no-such-file.yaml", "tcp 1.2.3.4 > 5.6.7.8")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "pfsim analyze why-not:", "the packet text is checked first")
	code, _, errOut = pfsim("analyze", "why-not", lesson02, "tcp 1.2.3.4:1 > 5.6.7.8:2 [S]")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "is an interface's address")
}

func TestAnalyzeUsage(t *testing.T) {
	code, out, _ := pfsim("analyze", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: pfsim analyze COMMAND")
	code, out, _ = pfsim("help", "analyze")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: pfsim analyze COMMAND")
	code, out, _ = pfsim("analyze", "holes", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: pfsim analyze COMMAND")

	bad := []struct {
		args []string
		msg  string
	}{
		{[]string{"analyze"}, "no command given"},
		{[]string{"analyze", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"analyze", "hole", before}, `unknown command "hole" (did you mean holes?)`},
		{[]string{"analyze", "diff", before}, "analyze diff: want 2 operand(s), got 1"},
		{[]string{"analyze", "holes"}, "analyze holes: want 1 operand(s), got 0"},
		{[]string{"analyze", "holes", "--iface", "x", before}, "--iface and --from are for exposure"},
		{[]string{"analyze", "exposure", before, "--iface"}, "--iface needs a value"},
		{[]string{"analyze", "exposure", before, "--jsn"}, "unknown flag --jsn (did you mean --json?)"},
	}
	for _, tc := range bad {
		code, _, errOut := pfsim(tc.args...)
		assert.Equal(t, exitInvalid, code, tc.args)
		assert.Contains(t, errOut, tc.msg, tc.args)
	}
	_, out, _ = pfsim("help")
	assert.Contains(t, out, "pfsim analyze COMMAND")
}
