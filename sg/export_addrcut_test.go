package sg

// SetAddrCutMin sets the list length above which a port interval gets an
// address cut, and returns a function that restores it.
func SetAddrCutMin(n int) func() {
	old := addrCutMin
	addrCutMin = n
	return func() { addrCutMin = old }
}
