package sg_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pfsim/pfsim/sg"
)

// TestPropertyAddrCutMatchesReference: with an address cut on every port
// interval (not only the long ones the default gives), the Set still
// answers exactly as the golden model, report and Open included.
func TestPropertyAddrCutMatchesReference(t *testing.T) {
	defer sg.SetAddrCutMin(0)()
	rapid.Check(t, matchesReference)
}
