package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pfsim/pfsim/flow"
	"github.com/pfsim/pfsim/nacl"
	"github.com/pfsim/pfsim/sg"
	"github.com/pfsim/pfsim/vpc"
)

// EditKind is the kind of an [Edit].
type EditKind uint8

// The kinds of edit, from the one that usually changes least.
const (
	// AddRule adds a rule that matches the packet: a network ACL rule
	// numbered before the rule that decides it now, or a security group
	// rule.
	AddRule EditKind = iota + 1
	// WidenRule widens one range of one rule (a port range, a CIDR, an
	// ICMP type or code) so that it matches the packet.
	WidenRule
	// RenumberRule moves a network ACL deny rule after the allow rule
	// the packet meets next.
	RenumberRule
	// RemoveRule removes a rule: a network ACL deny (or allow) that
	// decides the packet, or the security group rules that allow it.
	RemoveRule
)

var editNames = [...]string{"", "add", "widen", "renumber", "remove"}

// String returns "add", "widen", "renumber" or "remove".
func (k EditKind) String() string {
	if int(k) < len(editNames) && k > 0 {
		return editNames[k]
	}
	return "edit(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText returns String's text.
func (k EditKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Edit is one change to one filter's rules, in words a user can apply,
// with what it does: whether it flips the packet's verdict at that filter
// (proved by running the edited rules), and which other packets it
// changes there too.
type Edit struct {
	Kind EditKind `json:"kind"`
	// Filter names the rules edited: "network ACL acl-web ingress",
	// "security group sg-web ingress".
	Filter string `json:"filter"`
	// Before lists the rules as they are (none for an add); After is the
	// rule as it will be (none for a remove).
	Before []string `json:"before,omitempty"`
	After  string   `json:"after,omitempty"`
	// Text is the edit in one sentence.
	Text string `json:"text"`
	// Flips reports the proof: the edited filter, run on the packet,
	// gives the other verdict. Check is that run.
	Flips bool  `json:"flips"`
	Check Check `json:"check"`
	// Also words the regions of packets whose verdict at this filter the
	// edit changes, when that is more than the packet's own (its
	// protocol, peer address, and port or ICMP type and code); empty when
	// it changes nothing else. At most three regions are listed; AlsoMore
	// counts the rest.
	Also     []string `json:"also,omitempty"`
	AlsoMore int      `json:"also_more,omitempty"`

	changed Space // the packets whose verdict at the filter changes
	scope   Space // the packets the edited rules match: what it may change
	acl     *nacl.ACL
	groups  []sg.Group // the groups changed
	order   int        // ties: kind, then order of generation
}

// String returns Text, with what else changes.
func (e Edit) String() string {
	s := e.Text
	if len(e.Also) > 0 {
		s += "; it changes the verdict of " + strings.Join(e.Also, "; ")
		if e.AlsoMore > 0 {
			s += fmt.Sprintf(" and %d more", e.AlsoMore)
		}
	}
	return s
}

// Changed returns the packets whose verdict at the filter the edit
// changes: the packet's own, and the others Also words.
func (e Edit) Changed() Space { return e.changed }

// Scope returns the packets the rules the edit adds, widens, moves or
// removes match: no packet outside it changes verdict ([Edit.Changed] is
// inside it).
func (e Edit) Scope() Space { return e.scope }

// ACL returns the network ACL after the edit, or false for an edit of
// security groups.
func (e Edit) ACL() (nacl.ACL, bool) {
	if e.acl == nil {
		return nacl.ACL{}, false
	}
	return *e.acl, true
}

// Groups returns the security groups the edit changes, as they will be.
func (e Edit) Groups() []sg.Group { return slices.Clone(e.groups) }

// Apply returns cfg with the edit made.
func (e Edit) Apply(cfg vpc.Config) vpc.Config {
	if e.acl != nil {
		return withACL(cfg, *e.acl)
	}
	cfg = cloneConfig(cfg)
	for _, g := range e.groups {
		if i := slices.IndexFunc(cfg.SecurityGroups, func(x sg.Group) bool { return x.ID == g.ID }); i >= 0 {
			cfg.SecurityGroups[i] = g
		}
	}
	return cfg
}

// WhyNotACL returns the edits of a's rules of direction dir that flip
// p's verdict there, smallest first (fewest other packets changed): add a
// rule matching exactly p's protocol, port and peer, widen one rule, move
// or remove the deny rule that decides p. Every edit is proved by running
// the edited ACL on p.
func WhyNotACL(a nacl.ACL, dir flow.Direction, p flow.Packet) ([]Edit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if _, err := nacl.Compile(a); err != nil {
		return nil, err
	}
	return aclEdits(&a, dir, &p), nil
}

// exactACLRule is the narrowest ACL rule that matches p in direction dir.
func exactACLRule(p *flow.Packet, dir flow.Direction, action nacl.Action, number int) nacl.Rule {
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	r := nacl.Rule{Number: number, Action: action, Protocol: flow.ProtocolOf(p.Proto), CIDR: netip.PrefixFrom(peer, peer.BitLen())}
	switch {
	case r.HasPorts():
		r.FromPort, r.ToPort = int(p.DstPort), int(p.DstPort)
	case r.HasICMP():
		r.ICMPType, r.ICMPCode = int(p.ICMPType), int(p.ICMPCode)
	}
	return r
}

func aclEdits(a *nacl.ACL, dir flow.Direction, p *flow.Packet) []Edit {
	rules := aclRules(a, dir)
	d := nacl.Reference(a, p, dir)
	allowed := d.Verdict == flow.Allow
	deciding := -1 // index in rules; -1 for the * rule
	for i := range rules {
		if rules[i].Number == int(d.RuleNumber) && d.RuleNumber < flow.DefaultRuleV4 {
			deciding = i
		}
	}
	below := flow.DefaultRuleV4
	if deciding >= 0 {
		below = rules[deciding].Number
	}
	name := "network ACL " + a.ID + " " + dir.String()
	var edits []Edit
	with := func(change func([]nacl.Rule) []nacl.Rule) nacl.ACL {
		b := *a
		list := change(slices.Clone(rules))
		if dir == flow.Egress {
			b.Egress = list
		} else {
			b.Ingress = list
		}
		return b
	}
	// Add the narrowest rule with the other action, just before the
	// rule that decides p now.
	action := nacl.Allow
	if allowed {
		action = nacl.Deny
	}
	if n, ok := freeNumber(rules, below); ok {
		r := exactACLRule(p, dir, action, n)
		b := with(func(l []nacl.Rule) []nacl.Rule { return append(l, r) })
		edits = append(edits, Edit{Kind: AddRule, Filter: name, After: r.String(), acl: &b, scope: ruleMatch(&r, dir),
			Text: "add to " + name + ": " + r.String()})
	}
	if !allowed {
		// Widen an allow rule that p meets before the deciding rule.
		for i := range rules {
			if deciding >= 0 && i >= deciding {
				break
			}
			r := rules[i]
			if r.Action != nacl.Allow {
				continue
			}
			w, ok := widenACLRule(r, p, dir)
			if !ok {
				continue
			}
			b := with(func(l []nacl.Rule) []nacl.Rule { l[i] = w; return l })
			edits = append(edits, Edit{Kind: WidenRule, Filter: name, Before: []string{r.String()}, After: w.String(), acl: &b,
				scope: ruleMatch(&w, dir).Minus(ruleMatch(&r, dir)),
				Text:  "in " + name + ", change rule " + r.String() + " to " + w.String()})
		}
	}
	if deciding >= 0 {
		r := rules[deciding]
		rest := slices.Delete(slices.Clone(rules), deciding, deciding+1)
		next := firstMatch(rest, p, dir)
		// Removing the deciding rule flips p when the next rule it meets
		// has the other verdict.
		nextAllows := next >= 0 && rest[next].Action == nacl.Allow
		if nextAllows != allowed {
			b := with(func(l []nacl.Rule) []nacl.Rule { return slices.Delete(l, deciding, deciding+1) })
			edits = append(edits, Edit{Kind: RemoveRule, Filter: name, Before: []string{r.String()}, acl: &b, scope: ruleMatch(&r, dir),
				Text: "remove from " + name + ": rule " + r.String()})
		}
		// Moving a deny that p meets later before the allow that decides
		// it now: the lesson of rule order (NACL-17, TRACE-E).
		if allowed {
			for j := deciding + 1; j < len(rules); j++ {
				if rules[j].Action != nacl.Deny || firstMatch(rules[j:j+1], p, dir) < 0 {
					continue
				}
				others := slices.Delete(slices.Clone(rules), j, j+1)
				if n, ok := freeNumber(others, r.Number); ok {
					moved := rules[j]
					moved.Number = n
					b := with(func(l []nacl.Rule) []nacl.Rule { l[j] = moved; return l })
					edits = append(edits, Edit{Kind: RenumberRule, Filter: name, Before: []string{rules[j].String()}, After: moved.String(), acl: &b,
						scope: ruleMatch(&moved, dir),
						Text:  "in " + name + ", renumber rule " + rules[j].String() + " to " + strconv.Itoa(n) + ", before rule " + r.String()})
				}
				break
			}
		}
		// Moving a deny after the allow that p meets next.
		if !allowed && nextAllows {
			if n, ok := numberAfter(rest, rest[next].Number); ok {
				moved := r
				moved.Number = n
				b := with(func(l []nacl.Rule) []nacl.Rule { l[deciding] = moved; return l })
				edits = append(edits, Edit{Kind: RenumberRule, Filter: name, Before: []string{r.String()}, After: moved.String(), acl: &b,
					scope: ruleMatch(&r, dir),
					Text:  "in " + name + ", renumber rule " + r.String() + " to " + strconv.Itoa(n) + ", after rule " + rest[next].String()})
			}
		}
	}
	before := aclSpace(a, dir)
	for i := range edits {
		e := &edits[i]
		e.order = i
		c, err := nacl.Compile(*e.acl)
		if err != nil {
			continue // not reached: edits keep the ACL valid
		}
		var dec flow.Decision
		c.Evaluate(p, dir, &dec)
		e.Check = Check{Packet: *p, Verdict: dec.Verdict, Why: c.Explain(&dec, p)}
		e.Flips = dec.Verdict != d.Verdict
		e.changed = before.Minus(aclSpace(e.acl, dir)).Union(aclSpace(e.acl, dir).Minus(before))
		e.describeAlso(ruleMatch(ptr(exactACLRule(p, dir, nacl.Allow, 1)), dir))
	}
	return rank(edits)
}

func ptr[T any](v T) *T { return &v }

// firstMatch returns the index of the rule of rules (in evaluation order)
// that p meets first, or -1.
func firstMatch(rules []nacl.Rule, p *flow.Packet, dir flow.Direction) int {
	a := nacl.ACL{ID: "x", Ingress: rules}
	if dir == flow.Egress {
		a = nacl.ACL{ID: "x", Egress: rules}
	}
	d := nacl.Reference(&a, p, dir)
	if d.RuleNumber >= flow.DefaultRuleV4 || d.Reason != flow.ReasonRule {
		return -1
	}
	return slices.IndexFunc(rules, func(r nacl.Rule) bool { return r.Number == int(d.RuleNumber) })
}

// numberAfter returns the first free rule number after n.
func numberAfter(rules []nacl.Rule, n int) (int, bool) {
	used := map[int]bool{}
	for _, r := range rules {
		used[r.Number] = true
	}
	for k := n + 1; k <= 32766; k++ {
		if !used[k] {
			return k, true
		}
	}
	return 0, false
}

// widenACLRule widens the one range of r that keeps it from matching p.
// It fails when the protocol or the family differs, or when more than one
// range would have to change.
func widenACLRule(r nacl.Rule, p *flow.Packet, dir flow.Direction) (nacl.Rule, bool) {
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	if r.CIDR.Addr().Is4() != peer.Is4() || !r.Protocol.Matches(p.Proto) {
		return r, false
	}
	miss := 0
	w := r
	if !r.CIDR.Contains(peer) {
		miss++
		w.CIDR = commonPrefix(r.CIDR, peer)
	}
	switch {
	case r.HasPorts():
		if d := int(p.DstPort); d < r.FromPort || d > r.ToPort {
			miss++
			w.FromPort, w.ToPort = min(r.FromPort, d), max(r.ToPort, d)
		}
	case r.HasICMP():
		typeOK := r.ICMPType == -1 || r.ICMPType == int(p.ICMPType)
		codeOK := r.ICMPCode == -1 || r.ICMPCode == int(p.ICMPCode)
		switch {
		case !typeOK:
			miss++
			w.ICMPType, w.ICMPCode = -1, -1
		case !codeOK:
			miss++
			w.ICMPCode = -1
		}
	}
	return w, miss == 1
}

// commonPrefix returns the smallest prefix holding both p and a.
func commonPrefix(p netip.Prefix, a netip.Addr) netip.Prefix {
	q := p.Masked()
	for !q.Contains(a) && q.Bits() > 0 {
		q, _ = q.Addr().Prefix(q.Bits() - 1)
	}
	return q
}

// describeAlso fills Also from the packets the edit changes beyond the
// packet's own class.
func (e *Edit) describeAlso(own Space) {
	if e.changed.Subset(own) {
		return
	}
	rs := e.changed.Regions()
	for i, r := range rs {
		if i == 3 {
			e.AlsoMore = len(rs) - 3
			break
		}
		e.Also = append(e.Also, r.String())
	}
}

// rank keeps the edits that flip the verdict, those that change fewest
// other packets first, then by kind.
func rank(edits []Edit) []Edit {
	out := slices.DeleteFunc(edits, func(e Edit) bool { return !e.Flips })
	slices.SortStableFunc(out, func(x, y Edit) int {
		if c := cmp.Compare(x.changed.Size(), y.changed.Size()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Kind, y.Kind); c != 0 {
			return c
		}
		return cmp.Compare(x.order, y.order)
	})
	return out
}

// WhyNotGroups returns the edits of the security groups of one interface
// (those of direction dir) that flip p's verdict there, smallest first:
// for a dropped packet, add a rule matching exactly p's protocol, port and
// peer to the first group, or widen one rule; for an allowed one, remove
// every rule that allows it (groups have no deny, SG-6). Every edit is
// proved by running the edited groups on p; r resolves references.
func WhyNotGroups(groups []sg.Group, r sg.Resolver, dir flow.Direction, p flow.Packet) ([]Edit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if _, err := sg.Compile(groups, r); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, errors.New("no security group")
	}
	return groupEdits(groups, r, dir, &p, 0, nil), nil
}

// exactSGRule is the narrowest group rule that matches p in direction
// dir.
func exactSGRule(p *flow.Packet, dir flow.Direction) sg.Rule {
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	r := sg.Rule{Protocol: flow.ProtocolOf(p.Proto), CIDR: netip.PrefixFrom(peer, peer.BitLen())}
	switch {
	case p.Proto.HasPorts():
		r.FromPort, r.ToPort = int(p.DstPort), int(p.DstPort)
	case p.Proto.IsICMP():
		r.FromPort, r.ToPort = int(p.ICMPType), int(p.ICMPCode)
	}
	return r
}

// groupEdits builds the edits; a new rule goes into groups[target]; note
// adds words about the group (the other interfaces that carry it).
func groupEdits(groups []sg.Group, res sg.Resolver, dir flow.Direction, p *flow.Packet, target int, note func(id string) string) []Edit {
	_, allowed := sg.Reference(groups, res, p, dir)
	var edits []Edit
	with := func(gi int, rules []sg.Rule) []sg.Group {
		g := groups[gi]
		if dir == flow.Egress {
			g.Egress = rules
		} else {
			g.Ingress = rules
		}
		return []sg.Group{g}
	}
	where := func(gi int) string {
		s := "security group " + groups[gi].ID + " " + dir.String()
		return s
	}
	noteOf := func(gi int) string {
		if note == nil {
			return ""
		}
		return note(groups[gi].ID)
	}
	if !allowed {
		r := exactSGRule(p, dir)
		g := with(target, append(slices.Clone(groups[target].Rules(dir)), r))
		edits = append(edits, Edit{Kind: AddRule, Filter: where(target), After: r.Text(dir), groups: g, scope: sgRuleSpace(r, res, dir),
			Text: "add to " + where(target) + ": " + r.Text(dir) + noteOf(target)})
		for gi := range groups {
			for ri, rule := range groups[gi].Rules(dir) {
				w, ok := widenSGRule(rule, p, dir)
				if !ok {
					continue
				}
				rules := slices.Clone(groups[gi].Rules(dir))
				rules[ri] = w
				edits = append(edits, Edit{Kind: WidenRule, Filter: where(gi), Before: []string{rule.Text(dir)}, After: w.Text(dir),
					groups: with(gi, rules), scope: sgRuleSpace(w, res, dir).Minus(sgRuleSpace(rule, res, dir)),
					Text: "in " + where(gi) + ", change rule #" + strconv.Itoa(ri+1) + " " + rule.Text(dir) + " to " + w.Text(dir) + noteOf(gi)})
			}
		}
	} else {
		// Remove every rule that allows p, group by group.
		var changed []sg.Group
		var before, words []string
		var scope Space
		for gi := range groups {
			var kept []sg.Rule
			removed := false
			for ri, rule := range groups[gi].Rules(dir) {
				one := []sg.Group{{ID: groups[gi].ID, Ingress: []sg.Rule{rule}, Egress: []sg.Rule{rule}}}
				if _, ok := sg.Reference(one, res, p, dir); ok {
					removed = true
					scope = scope.Union(sgRuleSpace(rule, res, dir))
					before = append(before, rule.Text(dir))
					words = append(words, groups[gi].ID+" "+dir.String()+" rule #"+strconv.Itoa(ri+1)+" ("+rule.Text(dir)+")"+noteOf(gi))
					continue
				}
				kept = append(kept, rule)
			}
			if removed {
				changed = append(changed, with(gi, kept)...)
			}
		}
		filter := "security groups " + groupIDs(groups) + " " + dir.String()
		edits = append(edits, Edit{Kind: RemoveRule, Filter: filter, Before: before, groups: changed, scope: scope,
			Text: "remove " + strings.Join(words, " and ")})
	}
	beforeSp := Space{sgRuleSet(groups, res, dir).build()}
	for i := range edits {
		e := &edits[i]
		e.order = i
		after := replaceGroups(groups, e.groups)
		set, err := sg.Compile(after, res)
		if err != nil {
			continue
		}
		e.Check = groupsFilter(set, dir, None()).eval(p)
		e.Flips = (e.Check.Verdict == flow.Allow) != allowed
		afterSp := Space{sgRuleSet(after, res, dir).build()}
		e.changed = beforeSp.Minus(afterSp).Union(afterSp.Minus(beforeSp))
		e.describeAlso(sgRuleSpace(exactSGRule(p, dir), nil, dir))
	}
	return rank(edits)
}

// sgRuleSpace is the space one group rule matches.
func sgRuleSpace(r sg.Rule, res sg.Resolver, dir flow.Direction) Space {
	one := []sg.Group{{ID: "x", Ingress: []sg.Rule{r}, Egress: []sg.Rule{r}}}
	return Space{sgRuleSet(one, res, dir).build()}
}

func groupIDs(groups []sg.Group) string {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	return strings.Join(ids, ", ")
}

// replaceGroups returns groups with those of the same id in changed
// replacing them.
func replaceGroups(groups, changed []sg.Group) []sg.Group {
	out := slices.Clone(groups)
	for _, c := range changed {
		if i := slices.IndexFunc(out, func(g sg.Group) bool { return g.ID == c.ID }); i >= 0 {
			out[i] = c
		}
	}
	return out
}

// widenSGRule widens the one range of a CIDR rule that keeps it from
// matching p, as widenACLRule does.
func widenSGRule(r sg.Rule, p *flow.Packet, dir flow.Direction) (sg.Rule, bool) {
	peer := p.Src
	if dir == flow.Egress {
		peer = p.Dst
	}
	if !r.CIDR.IsValid() || r.CIDR.Addr().Is4() != peer.Is4() || !r.Protocol.Matches(p.Proto) {
		return r, false
	}
	miss := 0
	w := r
	if !r.CIDR.Contains(peer) {
		miss++
		w.CIDR = commonPrefix(r.CIDR, peer)
	}
	if r.Protocol != flow.AnyProtocol {
		switch {
		case p.Proto.HasPorts():
			if d := int(p.DstPort); d < r.FromPort || d > r.ToPort {
				miss++
				w.FromPort, w.ToPort = min(r.FromPort, d), max(r.ToPort, d)
			}
		case p.Proto.IsICMP():
			typeOK := r.FromPort == -1 || r.FromPort == int(p.ICMPType)
			codeOK := r.ToPort == -1 || r.ToPort == int(p.ICMPCode)
			switch {
			case !typeOK:
				miss++
				w.FromPort, w.ToPort = -1, -1
			case !codeOK:
				miss++
				w.ToPort = -1
			}
		}
	}
	return w, miss == 1
}

// WhyNot is the answer to "what would change this packet's fate?" for a
// whole VPC: the packet's verdict now, the edits that together flip it
// (one per filter in the way: a packet between two subnets may meet four),
// and the verdict once they are made, run again.
type WhyNot struct {
	// Before is the packet's journey now, as vpc.VPC.Send tells it.
	Before Check `json:"before"`
	// Exempt is set when no filter sees the packet (NOT-10): no edit
	// changes its fate.
	Exempt bool `json:"exempt,omitempty"`
	// Edits are made in order; each is the smallest at the filter that
	// decides the packet once the previous ones are made.
	Edits []Edit `json:"edits"`
	// After is the journey with every edit made; Flipped reports that its
	// verdict is the other one.
	After   Check `json:"after"`
	Flipped bool  `json:"flipped"`
	// Alternatives are the other edits at the first filter in the way,
	// each proved at that filter.
	Alternatives []Edit `json:"alternatives,omitempty"`
}

// String words the answer: the verdict now, the edits, the proof.
func (w WhyNot) String() string {
	var b strings.Builder
	b.WriteString(w.Before.String())
	if w.Exempt {
		b.WriteString("\nno filter sees this packet (NOT-10): no rule changes its fate")
		return b.String()
	}
	for i, e := range w.Edits {
		fmt.Fprintf(&b, "\n%d. %s", i+1, e)
	}
	if w.Flipped {
		b.WriteString("\nthen: " + w.After.String())
	} else {
		b.WriteString("\nno set of edits found that flips it; with those above: " + w.After.String())
	}
	for _, e := range w.Alternatives {
		b.WriteString("\nor: " + e.String())
	}
	return b.String()
}

// WhyNot finds the smallest edits that flip p's verdict in the VPC, as a
// new flow: for a dropped packet, at the filter that drops it, then at the
// next one that does once that edit is made, and so on; for an allowed
// packet, one edit at one filter on its path (a network ACL deny where
// one is on the path). Each edit is the one that changes fewest other
// packets at its filter; the packet is run again through the edited VPC
// to prove the flip.
func (m *Model) WhyNot(p flow.Packet) (WhyNot, error) {
	if err := p.Validate(); err != nil {
		return WhyNot{}, err
	}
	cfg := m.Config()
	path, err := sendPath(cfg, &p)
	if err != nil {
		return WhyNot{}, err
	}
	w := WhyNot{Before: Check{Packet: p, Verdict: path.Final.Verdict, Why: path.Explain()}}
	if path.Exempt != "" {
		w.Exempt, w.After = true, w.Before
		return w, nil
	}
	wantAllow := !path.Allowed()
	for step := 0; step < 4; step++ {
		cur, err := NewModel(cfg)
		if err != nil {
			return WhyNot{}, err
		}
		edits := cur.hopEdits(&p, &path, wantAllow)
		if len(edits) == 0 {
			break
		}
		if step == 0 {
			w.Alternatives = edits[1:]
		}
		w.Edits = append(w.Edits, edits[0])
		cfg = edits[0].Apply(cfg)
		if path, err = sendPath(cfg, &p); err != nil {
			return WhyNot{}, err
		}
		if path.Allowed() == wantAllow {
			break
		}
	}
	w.After = Check{Packet: p, Verdict: path.Final.Verdict, Why: path.Explain()}
	w.Flipped = path.Allowed() == wantAllow
	return w, nil
}

func sendPath(cfg vpc.Config, p *flow.Packet) (vpc.Path, error) {
	v, err := vpc.New(cfg)
	if err != nil {
		return vpc.Path{}, err
	}
	return v.Send(p, epoch)
}

// hopEdits returns the edits, smallest first, at the filter that drops p
// (wantAllow) or at any filter of its path (to drop it).
func (m *Model) hopEdits(p *flow.Packet, path *vpc.Path, wantAllow bool) []Edit {
	hops := path.Hops
	if wantAllow {
		hops = hops[len(hops)-1:]
	}
	var all []Edit
	for i := range hops {
		h := &hops[i]
		dir := h.Decision.Direction
		itf := m.ifaces[h.Interface()]
		switch h.Decision.Stage {
		case flow.StageNACL:
			all = append(all, aclEdits(m.acls[m.aclOf(itf)], dir, p)...)
		case flow.StageSG:
			gs := m.groupsOf(itf)
			target := m.loneliestGroup(itf)
			all = append(all, groupEdits(gs, m.res, dir, p, target, m.carriedElsewhere(itf.ID))...)
		}
	}
	if !wantAllow {
		// Prefer a network ACL deny: it touches no security group, which
		// other interfaces may share.
		all = rank(all)
	}
	return all
}

// loneliestGroup returns the index of the interface's group that fewest
// other interfaces carry: a rule added there changes least elsewhere.
func (m *Model) loneliestGroup(itf *vpc.Interface) int {
	best, bestN := 0, -1
	for i, g := range itf.Groups {
		n := len(m.carriers(g))
		if bestN < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	return best
}

func (m *Model) carriers(group string) []string {
	var out []string
	for _, id := range m.Interfaces() {
		if slices.Contains(m.ifaces[id].Groups, group) {
			out = append(out, id)
		}
	}
	return out
}

// carriedElsewhere words, for a group, the other interfaces an edit of it
// changes too.
func (m *Model) carriedElsewhere(iface string) func(string) string {
	return func(group string) string {
		others := slices.DeleteFunc(m.carriers(group), func(id string) bool { return id == iface })
		if len(others) == 0 {
			return ""
		}
		return " (" + group + " is also on " + strings.Join(others, ", ") + ")"
	}
}
