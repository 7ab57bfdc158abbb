// Package contract holds the input rules and value normalisations that every
// store implementation applies, so that they accept the same inputs, read
// Kleo's documents the same way and return values that compare equal.
package contract

import (
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// FieldName checks a value that becomes part of a MongoDB field path (an
// activity under activity_json): a dot would split the path and a leading $
// would make it an operator.
func FieldName(kind, s string) error {
	if s == "" || strings.ContainsAny(s, ".\x00") || strings.HasPrefix(s, "$") {
		return fmt.Errorf("invalid %s: must be non-empty without '.', NUL or a leading '$'", kind)
	}
	return nil
}

// Key checks a value that identifies a document (an id or an address). The
// embedded store uses NUL as a separator in its index keys.
func Key(kind, s string) error {
	if s == "" || strings.ContainsRune(s, 0) {
		return fmt.Errorf("invalid %s %q: must be non-empty without NUL", kind, s)
	}
	return nil
}

// Address checks that s is a lower-case address ("0x" and 40 lower-case hex
// digits), the only spelling the store's callers pass.
func Address(s string) error {
	ok := len(s) == 42 && s[0] == '0' && s[1] == 'x'
	for i := 2; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	if !ok {
		return fmt.Errorf("invalid address %q: want 0x and 40 lower-case hex digits", s)
	}
	return nil
}

// Time returns t as MongoDB stores it: UTC, millisecond precision, without a
// monotonic reading. The zero time stays zero.
func Time(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Int returns n as the BSON integer an $inc should send: an int32 when it
// fits, so that int32 fields stay int32 (MongoDB keeps int32+int32 an int32
// unless it overflows, and promotes int32+int64 to int64).
func Int(n int64) any {
	if n >= -1<<31 && n < 1<<31 {
		return int32(n)
	}
	return n
}

// Archive checks an archive intent and returns it normalised for storage:
// status ArchiveSigned and millisecond times.
func Archive(a store.Archive) (store.Archive, error) {
	if err := Key("archive id", a.ID); err != nil {
		return a, err
	}
	if err := Key("address", a.Address); err != nil {
		return a, err
	}
	if a.Status != "" && a.Status != store.ArchiveSigned {
		return a, fmt.Errorf("new archive %s has status %q, want %q", a.ID, a.Status, store.ArchiveSigned)
	}
	a.Status = store.ArchiveSigned
	a.CreatedAt = Time(a.CreatedAt)
	a.UpdatedAt = Time(a.UpdatedAt)
	return a, nil
}

// Status checks an archive status value.
func Status(s string) error {
	switch s {
	case store.ArchiveSigned, store.ArchiveAccepted, store.ArchiveConfirmed:
		return nil
	}
	return fmt.Errorf("unknown archive status %q", s)
}

// Entry returns a new ledger entry as it is stored: Pending, millisecond
// time, no empty findings map.
func Entry(e store.Entry) (store.Entry, error) {
	if err := Key("ledger id", e.ID); err != nil {
		return e, err
	}
	if err := Key("address", e.Address); err != nil {
		return e, err
	}
	e.State = store.Pending
	e.Seen = Time(e.Seen)
	if len(e.Findings) == 0 {
		e.Findings = nil
	}
	return e, nil
}

// DeadLetter returns a new dead letter as it is stored: millisecond times,
// LetterOpen when no state is given.
func DeadLetter(dl store.DeadLetter) (store.DeadLetter, error) {
	if err := Key("dead letter id", dl.ID); err != nil {
		return dl, err
	}
	if dl.State == "" {
		dl.State = store.LetterOpen
	}
	dl.At = Time(dl.At)
	dl.ExpireAt = Time(dl.ExpireAt)
	return dl, nil
}

// Problem says, without quoting any value, why the processor's update cannot
// apply to the user document d ("" when it can): $inc needs numbers (or
// absent fields) with objects above them, and kleo_stream must have the shape
// the stores write (mongostore applies the same rules).
func Problem(d bson.Raw) string {
	if err := d.Validate(); err != nil {
		return "users document is not valid BSON"
	}
	for _, f := range []string{"total_data_quantity", "kleo_points", "pii_removed_count"} {
		if p := notNumber("users."+f, d.Lookup(f)); p != "" {
			return p
		}
	}
	if m := d.Lookup("milestones"); !absent(m) {
		doc, ok := m.DocumentOK()
		if !ok {
			return "users.milestones is " + TypeName(m) + ", not an object"
		}
		if p := notNumber("users.milestones.data_owned", doc.Lookup("data_owned")); p != "" {
			return p
		}
	}
	if a := d.Lookup("activity_json"); !absent(a) {
		doc, ok := a.DocumentOK()
		if !ok {
			return "users.activity_json is " + TypeName(a) + ", not an object"
		}
		vals, _ := doc.Values()
		for _, v := range vals {
			// The key is left out: it is whatever some client wrote.
			if notNumber("", v) != "" {
				return "users.activity_json holds " + TypeName(v) + " where a count belongs"
			}
		}
	}
	if k := d.Lookup("kleo_stream"); !absent(k) {
		ks, ok := k.DocumentOK()
		if !ok {
			return "users.kleo_stream is " + TypeName(k) + ", not an object"
		}
		if v := ks.Lookup("v"); !absent(v) && v.Type != bson.TypeInt64 && v.Type != bson.TypeInt32 {
			return "users.kleo_stream.v is " + TypeName(v) + ", not an integer"
		}
		if a := ks.Lookup("applied"); !absent(a) {
			arr, ok := a.ArrayOK()
			if !ok {
				return "users.kleo_stream.applied is " + TypeName(a) + ", not an array"
			}
			vals, _ := arr.Values()
			for _, v := range vals {
				if v.Type != bson.TypeString {
					return "users.kleo_stream.applied holds " + TypeName(v) + ", not a string id"
				}
			}
		}
		if a := ks.Lookup("archive"); !absent(a) && a.Type != bson.TypeString {
			return "users.kleo_stream.archive is " + TypeName(a) + ", not a string"
		}
	}
	return ""
}

// UserState reads what the processor needs of the user document d (all but
// ID). A document with a Problem reads as version 0 with nothing applied.
func UserState(d bson.Raw) store.UserState {
	var u store.UserState
	u.Address, _ = d.Lookup("address").StringValueOK()
	u.PreviousHash, _ = d.Lookup("previous_hash").StringValueOK() // absent, false, null: ""
	if u.Problem = Problem(d); u.Problem != "" {
		return u
	}
	ks, ok := d.Lookup("kleo_stream").DocumentOK()
	if !ok {
		return u
	}
	u.Version, _ = ks.Lookup("v").AsInt64OK()
	if arr, ok := ks.Lookup("applied").ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, v := range vals {
			u.Applied = append(u.Applied, v.StringValue())
		}
	}
	u.LastArchive, _ = ks.Lookup("archive").StringValueOK()
	return u
}

// absent reports a field that is not there (the zero RawValue from Lookup).
func absent(v bson.RawValue) bool { return v.Type == 0 }

// notNumber describes v at path when $inc cannot add to it.
func notNumber(path string, v bson.RawValue) string {
	switch v.Type {
	case 0, bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128:
		return ""
	}
	return path + " is " + TypeName(v) + ", not a number"
}

// TypeName names the BSON type of v as a sentence needs it ("a string").
func TypeName(v bson.RawValue) string {
	switch v.Type {
	case bson.TypeString:
		return "a string"
	case bson.TypeEmbeddedDocument:
		return "an object"
	case bson.TypeArray:
		return "an array"
	case bson.TypeBoolean:
		return "a boolean"
	case bson.TypeNull:
		return "null"
	case bson.TypeInt32, bson.TypeInt64:
		return "an integer"
	case bson.TypeDouble, bson.TypeDecimal128:
		return "a number"
	case bson.TypeDateTime, bson.TypeTimestamp:
		return "a date"
	case bson.TypeObjectID:
		return "an ObjectId"
	case bson.TypeBinary:
		return "binary data"
	case 0:
		return "absent"
	}
	return "a " + v.Type.String()
}
