package arweave

import (
	"crypto/sha512"
	"strconv"
)

// A DeepHashItem is a node of the structure that Arweave signs: either a blob
// of bytes or a list of items. Build one with [Blob] and [List].
type DeepHashItem struct {
	blob   []byte
	list   []DeepHashItem
	isList bool
}

// Blob returns a blob item holding b.
func Blob(b []byte) DeepHashItem { return DeepHashItem{blob: b} }

// List returns a list item holding items.
func List(items ...DeepHashItem) DeepHashItem { return DeepHashItem{list: items, isList: true} }

// DeepHash returns Arweave's SHA-384 deep hash of item: a blob hashes as
// SHA-384(SHA-384("blob"+len) || SHA-384(bytes)); a list folds
// acc = SHA-384(acc || DeepHash(child)) starting from SHA-384("list"+len).
func DeepHash(item DeepHashItem) [48]byte {
	if !item.isList {
		tag := sha512.Sum384([]byte("blob" + strconv.Itoa(len(item.blob))))
		data := sha512.Sum384(item.blob)
		var pair [96]byte
		copy(pair[:48], tag[:])
		copy(pair[48:], data[:])
		return sha512.Sum384(pair[:])
	}
	acc := sha512.Sum384([]byte("list" + strconv.Itoa(len(item.list))))
	var pair [96]byte
	for _, child := range item.list {
		h := DeepHash(child)
		copy(pair[:48], acc[:])
		copy(pair[48:], h[:])
		acc = sha512.Sum384(pair[:])
	}
	return acc
}
