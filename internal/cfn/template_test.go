package cfn

import (
	"os"
	"reflect"
	"testing"
)

// TestRepoTemplate checks the properties of the project's template.yaml that
// the processor's exactly-once and failure handling depend on, so a broken
// template fails `make test` instead of a deployment.
func TestRepoTemplate(t *testing.T) {
	data, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if tpl["Transform"] != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %v", tpl["Transform"])
	}
	globals := Path(tpl, "Globals", "Function")
	for k, want := range map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"Tracing":       "Active",
	} {
		if got := Path(globals, k); !reflect.DeepEqual(got, want) {
			t.Errorf("Globals.Function.%s = %v, want %v", k, got, want)
		}
	}
	if env := Path(globals, "Environment", "Variables"); Path(env, "MONGODB_URI") != nil {
		t.Error("MONGODB_URI must not be a plain environment value; pass a secret reference")
	}

	res := func(name string) any {
		r := Path(tpl, "Resources", name)
		if r == nil {
			t.Fatalf("resource %s missing", name)
		}
		return r
	}
	for _, fn := range []string{"ProcessorFunction", "ArchiverFunction"} {
		r := res(fn)
		if Path(r, "Type") != "AWS::Serverless::Function" || Path(r, "Metadata", "BuildMethod") != "makefile" {
			t.Errorf("%s: want a makefile-built AWS::Serverless::Function", fn)
		}
	}

	kin := Path(res("ProcessorFunction"), "Properties", "Events", "HistoryStream")
	if Path(kin, "Type") != "Kinesis" {
		t.Fatalf("processor event type = %v, want Kinesis", Path(kin, "Type"))
	}
	props := Path(kin, "Properties")
	for k, want := range map[string]any{
		"Stream":                         map[string]any{"Ref": "StreamArn"},
		"StartingPosition":               map[string]any{"Ref": "StartingPosition"},
		"BatchSize":                      map[string]any{"Ref": "BatchSize"},
		"MaximumBatchingWindowInSeconds": map[string]any{"Ref": "MaximumBatchingWindowInSeconds"},
		"ParallelizationFactor":          map[string]any{"Ref": "ParallelizationFactor"},
		"BisectBatchOnFunctionError":     true,
		"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
		"MaximumRetryAttempts":           map[string]any{"Ref": "MaximumRetryAttempts"},
		"MaximumRecordAgeInSeconds":      map[string]any{"Ref": "MaximumRecordAgeInSeconds"},
		"MetricsConfig":                  map[string]any{"Metrics": []any{"EventCount"}},
	} {
		if got := Path(props, k); !reflect.DeepEqual(got, want) {
			t.Errorf("Kinesis event %s = %#v, want %#v", k, got, want)
		}
	}
	onFailure := Path(props, "DestinationConfig", "OnFailure")
	if Path(onFailure, "Type") != "SQS" || !reflect.DeepEqual(Path(onFailure, "Destination"), map[string]any{"Fn::GetAtt": []any{"OnFailureQueue", "Arn"}}) {
		t.Errorf("OnFailure destination = %#v, want the OnFailureQueue's ARN", onFailure)
	}
	if Path(res("OnFailureQueue"), "Type") != "AWS::SQS::Queue" {
		t.Error("OnFailureQueue is not an SQS queue")
	}

	sweep := Path(res("ArchiverFunction"), "Properties", "Events", "Sweep")
	if Path(sweep, "Type") != "ScheduleV2" {
		t.Errorf("archiver event type = %v, want ScheduleV2", Path(sweep, "Type"))
	}

	params := Path(tpl, "Parameters")
	for _, p := range []string{"StreamArn", "MongoDBUriSecretArn", "ArweaveWalletSecretArn", "BatchSize",
		"MaximumBatchingWindowInSeconds", "ParallelizationFactor", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds"} {
		if Path(params, p) == nil {
			t.Errorf("parameter %s missing", p)
		}
	}
	if got := Path(params, "ParallelizationFactor", "MaxValue"); got != 10 {
		t.Errorf("ParallelizationFactor MaxValue = %v, want 10", got)
	}
}
