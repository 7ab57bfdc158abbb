package record

import "strings"

// CompareSeq compares two Kinesis sequence numbers, which are decimal strings
// of up to 129 digits and too large for any integer type. It returns -1, 0 or
// +1 like strings.Compare.
func CompareSeq(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
