package classify

import (
	"context"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
	"golang.org/x/net/publicsuffix"
)

// Remote is a slower, stronger classifier behind a network call, such as an
// embedding or LLM endpoint. It may fail; the local result is kept then.
type Remote interface {
	Classify(ctx context.Context, in Input) (Result, error)
}

// Cascade asks the local classifier first and sends only its low-confidence
// items to the remote one, remembering the remote answers by registrable
// domain and title so that a page visited again (by anyone) costs no second
// call. It is safe for concurrent use if the local and remote classifiers are.
type Cascade struct {
	local  Classifier
	remote Remote
	cache  *lru.Cache[cacheKey, Result]
}

var _ Classifier = (*Cascade)(nil)

type cacheKey struct{ domain, title string }

// NewCascade returns a Cascade that caches up to size remote answers.
func NewCascade(local Classifier, remote Remote, size int) (*Cascade, error) {
	c, err := lru.New[cacheKey, Result](size)
	if err != nil {
		return nil, err
	}
	return &Cascade{local: local, remote: remote, cache: c}, nil
}

// Classify returns the local result unless it is Low; then the cached or
// freshly fetched remote result, or the local one if the remote call fails.
func (c *Cascade) Classify(ctx context.Context, in Input) Result {
	res := c.local.Classify(ctx, in)
	if !res.Low {
		return res
	}
	key := cacheKey{registrable(in), strings.TrimSpace(in.Title)}
	if r, ok := c.cache.Get(key); ok {
		return r
	}
	r, err := c.remote.Classify(ctx, in)
	if err != nil || !activity.Valid(r.Activity) {
		// An endpoint that fails or answers outside the 41 activities must
		// not replace the local guess.
		return res
	}
	c.cache.Add(key, r)
	return r
}

// registrable returns the registrable domain of the item ("bbc.co.uk" for
// "www.bbc.co.uk"), or its host when it has none.
func registrable(in Input) string {
	host := in.Domain
	if host == "" {
		host, _ = feat.SplitURL(in.URL)
	}
	host = strings.ToLower(host)
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
