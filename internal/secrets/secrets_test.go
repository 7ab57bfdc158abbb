package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func envOf(m map[string]string) func(context.Context) (aws.Config, error) {
	return func(context.Context) (aws.Config, error) { return EnvConfig(env(m)) }
}

func TestEnvConfig(t *testing.T) {
	full := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "tok"}
	for _, tc := range []struct {
		name    string
		drop    []string
		add     map[string]string
		region  string
		missing string // a variable the error must name; "" for success
	}{
		{name: "lambda", region: "eu-west-1"},
		{name: "default region", drop: []string{"AWS_REGION"}, add: map[string]string{"AWS_DEFAULT_REGION": "us-east-2"}, region: "us-east-2"},
		{name: "no region", drop: []string{"AWS_REGION"}, missing: "AWS_REGION"},
		{name: "no key", drop: []string{"AWS_ACCESS_KEY_ID"}, missing: "AWS_ACCESS_KEY_ID"},
		{name: "no secret", drop: []string{"AWS_SECRET_ACCESS_KEY"}, missing: "AWS_SECRET_ACCESS_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range full {
				m[k] = v
			}
			for _, k := range tc.drop {
				delete(m, k)
			}
			for k, v := range tc.add {
				m[k] = v
			}
			cfg, err := EnvConfig(env(m))
			if tc.missing != "" {
				if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), tc.missing) {
					t.Fatalf("err = %v, want ErrNoCredentials naming %s", err, tc.missing)
				}
				for _, v := range full {
					if strings.Contains(err.Error(), v) {
						t.Fatalf("the error %q shows a value", err)
					}
				}
				return
			}
			if err != nil || cfg.Region != tc.region {
				t.Fatalf("region %q, %v; want %q", cfg.Region, err, tc.region)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "wJalrXUtnFEMI" || creds.SessionToken != "tok" {
				t.Fatalf("credentials %+v, %v", creds, err)
			}
		})
	}
}

// TestSecretString asks a loopback server that speaks Secrets Manager's
// JSON protocol, through the SDK client: the request is signed with the
// environment's credentials for its region, and the value comes back.
func TestSecretString(t *testing.T) {
	var auth, target string
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, target = r.Header.Get("Authorization"), r.Header.Get("X-Amz-Target")
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:kleo-mongo","Name":"kleo-mongo","SecretString":"mongodb://u:p@db.example:27017"}`)
	}))
	defer srv.Close()
	a := &AWS{Config: envOf(map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL})}
	got, err := a.SecretString(context.Background(), "kleo-mongo")
	if err != nil || got != "mongodb://u:p@db.example:27017" {
		t.Fatalf("SecretString = %q, %v", got, err)
	}
	if target != "secretsmanager.GetSecretValue" || body["SecretId"] != "kleo-mongo" {
		t.Errorf("request %s %v", target, body)
	}
	if !strings.Contains(auth, "Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/secretsmanager/aws4_request") {
		t.Errorf("Authorization %q: not signed with the environment's key for its region", auth)
	}

	a = &AWS{Config: envOf(map[string]string{"AWS_REGION": "eu-west-1"})}
	if _, err := a.SecretString(context.Background(), "kleo-mongo"); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("without credentials: %v, want ErrNoCredentials", err)
	}
}
