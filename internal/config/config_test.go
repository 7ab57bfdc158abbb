package config

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

type fakeSecrets map[string]string

func (f fakeSecrets) SecretString(_ context.Context, id string) (string, error) {
	if v, ok := f["sm:"+id]; ok {
		return v, nil
	}
	return "", errors.New("ResourceNotFoundException: secret " + id)
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadProcessor(t *testing.T) {
	src := fakeSecrets{"sm:arn:db": "mongodb://secret-host/"}
	tests := []struct {
		name    string
		env     map[string]string
		wantURI string
		wantErr string // substring; "" = no error
	}{
		{"embedded default", map[string]string{}, "", ""},
		{"plain uri", map[string]string{"MONGODB_URI": "mongodb://localhost:27017"}, "mongodb://localhost:27017", ""},
		{"secrets manager", map[string]string{"MONGODB_URI_SECRET_ARN": "arn:db"}, "mongodb://secret-host/", ""},
		// Ignored, an SSM parameter would leave the function on the embedded store.
		{"ssm refused", map[string]string{"MONGODB_URI_PARAMETER": "/kleo/db"}, "", "MONGODB_URI_PARAMETER: SSM Parameter Store is no longer read"},
		{"ssm refused beside a uri", map[string]string{"MONGODB_URI": "mongodb://x", "MONGODB_URI_PARAMETER": "/kleo/db"}, "", "MONGODB_URI_PARAMETER: SSM"},
		{"two sources", map[string]string{"MONGODB_URI": "mongodb://x", "MONGODB_URI_SECRET_ARN": "arn:db"}, "", "MONGODB_URI: set only one"},
		{"missing secret", map[string]string{"MONGODB_URI_SECRET_ARN": "arn:nope"}, "", "MONGODB_URI_SECRET_ARN: cannot read it"},
		{"not a mongo uri", map[string]string{"MONGODB_URI": "postgres://x"}, "", "MONGODB_URI: want a mongodb://"},
		{"bad timeout", map[string]string{"MONGODB_CONNECT_TIMEOUT": "soon"}, "", "MONGODB_CONNECT_TIMEOUT: want a positive duration"},
		{"bad level", map[string]string{"LOG_LEVEL": "loud"}, "", "LOG_LEVEL: want debug"},
		{"bad dimensions", map[string]string{"METRICS_DIMENSIONS": "Stage"}, "", "METRICS_DIMENSIONS: want name=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadProcessor(context.Background(), getenv(tt.env), src)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.MongoURI != tt.wantURI {
				t.Errorf("MongoURI = %q, want %q", c.MongoURI, tt.wantURI)
			}
		})
	}
}

func TestLoadProcessorDefaults(t *testing.T) {
	c, err := LoadProcessor(context.Background(), getenv(map[string]string{"METRICS_DIMENSIONS": "Stage=prod"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database != "Kleo" || c.DeadLetterRetention != 14*24*time.Hour || c.ConnectTimeout != 5*time.Second || c.Metrics.Namespace != "Kleo" || c.Metrics.Dimensions["Stage"] != "prod" {
		t.Errorf("unexpected defaults %+v", c)
	}
}

func TestLoadArchiverWallet(t *testing.T) {
	src := fakeSecrets{"sm:arn:wallet": `{"kty":"RSA"}`}
	files := func(p string) ([]byte, error) {
		if p == "w.json" {
			return []byte(`{"kty":"RSA","n":"file"}`), nil
		}
		return nil, errors.New("no such file")
	}
	tests := []struct {
		name       string
		env        map[string]string
		wantWallet string
		wantErr    string
	}{
		{"file", map[string]string{"ARWEAVE_WALLET_FILE": "w.json"}, `{"kty":"RSA","n":"file"}`, ""},
		{"secret", map[string]string{"ARWEAVE_WALLET_SECRET_ARN": "arn:wallet"}, `{"kty":"RSA"}`, ""},
		{"none", map[string]string{}, "", "no wallet"},
		{"missing file", map[string]string{"ARWEAVE_WALLET_FILE": "x.json"}, "", "ARWEAVE_WALLET_FILE: cannot read"},
		{"two", map[string]string{"ARWEAVE_WALLET_FILE": "w.json", "ARWEAVE_WALLET_SECRET_ARN": "arn:wallet"}, "", "only one wallet source"},
		{"ssm refused", map[string]string{"ARWEAVE_WALLET_PARAMETER": "/kleo/wallet"}, "", "ARWEAVE_WALLET_PARAMETER: SSM Parameter Store is no longer read"},
		{"ssm beside a file", map[string]string{"ARWEAVE_WALLET_FILE": "w.json", "ARWEAVE_WALLET_PARAMETER": "/kleo/wallet"}, "", "only one wallet source"},
		{"bad mode", map[string]string{"ARWEAVE_WALLET_FILE": "w.json", "ARWEAVE_MODE": "ftp"}, "", "ARWEAVE_MODE"},
		{"bad URL base", map[string]string{"ARWEAVE_WALLET_FILE": "w.json", "ARCHIVE_URL_BASE": "arweave.net"}, "", "ARCHIVE_URL_BASE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadArchiver(context.Background(), getenv(tt.env), src, files)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "kty") {
					t.Errorf("error leaks wallet content: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Wallet) != tt.wantWallet || c.URLBase != "https://arweave.net" || c.Mode != "bundler" || c.BundlerURL != "https://upload.ardrive.io/v1" {
				t.Errorf("got wallet %q URL base %q mode %q bundler %q", c.Wallet, c.URLBase, c.Mode, c.BundlerURL)
			}
		})
	}
}
