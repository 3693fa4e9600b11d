package vendors

// SetCopyMinItems sets the smallest push that goes through COPY on
// PostgreSQL, so that tests reach both paths with small batches; the
// returned function restores it.
func SetCopyMinItems(n int) (restore func()) {
	old := copyMinItems
	copyMinItems = n
	return func() { copyMinItems = old }
}
