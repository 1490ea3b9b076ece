package nacl

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// withTuning sets the index's tuning variables for the length of a test.
func withTuning(t *testing.T, min, cutMin, budget int) {
	oldMin, oldCut, oldBudget := indexMin, addrCutMin, indexBudget
	indexMin, addrCutMin, indexBudget = min, cutMin, budget
	t.Cleanup(func() { indexMin, addrCutMin, indexBudget = oldMin, oldCut, oldBudget })
}

// checkGolden compiles a and holds Evaluate to the golden model on
// packets aimed at a's rules.
func checkGolden(t *rapid.T, a ACL, packets int) {
	c, err := Compile(a)
	if err != nil {
		t.Fatalf("generated ACL invalid: %v", err)
	}
	for range packets {
		p, dir := genPacket(t, &a)
		got := evalc(c, &p, dir)
		want := Reference(&a, &p, dir)
		if got != want {
			t.Fatalf("%s %s:\ncompiled %+v\ngolden   %+v", p.Key(), dir, got, want)
		}
	}
}

// genBigACL draws a valid ACL with up to n rules per direction.
func genBigACL(t *rapid.T, n int) ACL {
	a := ACL{ID: "acl-big"}
	num := rapid.IntRange(1, 32766)
	for _, k := range rapid.SliceOfNDistinct(num, 0, n, rapid.ID[int]).Draw(t, "in-numbers") {
		a.Ingress = append(a.Ingress, genRule(t, k, false, fmt.Sprintf("in%d", k)))
	}
	for _, k := range rapid.SliceOfNDistinct(num, 0, n, rapid.ID[int]).Draw(t, "out-numbers") {
		a.Egress = append(a.Egress, genRule(t, k, false, fmt.Sprintf("out%d", k)))
	}
	return a
}

// TestPropertyIndexMatchesGolden runs the golden-model property with the
// index forced onto every ACL, in each of its modes: address cuts on
// every list, no address cuts (lists scanned), and a budget so small that
// buckets fall back to one scanned interval.
func TestPropertyIndexMatchesGolden(t *testing.T) {
	modes := []struct {
		name                string
		min, cutMin, budget int
	}{
		{"address-cuts", 0, 0, 64},
		{"scanned-lists", 0, 1 << 20, 64},
		{"over-budget", 0, 0, -1 << 20},
		{"mixed", 0, 2, 1},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			withTuning(t, m.min, m.cutMin, m.budget)
			rapid.Check(t, func(t *rapid.T) { checkGolden(t, genACL(t), 50) })
		})
	}
}

// TestPropertyLargeACLMatchesGolden: ACLs of up to 120 rules each way,
// with the default tuning, decide as the golden model does.
func TestPropertyLargeACLMatchesGolden(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { checkGolden(t, genBigACL(t, 120), 30) })
}

// TestIndexBuilt: the benchmark's shape of ACL (many rules of one family)
// does get an index with address cuts, so the property tests above
// exercise the code the benchmarks measure.
func TestIndexBuilt(t *testing.T) {
	var rules []Rule
	for i := range 40 {
		rules = append(rules, mustRule(t, fmt.Sprintf("%d deny -1 198.18.0.%d/32", 10*(i+1), i)))
	}
	rules = append(rules, mustRule(t, "1000 allow tcp 1024-65535 10.0.0.0/8"))
	c := mustCompile(t, ACL{ID: "acl-x", Ingress: rules})
	x := c.tables[0].x4
	if x == nil {
		t.Fatal("no index for 41 rules")
	}
	cut := false
	for _, l := range x.lists {
		cut = cut || l.first != nil
	}
	if !cut {
		t.Fatal("no list has an address cut")
	}
	if c.tables[0].x6 != nil {
		t.Fatal("an index for an empty family")
	}
}
