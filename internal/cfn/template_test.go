package cfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
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
	pattern := regexp.MustCompile(fmt.Sprint(Path(topic, "AllowedPattern")))
	for arn, ok := range map[string]bool{
		"": true, "arn:aws:sns:eu-west-1:123456789012:kleo-alarms": true,
		"arn:aws-us-gov:sns:us-gov-west-1:123456789012:t": true, "kleo-alarms": false,
		"arn:aws:sqs:eu-west-1:123456789012:q": false,
	} {
		if pattern.MatchString(arn) != ok {
			t.Errorf("AlarmTopicArn pattern on %q: match %v, want %v", arn, !ok, ok)
		}
	}
	wantCond := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AlarmTopicArn"}, ""}}}}
	if got := Path(tpl, "Conditions", "HasAlarmTopic"); !reflect.DeepEqual(got, wantCond) {
		t.Errorf("HasAlarmTopic = %#v, want %#v", got, wantCond)
	}

	fn := map[string]any{"Ref": "ProcessorFunction"}
	notify := map[string]any{"Fn::If": []any{"HasAlarmTopic", []any{map[string]any{"Ref": "AlarmTopicArn"}}, map[string]any{"Ref": "AWS::NoValue"}}}
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
	} {
		r := resources[tc.alarm]
		if Path(r, "Type") != "AWS::CloudWatch::Alarm" {
			t.Errorf("%s: type %v, want AWS::CloudWatch::Alarm", tc.alarm, Path(r, "Type"))
			continue
		}
		props := Path(r, "Properties")
		if got := Path(props, "Threshold"); !reflect.DeepEqual(got, map[string]any{"Ref": tc.threshold}) {
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

	checkDashboard(t, tpl)

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

func checkDashboard(t *testing.T, tpl map[string]any) {
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
}
