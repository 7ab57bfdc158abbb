package redrive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSAPI is the part of the SQS client the queue re-drive needs.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// S3API is the part of the S3 client reading an on-failure object needs.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Batch re-drives (or, in a dry run, plans) one discarded batch. The
// returned error is nil when the batch is finished: every record still in
// the stream is counted, found counted, or dead-lettered. A batch with
// records trimmed from the stream is re-driven as far as it can be and
// reported with an error wrapping ErrTrimmed.
func (r *Runner) Batch(ctx context.Context, b Batch) (Summary, error) {
	s := Summary{Apply: r.Apply, Batches: 1}
	recs := b.Records
	var trimmed error
	if recs == nil {
		if r.Kinesis == nil {
			return s, errors.New("redrive: the batch carries no records and no Kinesis client is set")
		}
		var err error
		recs, err = Reread(ctx, r.Kinesis, b)
		if err != nil && !errors.Is(err, ErrTrimmed) {
			return s, err
		}
		trimmed = err
		s.Trimmed = max(0, b.Info.BatchSize-len(recs))
		if s.Trimmed == 0 && err != nil {
			s.Trimmed = 1 // the first record is gone though the count matches
		}
	}
	s.Records = len(recs)
	where := fmt.Sprintf("%s %s..%s", b.Info.ShardID, b.Info.StartSequenceNumber, b.Info.EndSequenceNumber)
	if !r.Apply {
		p, err := r.plan(ctx, recs)
		if err != nil {
			return s, err
		}
		s.Counted, s.AlreadyCounted, s.DeadLettered = p.fresh, p.counted, p.unknownUser+p.undecodable
		r.printf("would re-drive %s: %d records (%d new, %d already counted, %d for unknown or malformed users, %d undecodable), %d trimmed\n",
			where, len(recs), p.fresh, p.counted, p.unknownUser, p.undecodable, s.Trimmed)
		return s, trimmed
	}
	o, err := r.drive(ctx, recs)
	s.Invocations = o.invocations
	s.Counted = o.counted
	s.DeadLettered = len(o.letters)
	s.AlreadyCounted = max(0, len(recs)-s.Counted-s.DeadLettered)
	if err != nil {
		return s, fmt.Errorf("redrive: %s: %w", where, err)
	}
	r.printf("re-drove %s: %d records, %d counted, %d already counted, %d dead-lettered, %d trimmed\n",
		where, len(recs), s.Counted, s.AlreadyCounted, s.DeadLettered, s.Trimmed)
	return s, trimmed
}

// Batches re-drives saved on-failure records in order. A batch that fails
// stops the run; a trimmed one is counted and the run goes on.
func (r *Runner) Batches(ctx context.Context, bs []Batch) (Summary, error) {
	total := Summary{Apply: r.Apply}
	n := 0
	for _, b := range bs {
		n += b.Info.BatchSize
	}
	defer r.startBar(n, "re-drive")()
	var trimmed []error
	for _, b := range bs {
		s, err := r.Batch(ctx, b)
		total.add(s)
		if errors.Is(err, ErrTrimmed) {
			trimmed = append(trimmed, err)
			continue
		}
		if err != nil {
			return total, err
		}
	}
	return total, errors.Join(trimmed...)
}

// Queue re-drives the on-failure records in an SQS queue. With Apply, each
// message is deleted once its batch is finished (a batch with trimmed
// records only with AcceptTrimmed); messages that are kept, and every
// message of a dry run, are made visible again at the end. visibility is how
// long a received message stays hidden while its batch is worked on.
func (r *Runner) Queue(ctx context.Context, c SQSAPI, queueURL string, visibility int32) (Summary, error) {
	total := Summary{Apply: r.Apply}
	defer r.startBar(-1, "re-drive")()
	seen := map[string]bool{}
	var keep []string // receipt handles to release
	defer func() {
		for _, h := range keep {
			// Best effort: a message not released reappears after its timeout.
			c.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(h), VisibilityTimeout: 0,
			})
		}
	}()
	var problems []error
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			VisibilityTimeout: visibility, WaitTimeSeconds: 1,
		})
		if err != nil {
			return total, fmt.Errorf("redrive: ReceiveMessage: %w", err)
		}
		fresh := 0
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id] = true
			fresh++
			b, err := ParseOnFailure([]byte(aws.ToString(m.Body)))
			if err != nil {
				total.Unreadable++
				r.printf("message %s: %v (kept)\n", id, err)
				keep = append(keep, aws.ToString(m.ReceiptHandle))
				continue
			}
			b.Origin = "sqs:" + id
			s, err := r.Batch(ctx, b)
			total.add(s)
			done := err == nil || (errors.Is(err, ErrTrimmed) && r.AcceptTrimmed)
			if err != nil {
				if !errors.Is(err, ErrTrimmed) {
					keep = append(keep, aws.ToString(m.ReceiptHandle))
					return total, err
				}
				problems = append(problems, err)
			}
			if !r.Apply || !done {
				keep = append(keep, aws.ToString(m.ReceiptHandle))
				continue
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return total, fmt.Errorf("redrive: deleting message %s (its batch is done; deleting it later is safe): %w", id, err)
			}
			total.Deleted++
		}
		if fresh == 0 {
			return total, errors.Join(problems...)
		}
	}
}

// ReadS3 reads the on-failure records of an S3 destination's object.
func ReadS3(ctx context.Context, c S3API, bucket, key string) ([]Batch, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("redrive: GetObject s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	return ReadFile(io.LimitReader(out.Body, 256<<20), "s3://"+bucket+"/"+key)
}

// ParseS3URL splits s3://bucket/key.
func ParseS3URL(u string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	bucket, key, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || bucket == "" || key == "" {
		return "", "", fmt.Errorf("redrive: %q is not s3://bucket/key", u)
	}
	return bucket, key, nil
}
