// Package scenarios holds pfsim's lessons, the scenario files beside this
// one, embedded so that programs can carry them: `pfsim serve` shows them
// in the browser without a checkout. The files themselves are the lessons;
// README.md here says what each one teaches.
package scenarios

import "embed"

// Files holds the lessons, *.yaml, at the root of the file system, named
// as in this directory ("01-seed-web-server.yaml").
//
//go:embed *.yaml
var Files embed.FS
