package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces a value the logger refuses to write.
const Redacted = "[redacted]"

// contentKeys name attributes that would hold page text or personal data.
// The processor never logs them; the logger is the net under that rule.
var contentKeys = map[string]bool{
	"title": true, "url": true, "summary": true, "domain": true, "text": true,
	"email": true, "payload": true, "data": true, "body": true, "content": true,
	"query": true, "wallet": true, "jwk": true, "key": true, "secret": true,
	"password": true, "token": true, "uri": true, "mongodb_uri": true,
}

// Logger returns a JSON logger to w (os.Stdout in Lambda) at level. It
// redacts attributes whose key names content (title, url, summary, email,
// ...) and any composite value (struct, map, slice) that would be
// marshalled whole: log counts, ids and reasons, not documents. Errors are
// written as their message.
func Logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact}))
}

func redact(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey, slog.LevelKey, slog.MessageKey, slog.SourceKey:
			return a
		}
	}
	if contentKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, Redacted)
	}
	if a.Value.Kind() != slog.KindAny {
		return a
	}
	switch v := a.Value.Any().(type) {
	case error, slog.Level, nil:
		return a
	default:
		return slog.String(a.Key, fmt.Sprintf("%s %T", Redacted, v))
	}
}
