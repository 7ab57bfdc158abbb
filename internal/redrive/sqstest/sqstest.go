// Package sqstest runs goaws (github.com/Admiral-Piett/goaws), an SQS API
// server, inside the test process on a free 127.0.0.1 port.
//
// goaws v0.4.5 speaks SQS's query protocol (form-encoded requests, XML
// answers) while aws-sdk-go-v2's SQS client speaks only the JSON protocol
// (AWS JSON 1.0, X-Amz-Target: AmazonSQS.<Action>). A thin front translates
// the requests of the actions below to the query form and goaws's answers
// back to JSON; queues, visibility timeouts, receipt handles and deletion
// are goaws's own. Actions: CreateQueue, SendMessage, ReceiveMessage,
// DeleteMessage, ChangeMessageVisibility, GetQueueAttributes.
//
// goaws keeps its queues in package-level state: give each test its own
// queue name.
package sqstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	log "github.com/sirupsen/logrus"
)

// goaws's environment is global to the process: one server per process.
var (
	once     sync.Once
	endpoint string
	startErr error
)

// Start returns the endpoint of the process's goaws server, starting it on
// first use; it stops when the test binary exits.
func Start(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		log.SetOutput(io.Discard)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			startErr = err
			return
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		app.CurrentEnvironment = app.Environment{Host: "127.0.0.1", Port: port, AccountID: "000000000000"}
		app.CurrentEnvironment.QueueAttributeDefaults.VisibilityTimeout = 30
		app.CurrentEnvironment.QueueAttributeDefaults.MaximumMessageSize = 262144
		app.SyncQueues.Queues = make(map[string]*app.Queue)
		app.SyncTopics.Topics = make(map[string]*app.Topic)
		go http.Serve(l, front{router.New()})
		endpoint = "http://127.0.0.1:" + port
	})
	if startErr != nil {
		tb.Fatalf("sqstest: %v", startErr)
	}
	return endpoint
}

// NewClient returns an aws-sdk-go-v2 SQS client for endpoint.
func NewClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
}

// front translates JSON-protocol requests to goaws's query protocol.
type front struct{ goaws http.Handler }

func (f front) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	action, ok := strings.CutPrefix(req.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if !ok {
		f.goaws.ServeHTTP(w, req)
		return
	}
	var in map[string]any
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	form := url.Values{"Action": {action}}
	for k, v := range in {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case float64:
			form.Set(k, strconv.FormatInt(int64(v), 10))
		case map[string]any: // Attributes of CreateQueue
			i := 1
			for name, val := range v {
				form.Set(fmt.Sprintf("Attribute.%d.Name", i), name)
				form.Set(fmt.Sprintf("Attribute.%d.Value", i), fmt.Sprint(val))
				i++
			}
		case []any: // AttributeNames
			for i, name := range v {
				form.Set(fmt.Sprintf("AttributeName.%d", i+1), fmt.Sprint(name))
			}
		}
	}
	qreq := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	qreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	f.goaws.ServeHTTP(rec, qreq)
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `xml:"Error"`
		}
		xml.Unmarshal(body, &e)
		writeErr(w, rec.Code, e.Error.Code, e.Error.Message)
		return
	}
	out, err := translate(action, body)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

func translate(action string, body []byte) (any, error) {
	switch action {
	case "CreateQueue":
		var r struct {
			URL string `xml:"CreateQueueResult>QueueUrl"`
		}
		err := xml.Unmarshal(body, &r)
		return map[string]string{"QueueUrl": r.URL}, err
	case "SendMessage":
		var r struct {
			ID  string `xml:"SendMessageResult>MessageId"`
			MD5 string `xml:"SendMessageResult>MD5OfMessageBody"`
		}
		err := xml.Unmarshal(body, &r)
		return map[string]string{"MessageId": r.ID, "MD5OfMessageBody": r.MD5}, err
	case "ReceiveMessage":
		var r struct {
			Messages []struct {
				MessageID     string `xml:"MessageId"`
				ReceiptHandle string `xml:"ReceiptHandle"`
				MD5OfBody     string `xml:"MD5OfBody"`
				Body          string `xml:"Body"`
			} `xml:"ReceiveMessageResult>Message"`
		}
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		msgs := make([]map[string]string, len(r.Messages))
		for i, m := range r.Messages {
			msgs[i] = map[string]string{"MessageId": m.MessageID, "ReceiptHandle": m.ReceiptHandle, "MD5OfBody": m.MD5OfBody, "Body": m.Body}
		}
		return map[string]any{"Messages": msgs}, nil
	case "GetQueueAttributes":
		var r struct {
			Attrs []struct{ Name, Value string } `xml:"GetQueueAttributesResult>Attribute"`
		}
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		attrs := map[string]string{}
		for _, a := range r.Attrs {
			attrs[a.Name] = a.Value
		}
		return map[string]any{"Attributes": attrs}, nil
	case "DeleteMessage", "ChangeMessageVisibility":
		return map[string]string{}, nil
	}
	return nil, fmt.Errorf("sqstest: action %s is not translated", action)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	if code == "" {
		code = "InternalError"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}
