package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trace --format mermaid and svg draw one file; the exit status is trace's.
func TestTraceFormat(t *testing.T) {
	code, out, errOut := pfsim("trace", "--format", "mermaid", lesson02)
	assert.Equal(t, exitOK, code, errOut)
	assert.True(t, strings.HasPrefix(out, "%% "+lesson02+": "), out)
	assert.Contains(t, out, "\nsequenceDiagram\n")
	assert.Contains(t, out, "Note over L1: ✗ acl-web rule * (default deny)")

	code, out, errOut = pfsim("trace", "--format=svg", lesson02)
	assert.Equal(t, exitOK, code, errOut)
	d := xml.NewDecoder(strings.NewReader(out))
	tok, err := d.Token()
	require.NoError(t, err)
	assert.Equal(t, "svg", tok.(xml.StartElement).Name.Local)
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
	}

	code, out, _ = pfsim("trace", "--format", "text", lesson02)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "step 1 at 0s: packet", "text is the ordinary trace")

	code, out, _ = pfsim("trace", "--format", "mermaid", "testdata/wrong.yaml")
	assert.Equal(t, exitFailed, code, "a failed expectation still fails")
	assert.Contains(t, out, "✗ expected allow")
}

func TestTraceFormatRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"trace", "--format", "png", lesson02}, `--format "png": want text, mermaid or svg`},
		{[]string{"trace", "--format"}, "--format needs a value"},
		{[]string{"trace", "--format", "svg", lesson02, lesson02}, "--format svg draws one file; 2 given"},
		{[]string{"trace", "--format", "mermaid", "--json", lesson02}, "exclude each other"},
		{[]string{"trace", "--format", "mermaid", "--tables", lesson02}, "does not draw tables"},
		{[]string{"check", "--format", "mermaid", lesson02}, "unknown flag --format"},
	} {
		code, _, errOut := pfsim(c.args...)
		assert.Equal(t, exitInvalid, code, c.args)
		assert.Contains(t, errOut, c.msg, c.args)
	}
}
