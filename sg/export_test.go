package sg

// SetPortIndexBudget replaces the port index budget (see indexPorts) and
// returns a function that restores it. A very negative budget makes every
// Compile keep the plain scan, so tests can hold both paths to the golden
// model.
func SetPortIndexBudget(n int) (restore func()) {
	old := portIndexBudget
	portIndexBudget = n
	return func() { portIndexBudget = old }
}
