package redrive

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestReadS3 reads an S3 on-failure destination's object (the invocation
// record with its payload) from gofakes3 through aws-sdk-go-v2.
func TestReadS3(t *testing.T) {
	be := s3mem.New()
	if err := be.CreateBucket("kleo-on-failure"); err != nil {
		t.Fatal(err)
	}
	event := `{"Records":[{"eventID":"shardId-000000000000:100","kinesis":{"sequenceNumber":"100","partitionKey":"k","data":"e30="}},` +
		`{"eventID":"shardId-000000000000:200","kinesis":{"sequenceNumber":"200","partitionKey":"k","data":"e30="}}]}`
	obj := strings.TrimSuffix(onFailure(t, "shardId-000000000000", "100", "200", 2), "}") + `,"payload":` + mustJSON(t, event) + "}"
	key := "aws/lambda/esm/2026/12/01/shardId-000000000000-100.json"
	if _, err := be.PutObject("kleo-on-failure", key, map[string]string{}, strings.NewReader(obj), int64(len(obj)), nil); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: gofakes3.New(be).Server()}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + l.Addr().String()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})

	bs, err := ReadS3(context.Background(), c, "kleo-on-failure", key)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || len(bs[0].Records) != 2 || bs[0].Records[1].Kinesis.SequenceNumber != "200" || string(bs[0].Records[0].Kinesis.Data) != "{}" {
		t.Fatalf("ReadS3 = %+v", bs)
	}
	if _, err := ReadS3(context.Background(), c, "kleo-on-failure", "missing.json"); err == nil {
		t.Fatal("ReadS3 of a missing key: no error")
	}
}
