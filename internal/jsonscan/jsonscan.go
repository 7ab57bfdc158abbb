// Package jsonscan holds the byte-level JSON grammar the hand-written
// decoders share (package kinesisevent for the Lambda envelope, package
// record for the history document): where a number ends, where white space
// ends. It validates exactly what RFC 8259 (and so encoding/json) accepts.
package jsonscan

// Number returns where the JSON number at data[i] ends, or -1 when no
// number starts there.
func Number(data []byte, i int) int {
	j := i
	if j < len(data) && data[j] == '-' {
		j++
	}
	switch {
	case j >= len(data):
		return -1
	case data[j] == '0':
		j++
	case '1' <= data[j] && data[j] <= '9':
		for j++; j < len(data) && IsDigit(data[j]); j++ {
		}
	default:
		return -1
	}
	if j < len(data) && data[j] == '.' {
		j++
		if j >= len(data) || !IsDigit(data[j]) {
			return -1
		}
		for j++; j < len(data) && IsDigit(data[j]); j++ {
		}
	}
	if j < len(data) && (data[j] == 'e' || data[j] == 'E') {
		j++
		if j < len(data) && (data[j] == '+' || data[j] == '-') {
			j++
		}
		if j >= len(data) || !IsDigit(data[j]) {
			return -1
		}
		for j++; j < len(data) && IsDigit(data[j]); j++ {
		}
	}
	return j
}

// IsDigit reports whether c is an ASCII decimal digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func SkipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
		i++
	}
	return i
}
