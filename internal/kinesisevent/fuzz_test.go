package kinesisevent

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzDecode checks that Decode agrees with aws-lambda-go's own decoding on
// every payload: the same event, or an error with the same message.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(sample))
	f.Add(batch(f, 2, 1, 200))
	f.Add([]byte(`{"Records":[{"kinesis":{"data":"SGk=","approximateArrivalTimestamp":1.5,"encryptionType":"KMS"},"eventID":"a"},null,{}],"x":{"y":[true,false,null,"s"]}}`))
	f.Add([]byte(`{"records":[{"Kinesis":{"DATA":"SGk="}}],"Records":[{"eventID":"b"}]}`))
	f.Add([]byte(`{"Records":[{"kinesis":{"data":[104,105],"data":"SGk="}}]}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		agree(t, payload)
	})
}

// FuzzResponse checks AppendResponse against encoding/json as aws-lambda-go
// configures it.
func FuzzResponse(f *testing.F) {
	f.Add("49590338271490256608559692538361571095921575989136588898", "")
	f.Add("<&>\"\\\n\x00\u2028é\xff", "\x7f")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, r := range []events.KinesisEventResponse{
			{}, {BatchItemFailures: []events.KinesisBatchItemFailure{}},
			{BatchItemFailures: []events.KinesisBatchItemFailure{{ItemIdentifier: a}, {ItemIdentifier: b}}},
		} {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			if got := AppendResponse(nil, r); string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
				t.Fatalf("AppendResponse = %s, encoding/json %s", got, want.Bytes())
			}
		}
	})
}
