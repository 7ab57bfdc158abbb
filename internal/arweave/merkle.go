package arweave

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// Chunking constants, as arweave-js and the Arweave nodes define them.
const (
	MaxChunkSize = 256 * 1024 // bytes in a full chunk
	MinChunkSize = 32 * 1024  // smallest chunk but the last one
	noteSize     = 32         // big-endian integers in proofs are 32 bytes
	hashSize     = 32
)

// ChunkRange is the byte range [Min, Max) of one chunk of transaction data.
type ChunkRange struct {
	Min, Max int64
}

// Proof is the merkle proof (data_path) of one chunk and the offset the
// gateway expects with it: the offset of the chunk's last byte.
type Proof struct {
	Offset int64
	Path   []byte
}

// Chunks is the chunking of some data and its merkle tree. Chunks and Proofs
// hold what is uploaded: arweave-js drops the empty last chunk that data of an
// exact multiple of MaxChunkSize gets, though that chunk is part of DataRoot.
type Chunks struct {
	DataRoot []byte
	Chunks   []ChunkRange
	Proofs   []Proof
}

// chunkRanges cuts n bytes as arweave-js chunkData does: full chunks, except
// that when the remainder after a full chunk would be non-empty but smaller than
// MinChunkSize the last two chunks split the rest in halves (the first one
// rounded up), and the last chunk is whatever is left, possibly empty.
func chunkRanges(n int64) []ChunkRange {
	var out []ChunkRange
	var cursor int64
	for rest := n; rest >= MaxChunkSize; rest = n - cursor {
		size := int64(MaxChunkSize)
		if next := rest - MaxChunkSize; next > 0 && next < MinChunkSize {
			size = (rest + 1) / 2
		}
		out = append(out, ChunkRange{cursor, cursor + size})
		cursor += size
	}
	return append(out, ChunkRange{cursor, n})
}

type merkleNode struct {
	id          [32]byte
	dataHash    [32]byte // leaves only
	byteRange   int64    // branches: the left child's max
	max         int64
	left, right *merkleNode
}

func note(v int64) []byte {
	var b [noteSize]byte
	binary.BigEndian.PutUint64(b[noteSize-8:], uint64(v))
	return b[:]
}

// hashOfHashes is SHA-256 over the concatenated SHA-256 of each part, the
// combining step of every merkle node.
func hashOfHashes(parts ...[]byte) [32]byte {
	buf := make([]byte, 0, len(parts)*hashSize)
	for _, p := range parts {
		h := sha256.Sum256(p)
		buf = append(buf, h[:]...)
	}
	return sha256.Sum256(buf)
}

// GenerateChunks chunks data and builds its merkle tree. Empty data has no
// chunks and an empty DataRoot, as arweave-js leaves it.
func GenerateChunks(data []byte) *Chunks {
	if len(data) == 0 {
		return &Chunks{DataRoot: []byte{}}
	}
	ranges := chunkRanges(int64(len(data)))
	layer := make([]*merkleNode, len(ranges))
	for i, r := range ranges {
		n := &merkleNode{dataHash: sha256.Sum256(data[r.Min:r.Max]), max: r.Max}
		n.id = hashOfHashes(n.dataHash[:], note(r.Max))
		layer[i] = n
	}
	leaves := layer
	for len(layer) > 1 {
		next := make([]*merkleNode, 0, (len(layer)+1)/2)
		for i := 0; i < len(layer); i += 2 {
			if i+1 == len(layer) { // an odd node moves up unchanged
				next = append(next, layer[i])
				continue
			}
			l, r := layer[i], layer[i+1]
			next = append(next, &merkleNode{
				id:        hashOfHashes(l.id[:], r.id[:], note(l.max)),
				byteRange: l.max, max: r.max, left: l, right: r,
			})
		}
		layer = next
	}
	root := layer[0]
	proofs := make([]Proof, 0, len(leaves))
	var walk func(n *merkleNode, prefix []byte)
	walk = func(n *merkleNode, prefix []byte) {
		if n.left == nil {
			path := append(append(append([]byte{}, prefix...), n.dataHash[:]...), note(n.max)...)
			proofs = append(proofs, Proof{Offset: n.max - 1, Path: path})
			return
		}
		p := append(append(append(append([]byte{}, prefix...), n.left.id[:]...), n.right.id[:]...), note(n.byteRange)...)
		walk(n.left, p)
		walk(n.right, p)
	}
	walk(root, nil)
	if last := ranges[len(ranges)-1]; last.Max == last.Min {
		ranges, proofs = ranges[:len(ranges)-1], proofs[:len(proofs)-1]
	}
	return &Chunks{DataRoot: root.id[:], Chunks: ranges, Proofs: proofs}
}

// DataRoot returns the merkle root of data, empty for empty data.
func DataRoot(data []byte) []byte { return GenerateChunks(data).DataRoot }

// errBadPath is returned by ValidatePath for any proof that does not lead from
// the root to a leaf covering the offset.
var errBadPath = errors.New("arweave: invalid data_path")

// ValidatePath checks that path proves a chunk of the data under root covering
// byte offset dest of data of size dataSize, and returns that chunk's range and
// the SHA-256 of its bytes, which the caller compares with the chunk it holds.
func ValidatePath(root []byte, dest, dataSize int64, path []byte) (ChunkRange, [32]byte, error) {
	if dataSize <= 0 {
		return ChunkRange{}, [32]byte{}, errBadPath
	}
	dest = max(0, min(dest, dataSize-1))
	id, left, right := root, int64(0), dataSize
	for {
		switch {
		case len(path) == hashSize+noteSize:
			h := hashOfHashes(path[:hashSize], path[hashSize:])
			if !bytes.Equal(id, h[:]) {
				return ChunkRange{}, [32]byte{}, errBadPath
			}
			// The leaf's own end offset bounds the chunk, as the nodes check.
			end := noteValue(path[hashSize:])
			if end != right {
				return ChunkRange{}, [32]byte{}, errBadPath
			}
			var dh [32]byte
			copy(dh[:], path[:hashSize])
			return ChunkRange{left, right}, dh, nil
		case len(path) > 2*hashSize+noteSize:
			h := hashOfHashes(path[:hashSize], path[hashSize:2*hashSize], path[2*hashSize:2*hashSize+noteSize])
			if !bytes.Equal(id, h[:]) {
				return ChunkRange{}, [32]byte{}, errBadPath
			}
			off := noteValue(path[2*hashSize : 2*hashSize+noteSize])
			if dest < off {
				id, right = path[:hashSize], min(right, off)
			} else {
				id, left = path[hashSize:2*hashSize], max(left, off)
			}
			path = path[2*hashSize+noteSize:]
		default:
			return ChunkRange{}, [32]byte{}, errBadPath
		}
	}
}

// noteValue reads a 32-byte big-endian integer, saturating at an
// implausibly large value rather than overflowing.
func noteValue(b []byte) int64 {
	for _, c := range b[:noteSize-8] {
		if c != 0 {
			return 1<<62 - 1
		}
	}
	v := binary.BigEndian.Uint64(b[noteSize-8:])
	if v > 1<<62-1 {
		return 1<<62 - 1
	}
	return int64(v)
}
