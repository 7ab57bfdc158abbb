package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// This file applies MongoDB update documents ({$inc: ..., $set: ...} on
// dotted paths) to stored BSON the way mongod does, so that the embedded
// store's users documents end up byte-for-byte where MongoDB's would:
//
//   - elements the update does not name are copied verbatim, in place;
//   - a field the update names is rewritten in place; a missing one is
//     appended to its parent, missing parents are created as objects, and
//     several new fields of one parent are appended in field-name order (as
//     mongod 5.0+ processes them);
//   - $inc follows mongod's arithmetic: int32+int32 stays int32 unless it
//     overflows (then int64), int32 or int64 with int64 is int64 (overflow is
//     an error), anything with a double is a double, a decimal stays a
//     decimal; a missing field takes the increment's value and type;
//   - $inc on a non-number (TypeMismatch, code 14) and a path through a
//     non-object (PathNotViable, code 28) fail the whole update with an error
//     wrapping store.ErrRejected that names the field and its type, never its
//     value.

// rejectError is a permanent write error, as mongod reports it with a code.
type rejectError struct{ msg string }

func (e *rejectError) Error() string { return e.msg }
func (e *rejectError) Unwrap() error { return store.ErrRejected }

func reject(format string, args ...any) error {
	return &rejectError{msg: fmt.Sprintf(format, args...)}
}

// op is one operator applied at one path.
type op struct {
	inc bool // $inc; otherwise $set
	val bson.RawValue
}

// node is the update as a tree of field names; a leaf carries its op.
type node struct {
	op       *op
	children map[string]*node
}

// compile turns an update document into its path tree. It accepts only the
// operators this store's writes use.
func compile(update bson.D) (*node, error) {
	root := &node{children: map[string]*node{}}
	for _, e := range update {
		var inc bool
		switch e.Key {
		case "$inc":
			inc = true
		case "$set":
		default:
			return nil, fmt.Errorf("unsupported update operator %q", e.Key)
		}
		fields, ok := e.Value.(bson.D)
		if !ok {
			return nil, fmt.Errorf("%s: want a document, got %T", e.Key, e.Value)
		}
		for _, f := range fields {
			v, err := rawValue(f.Value)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", e.Key, f.Key, err)
			}
			if inc && !isNumber(v) {
				return nil, reject("cannot $inc by %s", contract.TypeName(v))
			}
			n := root
			for _, k := range strings.Split(f.Key, ".") {
				if n.op != nil {
					return nil, fmt.Errorf("update paths %s and its parent conflict", f.Key)
				}
				c := n.children[k]
				if c == nil {
					c = &node{children: map[string]*node{}}
					n.children[k] = c
				}
				n = c
			}
			if n.op != nil || len(n.children) > 0 {
				return nil, fmt.Errorf("update path %s given twice", f.Key)
			}
			n.op = &op{inc: inc, val: v}
		}
	}
	return root, nil
}

// applyUpdate returns doc with update applied.
func applyUpdate(doc bson.Raw, update bson.D) (bson.Raw, error) {
	root, err := compile(update)
	if err != nil {
		return nil, err
	}
	out, err := rewrite(nil, doc, root, "users.")
	if err != nil {
		return nil, err
	}
	return bson.Raw(out), nil
}

// rewrite appends doc with the updates under n applied to dst. path names
// doc in messages.
func rewrite(dst []byte, doc bson.Raw, n *node, path string) ([]byte, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.TrimSuffix(path, "."), err)
	}
	idx, dst := bsoncore.AppendDocumentStart(dst)
	done := make(map[string]bool, len(n.children))
	for _, e := range elems {
		k := e.Key()
		c := n.children[k]
		if c == nil || done[k] {
			dst = append(dst, e...)
			continue
		}
		done[k] = true
		v := e.Value()
		if c.op != nil {
			nv, err := c.op.apply(v, path+k)
			if err != nil {
				return nil, err
			}
			dst = appendValue(dst, k, nv)
			continue
		}
		sub, ok := v.DocumentOK()
		if !ok {
			return nil, reject("cannot create field %s under %s%s: it is %s, not an object",
				firstKey(c), path, k, contract.TypeName(v))
		}
		if dst, err = appendSub(dst, k, sub, c, path+k+"."); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(n.children) {
		if done[k] {
			continue
		}
		c := n.children[k]
		if c.op != nil {
			dst = appendValue(dst, k, c.op.val) // $inc of a missing field: the increment, its type
			continue
		}
		empty := bsoncore.BuildDocument(nil)
		if dst, err = appendSub(dst, k, bson.Raw(empty), c, path+k+"."); err != nil {
			return nil, err
		}
	}
	return bsoncore.AppendDocumentEnd(dst, idx)
}

func appendSub(dst []byte, key string, doc bson.Raw, n *node, path string) ([]byte, error) {
	sub, err := rewrite(nil, doc, n, path)
	if err != nil {
		return nil, err
	}
	return bsoncore.AppendDocumentElement(dst, key, sub), nil
}

func appendValue(dst []byte, key string, v bson.RawValue) []byte {
	dst = bsoncore.AppendHeader(dst, bsoncore.Type(v.Type), key)
	return append(dst, v.Value...)
}

func firstKey(n *node) string { return sortedKeys(n.children)[0] }

func (o *op) apply(cur bson.RawValue, path string) (bson.RawValue, error) {
	if !o.inc {
		return o.val, nil
	}
	if !isNumber(cur) {
		return bson.RawValue{}, reject("cannot apply $inc to %s: it is %s, not a number", path, contract.TypeName(cur))
	}
	sum, err := add(cur, o.val)
	if err != nil {
		return bson.RawValue{}, reject("cannot apply $inc to %s: %v", path, err)
	}
	return sum, nil
}

func isNumber(v bson.RawValue) bool {
	switch v.Type {
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128:
		return true
	}
	return false
}

// add is mongod's SafeNum addition of two numbers.
func add(a, b bson.RawValue) (bson.RawValue, error) {
	switch {
	case a.Type == bson.TypeDecimal128 || b.Type == bson.TypeDecimal128:
		return addDecimal(a, b)
	case a.Type == bson.TypeDouble || b.Type == bson.TypeDouble:
		return doubleValue(a.AsFloat64() + b.AsFloat64()), nil
	case a.Type == bson.TypeInt32 && b.Type == bson.TypeInt32:
		s := int64(a.Int32()) + int64(b.Int32())
		if s >= math.MinInt32 && s <= math.MaxInt32 {
			return int32Value(int32(s)), nil
		}
		return int64Value(s), nil
	}
	x, _ := a.AsInt64OK()
	y, _ := b.AsInt64OK()
	s := x + y
	if (y > 0 && s < x) || (y < 0 && s > x) {
		return bson.RawValue{}, errors.New("the result would overflow a 64-bit integer")
	}
	return int64Value(s), nil
}

// addDecimal adds an integer to a decimal (or two decimals) exactly.
func addDecimal(a, b bson.RawValue) (bson.RawValue, error) {
	if a.Type != bson.TypeDecimal128 {
		a, b = b, a
	}
	d := a.Decimal128()
	if d.IsNaN() || d.IsInf() != 0 {
		return a, nil
	}
	x, xe, err := d.BigInt()
	if err != nil {
		return bson.RawValue{}, err
	}
	var y *big.Int
	ye := 0
	switch b.Type {
	case bson.TypeDecimal128:
		if y, ye, err = b.Decimal128().BigInt(); err != nil {
			return bson.RawValue{}, err
		}
	case bson.TypeInt32, bson.TypeInt64:
		n, _ := b.AsInt64OK()
		y = big.NewInt(n)
	default:
		return bson.RawValue{}, errors.New("adding a double to a decimal is not supported")
	}
	// Bring both to the smaller exponent, then add the coefficients.
	e := min(xe, ye)
	x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(xe-e)), nil))
	y.Mul(y, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(ye-e)), nil))
	sum, ok := bson.ParseDecimal128FromBigInt(x.Add(x, y), e)
	if !ok {
		return bson.RawValue{}, errors.New("the result does not fit a decimal")
	}
	h, l := sum.GetBytes()
	return bson.RawValue{Type: bson.TypeDecimal128, Value: bsoncore.AppendDecimal128(nil, h, l)}, nil
}

func int32Value(n int32) bson.RawValue {
	return bson.RawValue{Type: bson.TypeInt32, Value: binary.LittleEndian.AppendUint32(nil, uint32(n))}
}

func int64Value(n int64) bson.RawValue {
	return bson.RawValue{Type: bson.TypeInt64, Value: binary.LittleEndian.AppendUint64(nil, uint64(n))}
}

func doubleValue(f float64) bson.RawValue {
	return bson.RawValue{Type: bson.TypeDouble, Value: binary.LittleEndian.AppendUint64(nil, math.Float64bits(f))}
}

// rawValue encodes v as the driver would.
func rawValue(v any) (bson.RawValue, error) {
	doc, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil {
		return bson.RawValue{}, err
	}
	return bson.Raw(doc).Lookup("v"), nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
