// Package anchor holds nothing but a dependency: see README.md.
package anchor

import _ "tailscale.com/wgengine/filter"
