package allocs

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var sink []byte

// TestCount: Count sees every allocation, even one in a hundred runs that
// testing.AllocsPerRun's rounded average does not see.
func TestCount(t *testing.T) {
	assert.Zero(t, Count(100, func() {}))
	assert.EqualValues(t, 100, Count(100, func() { sink = make([]byte, 64) }))

	i := 0
	rare := func() {
		if i++; i%100 == 0 {
			sink = make([]byte, 64)
		}
	}
	assert.Zero(t, testing.AllocsPerRun(99, rare), "the average hides it")
	i = 0
	assert.EqualValues(t, 1, Count(100, rare), "the count does not")
}
