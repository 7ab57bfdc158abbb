// Package secrets resolves secret references with AWS Secrets Manager. The
// AWS configuration is built on first use, so functions that run with plain
// local configuration never touch AWS.
//
// The configuration is the one Lambda hands a function: the region and the
// execution role's credentials in environment variables (sam local invoke
// passes a profile's credentials the same way). The SDK's default loader
// would also look for shared config files, SSO, credential processes and
// instance metadata, none of which a function has; its packages cost every
// cold start about 2.5 ms of init and the arm64 binary 1.7 MiB.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// ErrNoCredentials reports an environment without the region or the
// credentials Lambda sets.
var ErrNoCredentials = errors.New("secrets: no AWS region or credentials in the environment")

// AWS implements config.SecretSource.
type AWS struct {
	// Config loads the AWS configuration on first use; nil means the
	// Lambda environment's (EnvConfig with os.Getenv). The operator CLI
	// passes the SDK's default loader, for profiles and SSO.
	Config func(context.Context) (aws.Config, error)

	once   sync.Once
	client *secretsmanager.Client
	err    error
}

func (a *AWS) load(ctx context.Context) error {
	a.once.Do(func() {
		var cfg aws.Config
		if a.Config != nil {
			cfg, a.err = a.Config(ctx)
		} else {
			cfg, a.err = EnvConfig(os.Getenv)
		}
		a.client = secretsmanager.NewFromConfig(cfg)
	})
	return a.err
}

// EnvConfig is the AWS configuration of a Lambda function's environment:
// AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and the SDK's endpoint
// variables. Error messages name the variables, never their values.
func EnvConfig(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	key, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if secret == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("%w: %v not set", ErrNoCredentials, missing)
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN")),
	}
	// LocalStack and tests point the client elsewhere as the SDK's loader
	// lets them.
	for _, v := range []string{"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"} {
		if u := getenv(v); u != "" {
			cfg.BaseEndpoint = aws.String(u)
			break
		}
	}
	return cfg, nil
}

// SecretString returns the string value of a Secrets Manager secret.
func (a *AWS) SecretString(ctx context.Context, secretID string) (string, error) {
	if err := a.load(ctx); err != nil {
		return "", fmt.Errorf("secrets: loading AWS configuration: %w", err)
	}
	out, err := a.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return "", fmt.Errorf("secrets: get secret value: %w", err)
	}
	return aws.ToString(out.SecretString), nil
}
