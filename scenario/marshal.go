package scenario

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// MarshalOptions tune [MarshalWith].
type MarshalOptions struct {
	// Name is the scenario's one-line title; empty means "a VPC".
	Name string
	// Description is the optional longer text.
	Description string
	// Header holds lines written as comments at the top of the file.
	Header []string
	// Note, when set, returns a comment for an object, written on the
	// lines above it: where it was read from, say. "" writes none.
	Note func(kind vpc.Kind, id string) string
}

// Marshal writes cfg as a scenario file without steps; see [MarshalWith].
func Marshal(cfg vpc.Config) ([]byte, error) { return MarshalWith(cfg, MarshalOptions{}) }

// MarshalWith writes cfg as a scenario file (YAML) with no steps, for a
// user to read, edit and add steps to. [Parse] reads it back to the same
// VPC: Config of the parsed file equals cfg, with these exceptions, all
// of them values the format has no field for or writes in one way only:
//
//   - Config.CIDR reads back with its host bits cleared.
//   - A subnet whose ACL is "" reads back as [DefaultACL], which it means.
//   - The implicit default ACL: Parse adds it when the file declares no
//     ACL with the id "default", as [vpc.New] does.
//   - Fields a protocol ignores (the ports of "-1", of protocols other
//     than tcp, udp, icmp and icmpv6, a network ACL rule's ports unless tcp
//     or udp and ICMP fields unless icmp or icmpv6) are written as 0 or
//     not at all, and read back as 0.
//   - Of an interface's tracking configuration, only the three timeouts
//     AWS has are written, in whole seconds; Capacity, SizeHint and Shards
//     are not.
//   - An empty list and a nil one are the same.
//
// Rules are written in the format's fields, one line each, as Terraform's
// inline blocks: {protocol: tcp, from_port: 80, to_port: 80, cidr_blocks:
// [0.0.0.0/0]}. Consecutive security group rules that differ only in
// their peer share a line when reading it back expands them in the same
// order (cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups,
// self); a rule that references its own group is written `self: true`.
//
// MarshalWith does not validate cfg: what it writes is what cfg holds, and
// Parse says what is wrong with it. It fails only on values that have no
// text (a network ACL action or a protocol out of range).
func MarshalWith(cfg vpc.Config, o MarshalOptions) ([]byte, error) {
	w := writer{o: o}
	name := o.Name
	if name == "" {
		name = "a VPC"
	}
	root := yMap(0, yStr("name"), yStr(strings.ReplaceAll(name, "\n", " ")))
	if o.Description != "" {
		d := yStr(o.Description)
		if strings.Contains(o.Description, "\n") {
			d.Style = yaml.LiteralStyle
		}
		root.Content = append(root.Content, yStr("description"), d)
	}
	if cfg.CIDR.IsValid() {
		root.Content = append(root.Content, yStr("vpc_cidr_block"), yStr(cfg.CIDR.String()))
	}
	add := func(key string, items []*yaml.Node) {
		if len(items) > 0 {
			root.Content = append(root.Content, yStr(key), ySeq(0, items...))
		}
	}
	var items []*yaml.Node
	for _, p := range cfg.PrefixLists {
		items = append(items, w.note(vpc.KindPrefixList, p.ID, yMap(0, yStr("id"), yStr(p.ID), yStr("entries"), yPrefixes(p.Entries))))
	}
	add("prefix_lists", items)
	items = nil
	for _, g := range cfg.SecurityGroups {
		n, err := w.group(g)
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
	add("security_groups", items)
	items = nil
	for _, a := range cfg.NetworkACLs {
		n, err := w.acl(a)
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
	add("network_acls", items)
	items = nil
	for _, s := range cfg.Subnets {
		items = append(items, w.note(vpc.KindSubnet, s.ID, w.subnet(s)))
	}
	add("subnets", items)
	items = nil
	for _, i := range cfg.Interfaces {
		items = append(items, w.note(vpc.KindInterface, i.ID, w.iface(i)))
	}
	add("interfaces", items)

	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	header := append([]string(nil), o.Header...)
	doc.HeadComment = yComment(header)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("scenario: writing YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("scenario: writing YAML: %w", err)
	}
	return b.Bytes(), nil
}

type writer struct{ o MarshalOptions }

// note puts the object's note above n.
func (w *writer) note(k vpc.Kind, id string, n *yaml.Node) *yaml.Node {
	if w.o.Note != nil {
		if c := w.o.Note(k, id); c != "" {
			n.HeadComment = yComment(strings.Split(c, "\n"))
		}
	}
	return n
}

// comment turns lines into a YAML comment block (each line gets "# ").
func yComment(lines []string) string {
	var out []string
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			out = append(out, "# "+strings.TrimRight(part, " \t\r"))
		}
	}
	return strings.Join(out, "\n")
}

func (w *writer) group(g sg.Group) (*yaml.Node, error) {
	n := yMap(0, yStr("id"), yStr(g.ID))
	for _, dir := range directions {
		rules := g.Rules(dir)
		if len(rules) == 0 {
			continue
		}
		var items []*yaml.Node
		for i := 0; i < len(rules); {
			line, used, err := sgLine(g.ID, rules[i:])
			if err != nil {
				return nil, fmt.Errorf("scenario: security group %s %s rule %d: %w", g.ID, dir, i, err)
			}
			items = append(items, line)
			i += used
		}
		n.Content = append(n.Content, yStr(dir.String()), ySeq(0, items...))
	}
	return w.note(vpc.KindSecurityGroup, g.ID, n), nil
}

// The peer fields of a security group rule, in the order Parse expands
// them.
const (
	peerCIDR4 = iota
	peerCIDR6
	peerPrefixList
	peerGroup
	peerSelf
	peerNone
)

var peerKeys = [...]string{"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self"}

func peerOf(group string, r *sg.Rule) int {
	switch {
	case r.CIDR != (netip.Prefix{}) && r.CIDR.Addr().Is4():
		return peerCIDR4
	case r.CIDR != (netip.Prefix{}):
		return peerCIDR6
	case r.PrefixList != "":
		return peerPrefixList
	case r.Group == group:
		return peerSelf
	case r.Group != "":
		return peerGroup
	}
	return peerNone
}

// sgLine writes the first of rules, with as many of the following as
// read back in the same order from the same line, and says how many.
func sgLine(group string, rules []sg.Rule) (*yaml.Node, int, error) {
	first := rules[0]
	if !first.Protocol.Valid() {
		return nil, 0, fmt.Errorf("protocol %d has no text", first.Protocol)
	}
	n := yMap(yaml.FlowStyle, yStr("protocol"), yStr(protocolText(first.Protocol)))
	from, to := sgPorts(first)
	n.Content = append(n.Content, yStr("from_port"), yInt(from), yStr("to_port"), yInt(to))
	var peers [peerNone + 1][]*yaml.Node
	used, last := 0, -1
	for _, r := range rules {
		same := r.Protocol == first.Protocol && r.Description == first.Description
		if f, t := sgPorts(r); f != from || t != to {
			same = false
		}
		k := peerOf(group, &r)
		if used > 0 && (!same || k < last || k == peerSelf && last == peerSelf || k == peerNone) {
			break
		}
		used, last = used+1, k
		switch k {
		case peerCIDR4, peerCIDR6:
			peers[k] = append(peers[k], yStr(prefixText(r.CIDR)))
		case peerPrefixList:
			peers[k] = append(peers[k], yStr(r.PrefixList))
		case peerGroup:
			peers[k] = append(peers[k], yStr(r.Group))
		case peerSelf:
			peers[k] = append(peers[k], &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		if k == peerNone {
			break // written without a peer; Parse says so
		}
	}
	for k, vals := range peers[:peerNone] {
		switch {
		case len(vals) == 0:
		case k == peerSelf:
			n.Content = append(n.Content, yStr(peerKeys[k]), vals[0])
		default:
			n.Content = append(n.Content, yStr(peerKeys[k]), ySeq(yaml.FlowStyle, vals...))
		}
	}
	if first.Description != "" {
		n.Content = append(n.Content, yStr("description"), yStr(first.Description))
	}
	return n, used, nil
}

// sgPorts returns the from_port and to_port a rule is written with: the
// range for tcp and udp, type and code for icmp and icmpv6, 0 and 0
// (Terraform's way) for the rest.
func sgPorts(r sg.Rule) (from, to int) {
	if p, ok := r.Protocol.Proto(); ok && (p.HasPorts() || p.IsICMP()) {
		return r.FromPort, r.ToPort
	}
	return 0, 0
}

func (w *writer) acl(a nacl.ACL) (*yaml.Node, error) {
	n := yMap(0, yStr("id"), yStr(a.ID))
	for _, dir := range directions {
		rules := a.Ingress
		if dir == flow.Egress {
			rules = a.Egress
		}
		if len(rules) == 0 {
			continue
		}
		var items []*yaml.Node
		for i, r := range rules {
			line, err := naclLine(r)
			if err != nil {
				return nil, fmt.Errorf("scenario: network ACL %s %s rule %d: %w", a.ID, dir, i, err)
			}
			items = append(items, line)
		}
		n.Content = append(n.Content, yStr(dir.String()), ySeq(0, items...))
	}
	return w.note(vpc.KindNetworkACL, a.ID, n), nil
}

func naclLine(r nacl.Rule) (*yaml.Node, error) {
	if !r.Action.Valid() {
		return nil, fmt.Errorf("action %d has no text", r.Action)
	}
	if !r.Protocol.Valid() {
		return nil, fmt.Errorf("protocol %d has no text", r.Protocol)
	}
	n := yMap(yaml.FlowStyle, yStr("rule_no"), yInt(r.Number), yStr("action"), yStr(r.Action.String()),
		yStr("protocol"), yStr(protocolText(r.Protocol)))
	p, single := r.Protocol.Proto()
	if single && p.HasPorts() {
		n.Content = append(n.Content, yStr("from_port"), yInt(r.FromPort), yStr("to_port"), yInt(r.ToPort))
	}
	key := "cidr_block"
	if r.CIDR.Addr().Is6() {
		key = "ipv6_cidr_block"
	}
	n.Content = append(n.Content, yStr(key), yStr(prefixText(r.CIDR)))
	if single && p.IsICMP() {
		n.Content = append(n.Content, yStr("icmp_type"), yInt(r.ICMPType), yStr("icmp_code"), yInt(r.ICMPCode))
	}
	return n, nil
}

func (w *writer) subnet(s vpc.Subnet) *yaml.Node {
	n := yMap(yaml.FlowStyle, yStr("id"), yStr(s.ID), yStr("cidr_block"), yStr(prefixText(s.CIDR)))
	if s.IPv6CIDR.IsValid() {
		n.Content = append(n.Content, yStr("ipv6_cidr_block"), yStr(s.IPv6CIDR.String()))
	}
	if s.ACL != "" && s.ACL != DefaultACL {
		n.Content = append(n.Content, yStr("network_acl"), yStr(s.ACL))
	}
	return n
}

func (w *writer) iface(i vpc.Interface) *yaml.Node {
	n := yMap(0, yStr("id"), yStr(i.ID), yStr("subnet"), yStr(i.Subnet), yStr("private_ips"), yAddrs(i.PrivateIPs))
	if len(i.IPv6Addrs) > 0 {
		n.Content = append(n.Content, yStr("ipv6_addresses"), yAddrs(i.IPv6Addrs))
	}
	var groups []*yaml.Node
	for _, g := range i.Groups {
		groups = append(groups, yStr(g))
	}
	n.Content = append(n.Content, yStr("security_groups"), ySeq(yaml.FlowStyle, groups...))
	if len(i.Listening) > 0 {
		var ls []*yaml.Node
		for _, l := range i.Listening {
			ls = append(ls, yStr(l.String()))
		}
		n.Content = append(n.Content, yStr("listening"), ySeq(yaml.FlowStyle, ls...))
	}
	t := yMap(yaml.FlowStyle)
	for _, f := range [...]struct {
		key string
		d   time.Duration
	}{
		{"tcp_established_timeout", i.Tracking.TCPEstablishedTimeout},
		{"udp_stream_timeout", i.Tracking.UDPStreamTimeout},
		{"udp_timeout", i.Tracking.UDPTimeout},
	} {
		if s := int(f.d / time.Second); s != 0 {
			t.Content = append(t.Content, yStr(f.key), yInt(s))
		}
	}
	if len(t.Content) > 0 {
		n.Content = append(n.Content, yStr("connection_tracking"), t)
	}
	return n
}

// protocolText is a protocol as the format writes it: "-1", a keyword, or
// the number of a protocol without one.
func protocolText(p flow.Protocol) string {
	if single, ok := p.Proto(); ok && !strings.HasPrefix(single.String(), "proto ") {
		return single.String()
	}
	return strconv.Itoa(int(p))
}

// prefixText writes a prefix, or the text of an invalid one as netip
// does, for Parse to report.
func prefixText(p netip.Prefix) string { return p.String() }

func yPrefixes(ps []netip.Prefix) *yaml.Node {
	out := ySeq(yaml.FlowStyle)
	for _, p := range ps {
		out.Content = append(out.Content, yStr(prefixText(p)))
	}
	return out
}

func yAddrs(as []netip.Addr) *yaml.Node {
	out := ySeq(yaml.FlowStyle)
	for _, a := range as {
		out.Content = append(out.Content, yStr(a.String()))
	}
	return out
}

func yStr(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func yInt(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

func yMap(style yaml.Style, kv ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Style: style, Content: kv}
}

func ySeq(style yaml.Style, items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: style, Content: items}
}
