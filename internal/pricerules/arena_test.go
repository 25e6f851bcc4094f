package pricerules

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// A snapshot keeps its rules in a few large chunks, not as many small objects as the rules
// have strings, lists and nodes: the garbage collector marks every object in every cycle,
// and a store's 10,000 rules were 230,000 of them.
func TestSnapshotIsFewHeapObjects(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var rules []Rule
	for i := 0; i < 2000; i++ {
		rules = append(rules, randomRule(rng, int64(i+1)))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := NewSnapshot(rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if objects := int64(after.HeapObjects) - int64(before.HeapObjects); objects > int64(len(rules))/4 {
		t.Errorf("a snapshot of %d rules is %d heap objects", len(rules), objects)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(rules)
}

// The snapshot copies what it keeps: changing the rules it was built from afterwards
// changes nothing it decides.
func TestSnapshotOwnsItsRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for round := 0; round < 200; round++ {
		rules := randomRules(rng)
		s, err := NewSnapshot(rules, nil)
		if err != nil {
			t.Fatal(err)
		}
		cart, ctx := randomCart(rng), randomShopper(rng)
		want := s.Evaluate(cart, ctx)
		for i := range rules {
			scribble(&rules[i])
		}
		if got := s.Evaluate(cart, ctx); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: the rules changed under the snapshot\nbefore %+v\nafter  %+v", round, want, got)
		}
	}
}

// scribble overwrites every string, list and tree of r in place.
func scribble(r *Rule) {
	for _, p := range []*string{&r.Name, &r.Description, &r.CouponCode, &r.DefaultLabel} {
		b := []byte(*p)
		for i := range b {
			b[i] = 'x'
		}
		*p = string(b)
	}
	for i := range r.WebsiteIDs {
		r.WebsiteIDs[i] = 99
	}
	for i := range r.CustomerGroupIDs {
		r.CustomerGroupIDs[i] = 99
	}
	var walk func(c *Condition)
	walk = func(c *Condition) {
		c.Operator, c.Value = OpIsNot, "0"
		for i := range c.Values {
			c.Values[i] = "0"
		}
		for i := range c.Conditions {
			walk(&c.Conditions[i])
		}
	}
	walk(&r.Conditions)
	walk(&r.ActionConditions)
}
