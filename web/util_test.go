package web_test

import (
	"strconv"

	"audienceactivation/internal/audit"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func actorT() audit.Actor { return audit.Actor{Username: "test"} }
