package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// ExportOptions tune Export.
type ExportOptions struct {
	Verify VerifyOptions
	// Parts is the directory where each verified archive is kept until the
	// export finishes, so that an interrupted export resumes where it
	// stopped instead of reading everything again. Required.
	Parts string
	// Progress, when set, is called after each archive with the number done.
	Progress func(done int)
}

// Line is one exported history item: a JSON line of Export's output.
type Line struct {
	Archive string `json:"archive"` // the archive that holds it
	Item
}

// ExportSummary describes an export.
type ExportSummary struct {
	Archives   int
	Resumed    int // archives read from Parts rather than the gateway
	Items      int
	Gone       int // items archived without text
	Activities map[string]int64
	From, To   int64  // visit times of the oldest and newest item, ms
	Origin     string // where the chain continues before this system's first archive
	Signer     string
}

// part is one verified archive as kept in ExportOptions.Parts.
type part struct {
	ID       string    `json:"id"`
	Previous string    `json:"previous"`
	Signer   string    `json:"signer"`
	Doc      *Document `json:"doc"`
}

// Export reads address's chain from head back to the first archive this
// system made, verifies every archive as VerifyChain does, and then writes
// the user's history to w as JSON lines, oldest item first. Nothing is
// written unless the whole chain verifies: on a broken link it returns an
// error matching ErrChain that says which archive, counted from the newest,
// failed and why; the archives verified so far stay in opt.Parts, so
// running it again resumes. On success the parts are removed.
func Export(ctx context.Context, src Source, address, head string, w io.Writer, opt ExportOptions) (ExportSummary, error) {
	sum := ExportSummary{Activities: map[string]int64{}}
	if opt.Parts == "" {
		return sum, errors.New("archive: Export needs a parts directory")
	}
	if err := os.MkdirAll(opt.Parts, 0o700); err != nil {
		return sum, err
	}
	var ids []string // newest first
	seen := map[string]bool{}
	signer := opt.Verify.Signer
	for id := head; id != ""; {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		n := len(ids) + 1
		if seen[id] {
			return sum, fmt.Errorf("%w: archive %d back from the newest (%s) is already in the chain: a loop", ErrChain, n, id)
		}
		seen[id] = true
		p, err := loadPart(opt.Parts, id)
		if err == nil {
			sum.Resumed++
		} else {
			l := VerifyLink(ctx, src, address, id, opt.Verify)
			if len(l.Problems) > 0 {
				return sum, fmt.Errorf("%w: archive %d back from the newest (%s), after %d verified: %s", ErrChain, n, id, n-1, l.Problems[0])
			}
			p = part{ID: id, Previous: l.Previous, Signer: l.Signer, Doc: l.Doc}
			if err := savePart(opt.Parts, p); err != nil {
				return sum, err
			}
		}
		if signer == "" {
			signer = p.Signer
		} else if p.Signer != signer {
			return sum, fmt.Errorf("%w: archive %d back from the newest (%s) is signed by %s, the others by %s", ErrChain, n, id, p.Signer, signer)
		}
		ids = append(ids, id)
		if p.Previous == "" {
			sum.Origin = p.Doc.PreviousHash
		}
		id = p.Previous
		if opt.Progress != nil {
			opt.Progress(len(ids))
		}
	}
	sum.Signer = signer
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, id := range slices.Backward(ids) {
		p, err := loadPart(opt.Parts, id)
		if err != nil {
			return sum, err
		}
		sum.Archives++
		for _, it := range p.Doc.Items {
			if err := enc.Encode(Line{Archive: id, Item: it}); err != nil {
				return sum, err
			}
			sum.Items++
			sum.Activities[it.Activity]++
			if it.Gone {
				sum.Gone++
			}
			if sum.From == 0 || it.VisitTime < sum.From {
				sum.From = it.VisitTime
			}
			sum.To = max(sum.To, it.VisitTime)
		}
	}
	if err := bw.Flush(); err != nil {
		return sum, err
	}
	return sum, os.RemoveAll(opt.Parts)
}

func partPath(dir, id string) string { return filepath.Join(dir, id+".json") }

func loadPart(dir, id string) (part, error) {
	var p part
	b, err := os.ReadFile(partPath(dir, id))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil || p.ID != id || p.Doc == nil {
		return part{}, fmt.Errorf("archive: export part %s unreadable", id)
	}
	return p, nil
}

// savePart writes p whole or not at all (rename), so a killed export never
// leaves a half-written part behind.
func savePart(dir string, p part) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tmp := partPath(dir, p.ID) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, partPath(dir, p.ID))
}
