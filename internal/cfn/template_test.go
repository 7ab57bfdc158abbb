package cfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
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
		"Stream": map[string]any{"Fn::If": []any{"HasStreamConsumer",
			map[string]any{"Ref": "StreamConsumerArn"}, map[string]any{"Ref": "StreamArn"}}},
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

// TestRepoTemplateDeploy checks what makes the template deployable twice in
// one account and region, and safe to delete: see the README's deploy section.
func TestRepoTemplateDeploy(t *testing.T) {
	tpl := repoTemplate(t)
	res := func(name string) any {
		r := Path(tpl, "Resources", name)
		if r == nil {
			t.Fatalf("resource %s missing", name)
		}
		return r
	}
	ref := func(p string) any { return map[string]any{"Ref": p} }
	noValue := ref("AWS::NoValue")

	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"ProcessorFunction", "ArchiverFunction"} {
		r := res(fn)
		// sam build copies CodeUri to a scratch directory before it runs make:
		// CodeUri is the function's own directory of Go files, and make runs
		// the repository's Makefile in the repository root.
		dir := "functions/" + strings.ToLower(strings.TrimSuffix(fn, "Function"))
		if got := Path(r, "Properties", "CodeUri"); got != dir {
			t.Errorf("%s CodeUri = %v, want %s (sam build copies all of it)", fn, got, dir)
		}
		entries, err := os.ReadDir("../../" + dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
				t.Errorf("%s: %s/%s is copied by every sam build; keep CodeUri to the function's Go files", fn, dir, e.Name())
			}
		}
		for _, k := range []string{"ContextPath", "WorkingDirectory"} {
			if got := Path(r, "Metadata", k); got != "." {
				t.Errorf("%s Metadata.%s = %v, want . (the repository's Makefile, run in the module root)", fn, k, got)
			}
		}
		if !regexp.MustCompile(`(?m)^(\S+ )*build-` + fn + `( \S+)*:`).Match(makefile) {
			t.Errorf("the Makefile has no build-%s target for sam build", fn)
		}
		if p := Path(r, "Properties", "Policies"); p != nil {
			t.Errorf("%s: Policies %v; the function's own role (Role) grants what it needs", fn, p)
		}
		// Logs go to a log group of the stack's, which expires them.
		group := strings.TrimSuffix(fn, "Function") + "LogGroup"
		if got := Path(r, "Properties", "LoggingConfig", "LogGroup"); !reflect.DeepEqual(got, ref(group)) {
			t.Errorf("%s LoggingConfig.LogGroup = %v, want !Ref %s", fn, got, group)
		}
		if Path(res(group), "Type") != "AWS::Logs::LogGroup" ||
			!reflect.DeepEqual(Path(res(group), "Properties", "RetentionInDays"), ref("LogRetentionInDays")) {
			t.Errorf("%s: want an AWS::Logs::LogGroup with RetentionInDays !Ref LogRetentionInDays", group)
		}
	}
	if v, _ := Path(tpl, "Parameters", "LogRetentionInDays", "AllowedValues").([]any); !slices.Contains(v, any(Path(tpl, "Parameters", "LogRetentionInDays", "Default"))) {
		t.Errorf("LogRetentionInDays default is not one of its allowed values %v", v)
	}

	q := res("OnFailureQueue")
	if Path(q, "DeletionPolicy") != "Retain" || Path(q, "UpdateReplacePolicy") != "Retain" {
		t.Error("OnFailureQueue: deleting or replacing the stack must keep the pointers to failed batches (Retain)")
	}
	if Path(q, "Properties", "SqsManagedSseEnabled") != true {
		t.Error("OnFailureQueue: want server-side encryption")
	}

	arch := Path(res("ArchiverFunction"), "Properties")
	want := map[string]any{"Fn::If": []any{"HasArchiverReservedConcurrency", ref("ArchiverReservedConcurrency"), noValue}}
	if got := Path(arch, "ReservedConcurrentExecutions"); !reflect.DeepEqual(got, want) {
		t.Errorf("archiver ReservedConcurrentExecutions = %v, want it only when ArchiverReservedConcurrency is set", got)
	}
	if got := Path(tpl, "Parameters", "ArchiverReservedConcurrency", "Default"); got != "" {
		t.Errorf("ArchiverReservedConcurrency default %v, want none reserved", got)
	}
	if got := Path(arch, "EventInvokeConfig", "MaximumRetryAttempts"); got != 0 {
		t.Errorf("archiver EventInvokeConfig.MaximumRetryAttempts = %v, want 0 (a retried sweep overlaps the next)", got)
	}
	sweep := Path(arch, "Events", "Sweep", "Properties")
	if Path(sweep, "OmitName") != true || Path(sweep, "Name") != nil {
		t.Errorf("Sweep schedule: OmitName %v, Name %v; want CloudFormation to name it", Path(sweep, "OmitName"), Path(sweep, "Name"))
	}

	// The database default is the functions' own default.
	cfg, err := config.LoadProcessor(context.Background(), func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := Path(tpl, "Parameters", "MongoDBDatabase", "Default"); got != cfg.Database {
		t.Errorf("MongoDBDatabase default %v, the functions default to %q", got, cfg.Database)
	}
}

// TestRepoTemplateARNParameters checks that every ARN parameter has a pattern
// that refuses what is easily passed instead: a name, an alias, a partial
// secret ARN without the suffix Secrets Manager adds, another service's ARN.
func TestRepoTemplateARNParameters(t *testing.T) {
	params := Path(repoTemplate(t), "Parameters").(map[string]any)
	const (
		stream   = "arn:aws:kinesis:us-east-1:123456789012:stream/kleo-history"
		consumer = stream + "/consumer/kleo-processor:1700000000"
		secret   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kleo/mongodb-uri-AbC123"
		key      = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		topic    = "arn:aws:sns:eu-west-1:123456789012:kleo-alarms"
	)
	secretCases := map[string]bool{
		secret: true, "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:w-x1Y2z3": true,
		"kleo/mongodb-uri": false, "arn:aws:secretsmanager:us-east-1:123456789012:secret:kleo/mongodb-uri": false,
		"": false, stream: false,
	}
	keyCases := map[string]bool{
		"": true, key: true, "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab": true,
		"arn:aws:kms:us-east-1:123456789012:alias/kleo": false, "1234abcd-12ab-34cd-56ef-1234567890ab": false, secret: false,
	}
	cases := map[string]map[string]bool{
		"StreamArn": {stream: true, "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s": true,
			"kleo-history": false, "": false, consumer: false, "arn:aws:kinesis:us-east-1:123456789012:stream/": false},
		"StreamConsumerArn":      {"": true, consumer: true, stream: false, "kleo-processor": false},
		"MongoDBUriSecretArn":    secretCases,
		"ArweaveWalletSecretArn": secretCases,
		"StreamKmsKeyArn":        keyCases,
		"SecretsKmsKeyArn":       keyCases,
		"AlarmTopicArn": {"": true, topic: true, "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t": true,
			"kleo-alarms": false, "arn:aws:sqs:eu-west-1:123456789012:q": false},
	}
	for name, p := range params {
		if !strings.HasSuffix(name, "Arn") {
			continue
		}
		pattern, ok := Path(p, "AllowedPattern").(string)
		if !ok {
			t.Errorf("parameter %s: no AllowedPattern", name)
			continue
		}
		if cases[name] == nil {
			t.Errorf("parameter %s: add its cases to this test", name)
		}
		re := regexp.MustCompile(pattern)
		for v, ok := range cases[name] {
			if re.MatchString(v) != ok {
				t.Errorf("%s pattern on %q: match %v, want %v", name, v, !ok, ok)
			}
		}
		if d, has := Path(p, "Default").(string); has && !re.MatchString(d) {
			t.Errorf("%s: default %q does not match its own pattern", name, d)
		}
	}
}

// TestRepoTemplateObservability checks the dashboard and alarms: that they
// watch the right metrics of the right resources, take their thresholds from
// parameters, notify only when a topic is given, and that every Kleo metric
// the dashboard shows is one the functions emit (package telemetry) under the
// namespace and dimensions the template configures.
func TestRepoTemplateObservability(t *testing.T) {
	data, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	params := Path(tpl, "Parameters").(map[string]any)
	resources := Path(tpl, "Resources").(map[string]any)

	for _, p := range []string{"IteratorAgeAlarmMs", "ErrorRateAlarmPercent", "OnFailureMessagesAlarm"} {
		if Path(params, p, "Type") != "Number" {
			t.Errorf("parameter %s: want a Number", p)
		}
	}
	topic := Path(params, "AlarmTopicArn")
	if Path(topic, "Type") != "String" || Path(topic, "Default") != "" {
		t.Errorf("AlarmTopicArn = %v, want an optional String", topic)
	}
	noTopic := map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AlarmTopicArn"}, ""}}
	if got := Path(tpl, "Conditions", "HasAlarmTopic"); !reflect.DeepEqual(got, map[string]any{"Fn::Not": []any{noTopic}}) {
		t.Errorf("HasAlarmTopic = %#v, want AlarmTopicArn not empty", got)
	}
	// Without a topic the stack creates one, so an alarm always notifies.
	if got := Path(tpl, "Conditions", "CreateAlarmTopic"); !reflect.DeepEqual(got, noTopic) {
		t.Errorf("CreateAlarmTopic = %#v, want AlarmTopicArn empty", got)
	}
	if Path(resources, "AlarmTopic", "Type") != "AWS::SNS::Topic" || Path(resources, "AlarmTopic", "Condition") != "CreateAlarmTopic" {
		t.Error("AlarmTopic: want an AWS::SNS::Topic created when AlarmTopicArn is empty")
	}

	fn := map[string]any{"Ref": "ProcessorFunction"}
	notify := []any{map[string]any{"Fn::If": []any{"HasAlarmTopic", map[string]any{"Ref": "AlarmTopicArn"}, map[string]any{"Ref": "AlarmTopic"}}}}
	for _, tc := range []struct {
		alarm, threshold, op string
		metric               map[string]any // for single-metric alarms
	}{
		{"IteratorAgeAlarm", "IteratorAgeAlarmMs", "GreaterThanThreshold", map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "IteratorAge", "Statistic": "Maximum",
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": fn}},
		}},
		{"OnFailureQueueAlarm", "OnFailureMessagesAlarm", "GreaterThanOrEqualToThreshold", map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Statistic": "Maximum",
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{"OnFailureQueue", "QueueName"}}}},
		}},
		{"ErrorRateAlarm", "ErrorRateAlarmPercent", "GreaterThanThreshold", nil},
		{"StreamNotConsumedAlarm", "", "GreaterThanOrEqualToThreshold", nil},
		{"ArchiverFailureAlarm", "ArchiveFailuresAlarm", "GreaterThanOrEqualToThreshold", nil},
	} {
		r := resources[tc.alarm]
		if Path(r, "Type") != "AWS::CloudWatch::Alarm" {
			t.Errorf("%s: type %v, want AWS::CloudWatch::Alarm", tc.alarm, Path(r, "Type"))
			continue
		}
		props := Path(r, "Properties")
		if got := Path(props, "Threshold"); tc.threshold != "" && !reflect.DeepEqual(got, map[string]any{"Ref": tc.threshold}) {
			t.Errorf("%s: Threshold %v, want !Ref %s", tc.alarm, got, tc.threshold)
		}
		if Path(props, "ComparisonOperator") != tc.op || Path(props, "TreatMissingData") != "notBreaching" {
			t.Errorf("%s: %v, %v", tc.alarm, Path(props, "ComparisonOperator"), Path(props, "TreatMissingData"))
		}
		for _, k := range []string{"AlarmActions", "OKActions"} {
			if got := Path(props, k); !reflect.DeepEqual(got, notify) {
				t.Errorf("%s: %s = %#v, want the topic only if HasAlarmTopic", tc.alarm, k, got)
			}
		}
		for k, want := range tc.metric {
			if got := Path(props, k); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v, want %#v", tc.alarm, k, got, want)
			}
		}
	}

	// The error rate is metric math over the processor's Errors and Invocations.
	queries, _ := Path(resources, "ErrorRateAlarm", "Properties", "Metrics").([]any)
	stats := map[string]string{}
	var expr string
	returned := 0
	for _, q := range queries {
		if Path(q, "ReturnData") == true {
			returned++
			expr, _ = Path(q, "Expression").(string)
			continue
		}
		m := Path(q, "MetricStat", "Metric")
		if Path(m, "Namespace") != "AWS/Lambda" || Path(q, "MetricStat", "Stat") != "Sum" ||
			!reflect.DeepEqual(Path(m, "Dimensions"), []any{map[string]any{"Name": "FunctionName", "Value": fn}}) {
			t.Errorf("error-rate query %v: want a Sum of an AWS/Lambda metric of ProcessorFunction", q)
		}
		stats[fmt.Sprint(Path(q, "Id"))] = fmt.Sprint(Path(m, "MetricName"))
	}
	if returned != 1 || expr != fmt.Sprintf("100 * %s / %s", idOf(stats, "Errors"), idOf(stats, "Invocations")) || len(stats) != 2 {
		t.Errorf("error-rate alarm: %d returned series, expression %q over %v; want 100 * Errors / Invocations", returned, expr, stats)
	}

	// A stopped mapping reports no iterator age at all, so the iterator-age
	// alarm (missing data not breaching) cannot see it: this alarm compares
	// the records arriving in the stream with those the mapping polls.
	stall := alarmQueries(t, resources, "StreamNotConsumedAlarm")
	streamName := map[string]any{"Fn::Select": []any{1, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "StreamArn"}}}}}
	wantStall := map[string]string{
		"AWS/Kinesis/IncomingRecords/Sum/StreamName=" + fmt.Sprint(streamName):                                                          "in",
		"AWS/Lambda/PolledEventCount/Sum/EventSourceMappingUUID=" + fmt.Sprint(map[string]any{"Ref": "ProcessorFunctionHistoryStream"}): "polled",
	}
	checkMath(t, "StreamNotConsumedAlarm", stall, wantStall, "IF(FILL(in, 0) > 0 AND FILL(polled, 0) == 0, 1, 0)")
	if Path(resources, "StreamNotConsumedAlarm", "Properties", "Threshold") != 1 {
		t.Error("StreamNotConsumedAlarm: want threshold 1 (the expression is 0 or 1)")
	}
	// Archiver: failed sweeps plus failed uploads.
	archiver := alarmQueries(t, resources, "ArchiverFailureAlarm")
	wantArchiver := map[string]string{
		"AWS/Lambda/Errors/Sum/FunctionName=" + fmt.Sprint(map[string]any{"Ref": "ArchiverFunction"}): "errors",
		"Kleo/ArchiveFailures/Sum/Stage=" + fmt.Sprint(map[string]any{"Ref": "Stage"}):                "failures",
	}
	checkMath(t, "ArchiverFailureAlarm", archiver, wantArchiver, "FILL(errors, 0) + FILL(failures, 0)")

	emitted, dims := checkDashboard(t, tpl)
	if !emitted["Kleo/ArchiveFailures/[[Stage]]"] || len(dims) != 1 {
		t.Errorf("the archiver alarm watches Kleo ArchiveFailures by Stage, which the archiver does not emit (dimensions %v)", dims)
	}

	if Path(tpl, "Outputs", "DashboardUrl") == nil {
		t.Error("no DashboardUrl output")
	}
}

func idOf(ids map[string]string, metric string) string {
	for id, m := range ids {
		if m == metric {
			return id
		}
	}
	return "<no " + metric + ">"
}

// dashMetric is one graphed metric of the dashboard, after substitution.
type dashMetric struct {
	namespace, name string
	dims            map[string]string
	stat            string
}

// alarmQuery is one metric or expression of a metric-math alarm.
type alarmQuery struct {
	id, metric, expr string
	returned         bool
}

// alarmQueries returns an alarm's queries; a metric is named
// namespace/name/stat/dimension=value.
func alarmQueries(t *testing.T, resources map[string]any, alarm string) []alarmQuery {
	t.Helper()
	var qs []alarmQuery
	for _, q := range list(Path(resources, alarm, "Properties", "Metrics")) {
		aq := alarmQuery{id: fmt.Sprint(Path(q, "Id")), returned: Path(q, "ReturnData") == true}
		if e, ok := Path(q, "Expression").(string); ok {
			aq.expr = e
		} else {
			m := Path(q, "MetricStat", "Metric")
			aq.metric = fmt.Sprintf("%v/%v/%v", Path(m, "Namespace"), Path(m, "MetricName"), Path(q, "MetricStat", "Stat"))
			for _, d := range list(Path(m, "Dimensions")) {
				aq.metric += fmt.Sprintf("/%v=%v", Path(d, "Name"), Path(d, "Value"))
			}
		}
		qs = append(qs, aq)
	}
	return qs
}

// checkMath wants exactly the metrics of want (metric → placeholder in
// expr), none returned, and one returned expression equal to expr with the
// placeholders replaced by the metrics' ids.
func checkMath(t *testing.T, alarm string, qs []alarmQuery, want map[string]string, expr string) {
	t.Helper()
	metrics := 0
	var returned []string
	for _, q := range qs {
		if q.returned {
			returned = append(returned, q.expr)
			continue
		}
		metrics++
		name, ok := want[q.metric]
		if !ok {
			t.Errorf("%s: unexpected metric %s", alarm, q.metric)
			continue
		}
		expr = regexp.MustCompile(`\b`+name+`\b`).ReplaceAllString(expr, q.id)
	}
	if metrics != len(want) || len(returned) != 1 || returned[0] != expr {
		t.Errorf("%s: %d metrics, returned %q; want the %d metrics %v and %q", alarm, metrics, returned, len(want), want, expr)
	}
}

// checkDashboard checks the dashboard and returns the metrics the functions
// emit (namespace/name/[[dimension names]]) and their configured dimensions.
func checkDashboard(t *testing.T, tpl map[string]any) (map[string]bool, map[string]string) {
	t.Helper()
	params := Path(tpl, "Parameters").(map[string]any)
	resources := Path(tpl, "Resources").(map[string]any)
	if Path(resources, "Dashboard", "Type") != "AWS::CloudWatch::Dashboard" {
		t.Fatal("no AWS::CloudWatch::Dashboard named Dashboard")
	}
	body, ok := Path(resources, "Dashboard", "Properties", "DashboardBody", "Fn::Sub").(string)
	if !ok {
		t.Fatal("DashboardBody is not a !Sub string")
	}

	// Every ${...} must name a parameter, a resource, a resource's attribute
	// or a pseudo parameter; each is replaced by a recognisable value.
	value := func(ref string) (string, bool) {
		if p, ok := params[ref]; ok {
			if d := Path(p, "Default"); d != nil {
				return fmt.Sprint(d), true
			}
			return "param-" + ref, true
		}
		if strings.HasPrefix(ref, "AWS::") {
			return map[string]string{"AWS::Region": "eu-west-1", "AWS::StackName": "kleo", "AWS::AccountId": "123456789012"}[ref], true
		}
		res, _, _ := strings.Cut(ref, ".")
		if _, ok := resources[res]; ok {
			return "res-" + ref, true
		}
		// SAM names the resources it generates for an event after the
		// function and the event, e.g. the Kinesis event source mapping.
		for fn, r := range resources {
			events, _ := Path(r, "Properties", "Events").(map[string]any)
			for ev := range events {
				if Path(r, "Type") == "AWS::Serverless::Function" && ref == fn+ev {
					return "res-" + ref, true
				}
			}
		}
		return "", false
	}
	var unknown []string
	sub := regexp.MustCompile(`\$\{([^}!][^}]*)\}`).ReplaceAllStringFunc(body, func(m string) string {
		v, ok := value(m[2 : len(m)-1])
		if !ok {
			unknown = append(unknown, m)
		}
		return v
	})
	if len(unknown) > 0 {
		t.Errorf("dashboard references unknown names %v", unknown)
	}
	var dash struct {
		Widgets []struct {
			Type       string `json:"type"`
			Properties struct {
				Title   string  `json:"title"`
				Region  string  `json:"region"`
				Stat    string  `json:"stat"`
				Metrics [][]any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(sub), &dash); err != nil {
		t.Fatalf("dashboard body is not JSON after substitution: %v", err)
	}

	stage := fmt.Sprint(Path(params, "Stage", "Default"))
	var graphed []dashMetric
	for _, w := range dash.Widgets {
		p := w.Properties
		if w.Type != "metric" || p.Region != "eu-west-1" || p.Title == "" {
			t.Errorf("widget %q: type %q region %q, want a titled metric widget in the stack's region", p.Title, w.Type, p.Region)
		}
		ids := map[string]bool{}
		var exprs []string
		var prev []any
		for _, row := range p.Metrics {
			opts := map[string]any{}
			if len(row) > 0 {
				if o, ok := row[len(row)-1].(map[string]any); ok {
					opts, row = o, row[:len(row)-1]
				}
			}
			if id, ok := opts["id"].(string); ok {
				ids[id] = true
			}
			if e, ok := opts["expression"].(string); ok {
				exprs = append(exprs, e)
				continue
			}
			if len(row) < 2 || len(row)%2 != 0 {
				t.Errorf("widget %q: metric row %v", p.Title, row)
				continue
			}
			// "." repeats the value of the row above.
			for i := range row {
				if row[i] == "." && i < len(prev) {
					row[i] = prev[i]
				}
			}
			prev = row
			m := dashMetric{namespace: fmt.Sprint(row[0]), name: fmt.Sprint(row[1]), dims: map[string]string{}, stat: p.Stat}
			for i := 2; i+1 < len(row); i += 2 {
				m.dims[fmt.Sprint(row[i])] = fmt.Sprint(row[i+1])
			}
			if s, ok := opts["stat"].(string); ok {
				m.stat = s
			}
			if m.stat == "" {
				t.Errorf("widget %q: %s without a statistic", p.Title, m.name)
			}
			graphed = append(graphed, m)
		}
		for _, e := range exprs {
			for _, id := range regexp.MustCompile(`[a-z][A-Za-z0-9_]*`).FindAllString(e, -1) {
				if !ids[id] {
					t.Errorf("widget %q: expression %q uses unknown id %s", p.Title, e, id)
				}
			}
		}
	}

	has := func(ns, name, stat string, dims map[string]string) bool {
		for _, m := range graphed {
			if m.namespace == ns && m.name == name && (stat == "" || m.stat == stat) && reflect.DeepEqual(m.dims, dims) {
				return true
			}
		}
		return false
	}
	proc := map[string]string{"FunctionName": "res-ProcessorFunction"}
	kleo := map[string]string{"Stage": stage}
	for _, w := range []struct {
		ns, name, stat string
		dims           map[string]string
	}{
		{"AWS/Lambda", "IteratorAge", "Maximum", proc},
		{"Kleo", "RecordsIn", "Sum", kleo},
		{"Kleo", "RecordsProcessed", "Sum", kleo},
		{"Kleo", "DeadLettered", "Sum", kleo},
		{"Kleo", "BatchItemFailures", "Sum", kleo},
		{"AWS/Lambda", "Duration", "p50", proc},
		{"AWS/Lambda", "Duration", "p99", proc},
		{"AWS/Lambda", "ConcurrentExecutions", "Maximum", proc},
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", map[string]string{"QueueName": "res-OnFailureQueue.QueueName"}},
		{"Kleo", "Uploads", "Sum", kleo},
		{"AWS/Lambda", "DroppedEventCount", "Sum", map[string]string{"EventSourceMappingUUID": "res-ProcessorFunctionHistoryStream"}},
		{"AWS/Lambda", "OnFailureDestinationDeliveredEventCount", "Sum", map[string]string{"EventSourceMappingUUID": "res-ProcessorFunctionHistoryStream"}},
	} {
		if !has(w.ns, w.name, w.stat, w.dims) {
			t.Errorf("dashboard does not graph %s %s (%s) %v", w.ns, w.name, w.stat, w.dims)
		}
	}

	// The Kleo metrics must be ones the functions emit, under the namespace
	// and dimensions the functions are configured with.
	env := Path(tpl, "Globals", "Function", "Environment", "Variables")
	namespace := fmt.Sprint(Path(env, "METRICS_NAMESPACE"))
	dimsSpec, _ := Path(env, "METRICS_DIMENSIONS", "Fn::Sub").(string)
	cfg, err := config.LoadProcessor(context.Background(), func(k string) string {
		switch k {
		case "METRICS_NAMESPACE":
			return namespace
		case "METRICS_DIMENSIONS":
			return strings.ReplaceAll(dimsSpec, "${Stage}", stage)
		}
		return ""
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	emf, err := telemetry.NewEMF(&out, cfg.Metrics)
	if err != nil {
		t.Fatal(err)
	}
	emf.Observe(context.Background(), processor.Report{RecordsIn: 1, DBCalls: 1})
	emf.Archiver(context.Background(), telemetry.ArchiverMetrics{})
	emitted := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name string }
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatal(err)
		}
		for _, d := range doc.AWS.CloudWatchMetrics {
			for _, m := range d.Metrics {
				emitted[d.Namespace+"/"+m.Name+"/"+fmt.Sprint(d.Dimensions)] = true
			}
		}
	}
	for _, m := range graphed {
		if m.namespace == "AWS/Lambda" || m.namespace == "AWS/SQS" {
			continue
		}
		var names []string
		for k := range m.dims {
			names = append(names, k)
		}
		key := m.namespace + "/" + m.name + "/" + fmt.Sprint([][]string{names})
		if !emitted[key] || !reflect.DeepEqual(m.dims, cfg.Metrics.Dimensions) {
			t.Errorf("dashboard graphs %s %s %v, which the functions do not emit (namespace %s, dimensions %v)",
				m.namespace, m.name, m.dims, namespace, cfg.Metrics.Dimensions)
		}
	}
	return emitted, cfg.Metrics.Dimensions
}

// TestSAMConfig checks samconfig.toml against the template: the local-invoke
// environment file exists, sets only variables the template declares (sam
// local invoke ignores the others) and holds no secret, and builds are not
// cached, because sam build would decide from CodeUri alone.
func TestSAMConfig(t *testing.T) {
	tpl := repoTemplate(t)
	conf, err := os.ReadFile("../../samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*cached\s*=\s*true`).Match(conf) {
		t.Error("samconfig.toml: cached builds hash only CodeUri and miss changes under internal/")
	}
	m := regexp.MustCompile(`(?m)^\s*env_vars\s*=\s*"([^"]+)"`).FindSubmatch(conf)
	if m == nil {
		t.Fatal("samconfig.toml: no env_vars for sam local invoke")
	}
	data, err := os.ReadFile("../../" + string(m[1]))
	if err != nil {
		t.Fatalf("samconfig.toml env_vars: %v", err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("%s: %v", m[1], err)
	}
	declared := func(fn, name string) bool {
		return Path(tpl, "Globals", "Function", "Environment", "Variables", name) != nil ||
			Path(tpl, "Resources", fn, "Properties", "Environment", "Variables", name) != nil
	}
	secret := regexp.MustCompile(`(?i)mongodb(\+srv)?://|"kty"|BEGIN [A-Z ]*PRIVATE KEY`)
	for fn, vars := range env {
		if Path(tpl, "Resources", fn, "Type") != "AWS::Serverless::Function" {
			t.Errorf("%s: %s is not a function of the template", m[1], fn)
		}
		for k, v := range vars {
			if !declared(fn, k) {
				t.Errorf("%s: %s.%s is not declared in the template, so sam local invoke ignores it", m[1], fn, k)
			}
			if secret.MatchString(v) || (v != "" && (k == "MONGODB_URI" || strings.HasSuffix(k, "_SECRET_ARN") || strings.HasPrefix(k, "ARWEAVE_WALLET"))) {
				t.Errorf("%s: %s.%s holds a secret or a reference to one", m[1], fn, k)
			}
		}
	}
	if len(env["ProcessorFunction"]) == 0 {
		t.Errorf("%s: nothing for ProcessorFunction", m[1])
	}
}
