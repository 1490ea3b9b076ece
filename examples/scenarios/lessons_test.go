package scenarios_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pfsim/pfsim/examples/scenarios"
)

// The embedded files are exactly the lessons of the directory, byte for
// byte: a new lesson needs nothing more than its file.
func TestFilesAreTheDirectory(t *testing.T) {
	onDisk, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, onDisk)
	embedded, err := fs.Glob(scenarios.Files, "*.yaml")
	require.NoError(t, err)
	assert.Equal(t, onDisk, embedded)
	for _, name := range onDisk {
		want, err := os.ReadFile(name)
		require.NoError(t, err)
		got, err := fs.ReadFile(scenarios.Files, name)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), name)
	}
}

// The first lessons, as a program finds them.
func Example() {
	names, _ := fs.Glob(scenarios.Files, "0[1-3]-*.yaml")
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// 01-seed-web-server.yaml
	// 02-stateless-acl-return-ports.yaml
	// 03-deny-one-address-rule-order.yaml
}
