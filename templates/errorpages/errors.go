package errorpages

import "strconv"

func statusText(n int) string { return strconv.Itoa(n) }
