// Package secrets resolves secret references with AWS Secrets Manager. The
// AWS configuration is loaded on first use, so functions that run with plain
// local configuration never touch AWS.
package secrets

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// AWS implements config.SecretSource.
type AWS struct {
	once sync.Once
	cfg  aws.Config
	err  error
}

func (a *AWS) load(ctx context.Context) error {
	a.once.Do(func() { a.cfg, a.err = awsconfig.LoadDefaultConfig(ctx) })
	return a.err
}

// SecretString returns the string value of a Secrets Manager secret.
func (a *AWS) SecretString(ctx context.Context, secretID string) (string, error) {
	if err := a.load(ctx); err != nil {
		return "", fmt.Errorf("secrets: loading AWS configuration: %w", err)
	}
	out, err := secretsmanager.NewFromConfig(a.cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return "", fmt.Errorf("secrets: get secret value: %w", err)
	}
	return aws.ToString(out.SecretString), nil
}
