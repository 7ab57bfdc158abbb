package arweave

import (
	"bytes"
	"testing"
)

func TestChunkRanges(t *testing.T) {
	cases := []struct {
		n    int64
		want []int64
	}{
		{0, []int64{0}},
		{MaxChunkSize - 1, []int64{MaxChunkSize - 1}},
		{MaxChunkSize + MinChunkSize - 1, []int64{(MaxChunkSize + MinChunkSize) / 2, (MaxChunkSize+MinChunkSize)/2 - 1}},
		{2*MaxChunkSize + 1, []int64{MaxChunkSize, MaxChunkSize/2 + 1, MaxChunkSize / 2}},
		{3 * MaxChunkSize, []int64{MaxChunkSize, MaxChunkSize, MaxChunkSize, 0}},
	}
	for _, c := range cases {
		var got []int64
		var next int64
		for _, r := range chunkRanges(c.n) {
			if r.Min != next {
				t.Errorf("n=%d: ranges not contiguous at %v", c.n, r)
			}
			next = r.Max
			got = append(got, r.Max-r.Min)
		}
		if next != c.n || len(got) != len(c.want) {
			t.Fatalf("n=%d: sizes %v, want %v", c.n, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("n=%d: sizes %v, want %v", c.n, got, c.want)
				break
			}
		}
	}
}

func TestGenerateChunksDropsEmptyLastChunk(t *testing.T) {
	c := GenerateChunks(pattern(2 * MaxChunkSize))
	if len(c.Chunks) != 2 || len(c.Proofs) != 2 {
		t.Fatalf("%d chunks, %d proofs, want 2 and 2", len(c.Chunks), len(c.Proofs))
	}
	if c.Proofs[1].Offset != 2*MaxChunkSize-1 {
		t.Errorf("last offset %d", c.Proofs[1].Offset)
	}
	if e := GenerateChunks(nil); len(e.DataRoot) != 0 || len(e.Chunks) != 0 {
		t.Errorf("empty data: %+v", e)
	}
}

func TestValidatePathRejects(t *testing.T) {
	data := pattern(5*MaxChunkSize + 12345)
	c := GenerateChunks(data)
	n := int64(len(data))
	p := c.Proofs[2]
	if _, _, err := ValidatePath(c.DataRoot, p.Offset, n, p.Path); err != nil {
		t.Fatalf("valid proof rejected: %v", err)
	}
	flipped := bytes.Clone(p.Path)
	flipped[40] ^= 1
	otherRoot := bytes.Clone(c.DataRoot)
	otherRoot[0] ^= 1
	cases := map[string]func() error{
		"flipped byte": func() error { _, _, err := ValidatePath(c.DataRoot, p.Offset, n, flipped); return err },
		"other root":   func() error { _, _, err := ValidatePath(otherRoot, p.Offset, n, p.Path); return err },
		"wrong offset": func() error { _, _, err := ValidatePath(c.DataRoot, c.Proofs[4].Offset, n, p.Path); return err },
		"truncated":    func() error { _, _, err := ValidatePath(c.DataRoot, p.Offset, n, p.Path[:len(p.Path)-1]); return err },
		"empty":        func() error { _, _, err := ValidatePath(c.DataRoot, p.Offset, n, nil); return err },
		"zero size":    func() error { _, _, err := ValidatePath(c.DataRoot, p.Offset, 0, p.Path); return err },
	}
	for name, f := range cases {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
