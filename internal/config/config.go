// Package config reads the functions' configuration from the environment and
// fails at start-up with a message naming the variable that is wrong.
//
// Secrets (the MongoDB URI, the Arweave wallet) are never plain environment
// values in a deployment: the template passes a Secrets Manager ARN or an SSM
// parameter name, and Load resolves it through a SecretSource.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SecretSource resolves a secret reference. Package secrets implements it with
// AWS Secrets Manager.
type SecretSource interface {
	SecretString(ctx context.Context, secretID string) (string, error)
}

// Processor is the processor function's configuration.
type Processor struct {
	MongoURI       string // "" selects the embedded store
	Database       string
	DataDir        string // embedded store directory
	ConnectTimeout time.Duration
	DeadlineMargin time.Duration
	// DeadLetterRetention is how long the scrubbed payload copy of a record
	// that did not decode is kept.
	DeadLetterRetention time.Duration
	LogLevel            slog.Level
	Metrics             Metrics
}

// Metrics configures the CloudWatch Embedded Metric Format output.
type Metrics struct {
	Namespace string
	// Dimensions are low-cardinality name=value pairs added to every metric
	// (for example Stage=prod).
	Dimensions map[string]string
}

// Archiver is the archiver function's configuration.
type Archiver struct {
	MongoURI       string
	Database       string
	DataDir        string
	ConnectTimeout time.Duration
	LogLevel       slog.Level
	Metrics        Metrics
	Wallet         []byte // JWK; never logged
	GatewayURL     string
	BundlerURL     string
	Mode           string // "gateway" (one bundle per sweep), "bundler" (ArDrive Turbo) or "transaction"
	// URLBase is what an archive's id is appended to for the user's
	// previous_hash (ARCHIVE_URL_BASE). Items per archive are not
	// configured here: they are part of the points rule (internal/points).
	URLBase        string
	MaxUsers       int // users swept per invocation
	AppVersion     string
	DeadlineMargin time.Duration
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("configuration error")

type env struct {
	get func(string) string
	err error
}

func (e *env) fail(name, format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("%w: %s: %s", ErrConfig, name, fmt.Sprintf(format, args...))
	}
}

func (e *env) str(name, def string) string {
	if v := strings.TrimSpace(e.get(name)); v != "" {
		return v
	}
	return def
}

func (e *env) duration(name string, def time.Duration) time.Duration {
	v := e.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail(name, "want a positive duration like 5s, got %q", v)
		return def
	}
	return d
}

func (e *env) integer(name string, def, min, max int) int {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		e.fail(name, "want an integer from %d to %d, got %q", min, max, v)
		return def
	}
	return n
}

func (e *env) level(name string) slog.Level {
	var l slog.Level
	v := e.get(name)
	if v == "" {
		return slog.LevelInfo
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		e.fail(name, "want debug, info, warn or error, got %q", v)
	}
	return l
}

func (e *env) metrics() Metrics {
	m := Metrics{Namespace: e.str("METRICS_NAMESPACE", "Kleo")}
	if v := e.get("METRICS_DIMENSIONS"); v != "" {
		m.Dimensions = map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || k == "" || val == "" {
				e.fail("METRICS_DIMENSIONS", "want name=value pairs separated by commas")
				break
			}
			m.Dimensions[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
		if len(m.Dimensions) > 29 {
			e.fail("METRICS_DIMENSIONS", "at most 29 dimensions")
		}
	}
	return m
}

// secret reads a value given directly in plain (for local runs), or by
// reference in secretVar (Secrets Manager). At most one may be set.
// retiredVar, the SSM Parameter Store variable of earlier versions, is
// refused rather than ignored: ignored, it would leave the function on the
// embedded store or without a wallet. (The SSM client alone cost 7 ms of
// every cold start, for a source the template never deploys.)
func (e *env) secret(ctx context.Context, src SecretSource, plain, secretVar, retiredVar string) string {
	if e.get(retiredVar) != "" {
		e.fail(retiredVar, "SSM Parameter Store is no longer read: put the value in a Secrets Manager secret and set %s", secretVar)
		return ""
	}
	if plain != "" && e.get(plain) != "" && e.get(secretVar) != "" {
		e.fail(plain, "set only one of %s and %s", plain, secretVar)
		return ""
	}
	switch {
	case plain != "" && e.get(plain) != "":
		return e.get(plain)
	case e.get(secretVar) != "":
		if src == nil {
			e.fail(secretVar, "no secret source to resolve it")
			return ""
		}
		v, err := src.SecretString(ctx, e.get(secretVar))
		if err != nil {
			// The error from AWS names the secret, never its value.
			e.fail(secretVar, "cannot read it: %v", err)
			return ""
		}
		if v == "" {
			e.fail(secretVar, "the secret is empty")
		}
		return v
	}
	return ""
}

func (e *env) mongo(ctx context.Context, src SecretSource) (uri, db, dir string, timeout time.Duration) {
	uri = e.secret(ctx, src, "MONGODB_URI", "MONGODB_URI_SECRET_ARN", "MONGODB_URI_PARAMETER")
	if uri != "" && !strings.HasPrefix(uri, "mongodb://") && !strings.HasPrefix(uri, "mongodb+srv://") {
		e.fail("MONGODB_URI", "want a mongodb:// or mongodb+srv:// URI")
	}
	return uri, e.str("MONGODB_DATABASE", "Kleo"), e.str("KLEO_DATA_DIR", ".kleo/data"),
		e.duration("MONGODB_CONNECT_TIMEOUT", 5*time.Second)
}

// LoadProcessor reads the processor's configuration.
func LoadProcessor(ctx context.Context, getenv func(string) string, src SecretSource) (Processor, error) {
	e := &env{get: getenv}
	var c Processor
	c.MongoURI, c.Database, c.DataDir, c.ConnectTimeout = e.mongo(ctx, src)
	c.DeadlineMargin = e.duration("DEADLINE_MARGIN", 2*time.Second)
	c.DeadLetterRetention = e.duration("DEAD_LETTER_RETENTION", 14*24*time.Hour)
	c.LogLevel = e.level("LOG_LEVEL")
	c.Metrics = e.metrics()
	return c, e.err
}

// LoadArchiver reads the archiver's configuration. Exactly one wallet source
// must be set: ARWEAVE_WALLET_FILE (local) or ARWEAVE_WALLET_SECRET_ARN.
func LoadArchiver(ctx context.Context, getenv func(string) string, src SecretSource, readFile func(string) ([]byte, error)) (Archiver, error) {
	e := &env{get: getenv}
	var c Archiver
	c.MongoURI, c.Database, c.DataDir, c.ConnectTimeout = e.mongo(ctx, src)
	c.LogLevel = e.level("LOG_LEVEL")
	c.Metrics = e.metrics()
	// The bundler (ArDrive Turbo) is the production default: it accepts
	// data items of up to 100 KiB free, and every archive is smaller.
	c.Mode = e.str("ARWEAVE_MODE", "bundler")
	if c.Mode != "gateway" && c.Mode != "bundler" && c.Mode != "transaction" {
		e.fail("ARWEAVE_MODE", "want gateway, bundler or transaction, got %q", c.Mode)
	}
	c.GatewayURL = e.str("ARWEAVE_GATEWAY_URL", "https://arweave.net")
	c.BundlerURL = e.str("ARWEAVE_BUNDLER_URL", "https://upload.ardrive.io/v1") // Turbo: POST /v1/tx
	c.URLBase = e.str("ARCHIVE_URL_BASE", "https://arweave.net")
	if u, err := url.Parse(c.URLBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.fail("ARCHIVE_URL_BASE", "want an http(s) URL such as https://arweave.net")
	}
	c.MaxUsers = e.integer("ARCHIVE_MAX_USERS", 100, 1, 100000)
	c.AppVersion = e.str("APP_VERSION", "dev")
	if len(c.AppVersion) > 64 {
		// It is an archive tag; archives are kept under 100 KiB by construction.
		e.fail("APP_VERSION", "at most 64 bytes")
	}
	c.DeadlineMargin = e.duration("DEADLINE_MARGIN", 10*time.Second)
	if path := e.get("ARWEAVE_WALLET_FILE"); path != "" {
		if e.get("ARWEAVE_WALLET_SECRET_ARN") != "" || e.get("ARWEAVE_WALLET_PARAMETER") != "" {
			e.fail("ARWEAVE_WALLET_FILE", "set only one wallet source")
		} else if b, err := readFile(path); err != nil {
			e.fail("ARWEAVE_WALLET_FILE", "cannot read the wallet file: %v", err)
		} else {
			c.Wallet = b
		}
	} else {
		c.Wallet = []byte(e.secret(ctx, src, "", "ARWEAVE_WALLET_SECRET_ARN", "ARWEAVE_WALLET_PARAMETER"))
		if len(c.Wallet) == 0 && e.err == nil {
			e.fail("ARWEAVE_WALLET_SECRET_ARN", "no wallet: set ARWEAVE_WALLET_SECRET_ARN or ARWEAVE_WALLET_FILE")
		}
	}
	return c, e.err
}
