package esm

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		field  string // "" when valid
	}{
		{"template defaults", func(*Config) {}, ""},
		{"batch size 1", func(c *Config) { c.BatchSize = 1 }, ""},
		{"batch size 10000", func(c *Config) { c.BatchSize = 10000 }, ""},
		{"batch size 0", func(c *Config) { c.BatchSize = 0 }, "BatchSize"},
		{"batch size 10001", func(c *Config) { c.BatchSize = 10001 }, "BatchSize"},
		{"window 300s", func(c *Config) { c.MaximumBatchingWindow = 300 * time.Second }, ""},
		{"window 301s", func(c *Config) { c.MaximumBatchingWindow = 301 * time.Second }, "MaximumBatchingWindow"},
		{"window negative", func(c *Config) { c.MaximumBatchingWindow = -time.Second }, "MaximumBatchingWindow"},
		{"parallelization 10", func(c *Config) { c.ParallelizationFactor = 10 }, ""},
		{"parallelization 0", func(c *Config) { c.ParallelizationFactor = 0 }, "ParallelizationFactor"},
		{"parallelization 11", func(c *Config) { c.ParallelizationFactor = 11 }, "ParallelizationFactor"},
		{"retries infinite", func(c *Config) { c.MaximumRetryAttempts = -1 }, ""},
		{"retries 0", func(c *Config) { c.MaximumRetryAttempts = 0 }, ""},
		{"retries 10000", func(c *Config) { c.MaximumRetryAttempts = 10000 }, ""},
		{"retries -2", func(c *Config) { c.MaximumRetryAttempts = -2 }, "MaximumRetryAttempts"},
		{"retries 10001", func(c *Config) { c.MaximumRetryAttempts = 10001 }, "MaximumRetryAttempts"},
		{"age infinite", func(c *Config) { c.MaximumRecordAge = -1 }, ""},
		{"age 60s", func(c *Config) { c.MaximumRecordAge = 60 * time.Second }, ""},
		{"age 604800s", func(c *Config) { c.MaximumRecordAge = 604800 * time.Second }, ""},
		{"age 59s", func(c *Config) { c.MaximumRecordAge = 59 * time.Second }, "MaximumRecordAge"},
		{"age 0", func(c *Config) { c.MaximumRecordAge = 0 }, "MaximumRecordAge"},
		{"age 604801s", func(c *Config) { c.MaximumRecordAge = 604801 * time.Second }, "MaximumRecordAge"},
		{"timeout 900s", func(c *Config) { c.FunctionTimeout = 900 * time.Second }, ""},
		{"timeout 10ms", func(c *Config) { c.FunctionTimeout = 10 * time.Millisecond }, ""},
		{"timeout 0", func(c *Config) { c.FunctionTimeout = 0 }, "FunctionTimeout"},
		{"timeout 901s", func(c *Config) { c.FunctionTimeout = 901 * time.Second }, "FunctionTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig naming %s", err, tt.field)
			}
		})
	}
}

func TestConfigValidateReportsEveryField(t *testing.T) {
	err := Config{}.Validate()
	for _, f := range []string{"BatchSize", "ParallelizationFactor", "MaximumRecordAge", "FunctionTimeout"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("zero Config: %v does not name %s", err, f)
		}
	}
}

func TestRunRejectsInvalidConfig(t *testing.T) {
	m := &Mapping{Source: newStream(t, 1, nil), Handler: (&recorder{}).handle}
	if _, err := m.Run(t.Context()); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Run with zero Config = %v, want ErrInvalidConfig", err)
	}
	m = &Mapping{Config: DefaultConfig()}
	if _, err := m.Run(t.Context()); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Run without Source and Handler = %v, want ErrInvalidConfig", err)
	}
}
