package arweave

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors that HTTP failures match with errors.Is.
var (
	// ErrRejected means the server refused the request as invalid (HTTP 400
	// or 410): a bad signature, data_root, anchor or balance. Retrying the
	// same request will not help.
	ErrRejected = errors.New("arweave: rejected")
	// ErrUnavailable means the server could not be reached or kept failing
	// (transport errors, 429, 5xx) until the retries ran out. Retrying later
	// is safe.
	ErrUnavailable = errors.New("arweave: unavailable")
)

// HTTPError is a response with an unexpected status. It matches ErrRejected
// for 400 and 410, and ErrUnavailable for 429 and 5xx.
type HTTPError struct {
	Method     string
	Path       string // the request path, without the host
	StatusCode int
	Body       string // the start of the response body, for the message
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("arweave: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is reports whether the status puts e in the ErrRejected or ErrUnavailable class.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrRejected:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusGone
	case ErrUnavailable:
		return retryable(e.StatusCode)
	}
	return false
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// Retry bounds the retries of one request. The zero value means 5 attempts,
// backoff from 250ms doubling up to 8s, each wait drawn uniformly from
// [d/2, d] so that concurrent clients spread out.
type Retry struct {
	Attempts int           // tries in all, including the first
	Base     time.Duration // the first backoff
	Max      time.Duration // the cap on one backoff
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Base <= 0 {
		r.Base = 250 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 8 * time.Second
	}
	return r
}

func (r Retry) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := r.Base << min(attempt, 30)
	if d <= 0 || d > r.Max {
		d = r.Max
	}
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, r.Max)
	}
	return d
}

// client is the HTTP plumbing the gateway and bundler clients share.
type client struct {
	base  string
	http  *http.Client
	retry Retry
}

const maxErrorBody = 256

// do sends a request, retrying transport errors, 429 and 5xx with backoff,
// and returns the response body for the statuses in ok.
func (c client) do(ctx context.Context, method, path, contentType string, body []byte, ok ...int) (int, []byte, error) {
	r := c.retry.withDefaults()
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	var last error
	for attempt := 0; attempt < r.Attempts; attempt++ {
		if attempt > 0 {
			wait := r.backoff(attempt-1, retryAfterOf(last))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, nil, fmt.Errorf("arweave: %s %s: %w (last error: %w)", method, path, ctx.Err(), last)
			case <-t.C:
			}
		}
		status, resp, hdr, err := c.once(ctx, hc, method, path, contentType, body)
		if err != nil {
			if ctx.Err() != nil {
				return 0, nil, fmt.Errorf("arweave: %s %s: %w", method, path, ctx.Err())
			}
			last = fmt.Errorf("%w: %s %s: %w", ErrUnavailable, method, path, err)
			continue
		}
		for _, s := range ok {
			if status == s {
				return status, resp, nil
			}
		}
		herr := &HTTPError{Method: method, Path: path, StatusCode: status, Body: snippet(resp)}
		if !retryable(status) {
			return status, resp, herr
		}
		last = &retryAfterError{HTTPError: herr, after: parseRetryAfter(hdr.Get("Retry-After"))}
	}
	return 0, nil, fmt.Errorf("arweave: gave up after %d attempts: %w", r.Attempts, last)
}

func (c client) once(ctx context.Context, hc *http.Client, method, path, contentType string, body []byte) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, b, resp.Header, nil
}

// retryAfterError carries a 429/503's Retry-After to the next wait while
// unwrapping to the HTTPError the caller sees.
type retryAfterError struct {
	*HTTPError
	after time.Duration
}

func (e *retryAfterError) Unwrap() error { return e.HTTPError }

func retryAfterOf(err error) time.Duration {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return ra.after
	}
	return 0
}

func parseRetryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// snippet is the start of an error body, one line, for messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody] + "…"
	}
	return s
}

func trimBase(u string) string { return strings.TrimRight(u, "/") }
