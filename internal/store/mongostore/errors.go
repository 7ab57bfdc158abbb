package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// Server error codes (src/mongo/base/error_codes.yml in the MongoDB source).
var (
	// rejectedCodes are write errors the document (or the update against it)
	// causes: sending the same update again fails the same way.
	rejectedCodes = map[int]string{
		2:     "BadValue",
		9:     "FailedToParse",
		14:    "TypeMismatch",
		15:    "Overflow",
		28:    "PathNotViable",
		40:    "ConflictingUpdateOperators",
		52:    "DollarPrefixedFieldName",
		53:    "InvalidIdField",
		54:    "NotSingleValueField",
		55:    "InvalidDBRef",
		56:    "EmptyFieldName",
		57:    "DottedFieldName",
		66:    "ImmutableField",
		121:   "DocumentValidationFailure",
		10334: "BSONObjectTooLarge",
		17419: "DocumentTooLargeAfterUpdate",
	}
	// unavailableCodes are failures another attempt may not meet.
	unavailableCodes = map[int]string{
		6:     "HostUnreachable",
		7:     "HostNotFound",
		24:    "LockTimeout",
		46:    "LockBusy",
		50:    "MaxTimeMSExpired",
		63:    "StaleShardVersion",
		64:    "WriteConcernFailed",
		89:    "NetworkTimeout",
		91:    "ShutdownInProgress",
		112:   "WriteConflict",
		150:   "StaleEpoch",
		189:   "PrimarySteppedDown",
		262:   "ExceededTimeLimit",
		9001:  "SocketException",
		10107: "NotWritablePrimary",
		11600: "InterruptedAtShutdown",
		11602: "InterruptedDueToReplStateChange",
		13388: "StaleConfig",
		13435: "NotPrimaryNoSecondaryOk",
		13436: "NotPrimaryOrSecondary",
	}
)

// wrap prefixes err with the operation and classifies it: a missing document
// becomes store.ErrNotFound, an expired context and network or timeout
// failures store.ErrUnavailable; a canceled context stays context.Canceled.
func wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("mongostore: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("mongostore: %s: %w", op, classify(ctx, err))
}

func classify(ctx context.Context, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrRejected) || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		switch {
		case errors.Is(cerr, context.DeadlineExceeded) && errors.Is(err, cerr):
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		case errors.Is(cerr, context.DeadlineExceeded):
			return fmt.Errorf("%w: %w (%w)", store.ErrUnavailable, err, cerr)
		case errors.Is(err, cerr):
			return err
		}
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	if retryable(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// retryable reports failures that another attempt may not meet.
func retryable(err error) bool {
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) || errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var le mongo.LabeledError
	if errors.As(err, &le) && (le.HasErrorLabel("RetryableWriteError") || le.HasErrorLabel("TransientTransactionError")) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for code := range unavailableCodes {
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	return false
}

// writeError turns one statement's write error into a value-free error: the
// server's message can quote the document ("Cannot create field 'x' in
// element {activity_json: "..."}"), so only its code is kept.
func writeError(we mongo.WriteError) error {
	if name, ok := rejectedCodes[we.Code]; ok {
		return fmt.Errorf("%w: write error %d (%s)", store.ErrRejected, we.Code, name)
	}
	if name, ok := unavailableCodes[we.Code]; ok {
		return fmt.Errorf("%w: write error %d (%s)", store.ErrUnavailable, we.Code, name)
	}
	return fmt.Errorf("mongostore: write error %d", we.Code)
}

// bulkErrors splits the error of one BulkWrite into its statements' write
// errors (nil when err is nil) and a failure of the whole command (a network
// or command error, or a write concern error: nothing is known then).
func bulkErrors(err error) ([]mongo.BulkWriteError, error) {
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return nil, err
	}
	return bwe.WriteErrors, nil
}

func asWriteException(err error, we *mongo.WriteException) bool { return errors.As(err, we) }

func asBulk(err error, bwe *mongo.BulkWriteException) bool { return errors.As(err, bwe) }
