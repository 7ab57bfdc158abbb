//go:build !unix

package pii

import "time"

func cpuTime() time.Duration { return 0 }
