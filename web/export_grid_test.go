package web

// SetCSVMaxRows lowers the cap of a grid's CSV export for a test and returns the undo.
func SetCSVMaxRows(n int) (undo func()) {
	old := csvMaxRows
	csvMaxRows = n
	return func() { csvMaxRows = old }
}
