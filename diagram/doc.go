// Package diagram draws a lesson's run as a sequence diagram, for
// documents and slides: Mermaid text, which GitHub and many documentation
// tools render from a ```mermaid block, and a self-contained SVG picture.
//
// The participants are the lanes of a [lesson.View], the places a packet
// crosses: the outside, a subnet's network ACL, an interface's security
// groups, the instance. Each step is a heading followed by its packets;
// a packet is drawn along its route up to the filter that dropped it, or
// to its destination, so the drawing shows where a packet stops and not
// only that it stops:
//
//	outside ──SYN──▶ subnet-public ACL ✓ ──▶ eni-web groups ✓ ──▶ eni-web
//	                 subnet-public ACL ✗ ◀╌╌ eni-web groups ✓ ◀╌SYN-ACK╌ eni-web
//
// `pfsim trace --format mermaid FILE` and `pfsim trace --format svg FILE`
// write them from the command line.
package diagram
