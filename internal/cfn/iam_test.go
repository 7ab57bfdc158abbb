package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// translate runs the SAM transform (aws-sam-translator, through
// testdata/samtranslate.py) on a parsed template and returns the
// CloudFormation template a deployment would create. KLEO_PYTHON names the
// Python interpreter, python3 by default. Without one that imports
// aws-sam-translator the test fails: make test installs nothing here, .ci/run
// makes sure it is there.
func translate(t *testing.T, tpl map[string]any) map[string]any {
	t.Helper()
	in, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	python := os.Getenv("KLEO_PYTHON")
	if python == "" {
		python = "python3"
	}
	cmd := exec.Command(python, "testdata/samtranslate.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the SAM transform (%s testdata/samtranslate.py) failed: %v\n%s\n"+
			"The IAM checks need Python 3 with aws-sam-translator: python3 -m pip install cfn-lint aws-sam-translator, or set KLEO_PYTHON.",
			python, err, stderr.String())
	}
	var cf map[string]any
	if err := json.Unmarshal(out, &cf); err != nil {
		t.Fatalf("the SAM transform wrote no JSON: %v", err)
	}
	return cf
}

func repoTemplate(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// X-Ray has no resource-level permissions: these are the only actions that
// may be granted on every resource.
var xrayActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// grant is one action an IAM statement allows on one resource, under the
// template condition (if any) that includes the statement.
type grant struct {
	role, condition, action string
	resource                any
	viaService              any // the statement's kms:ViaService condition
}

func (g grant) String() string {
	r, _ := json.Marshal(g.resource)
	s := fmt.Sprintf("%s: %s on %s", g.role, g.action, r)
	if g.condition != "" {
		s += " if " + g.condition
	}
	if g.viaService != nil {
		v, _ := json.Marshal(g.viaService)
		s += " via " + string(v)
	}
	return s
}

// branches expands a value that may be an Fn::If into its possible values,
// with the condition that selects each; AWS::NoValue disappears.
func branches(v any, cond string) (vals []any, conds []string) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if args, ok := m["Fn::If"].([]any); ok && len(args) == 3 {
			name := fmt.Sprint(args[0])
			a, ac := branches(args[1], join(cond, name))
			b, bc := branches(args[2], join(cond, "!"+name))
			return append(a, b...), append(ac, bc...)
		}
		if reflect.DeepEqual(m, map[string]any{"Ref": "AWS::NoValue"}) {
			return nil, nil
		}
	}
	return []any{v}, []string{cond}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "&" + b
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// iamGrants returns every Allow of every IAM role and policy in a
// CloudFormation template, and what makes a statement broader than the named
// resources it should be scoped to: a resource "*" (except for X-Ray), a
// wildcard in a resource or an action, NotAction or NotResource, and managed
// policies, whose statements the template does not show (AWS's Lambda
// execution policies grant their actions on "*").
func iamGrants(cf map[string]any) (grants []grant, problems []string) {
	resources, _ := cf["Resources"].(map[string]any)
	names := make([]string, 0, len(resources))
	for n := range resources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := resources[name]
		var docs []any
		var conds []string
		switch Path(r, "Type") {
		case "AWS::IAM::Role":
			if arns := Path(r, "Properties", "ManagedPolicyArns"); arns != nil {
				problems = append(problems, fmt.Sprintf("%s: managed policies %v", name, arns))
			}
			ps, pc := branches(Path(r, "Properties", "Policies"), "")
			for i, p := range ps {
				for _, q := range list(p) {
					qs, qc := branches(q, pc[i])
					for j, doc := range qs {
						docs, conds = append(docs, Path(doc, "PolicyDocument")), append(conds, qc[j])
					}
				}
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			docs, conds = []any{Path(r, "Properties", "PolicyDocument")}, []string{""}
		case "AWS::IAM::User", "AWS::IAM::Group":
			problems = append(problems, name+": IAM users and groups have no place in this stack")
		}
		for i, doc := range docs {
			for _, st := range list(Path(doc, "Statement")) {
				ss, sc := branches(st, conds[i])
				for j, s := range ss {
					g, p := statementGrants(name, sc[j], s)
					grants, problems = append(grants, g...), append(problems, p...)
				}
			}
		}
	}
	return grants, problems
}

func statementGrants(role, cond string, s any) (grants []grant, problems []string) {
	where := role
	if sid, ok := Path(s, "Sid").(string); ok {
		where += " " + sid
	}
	for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
		if Path(s, k) != nil {
			problems = append(problems, fmt.Sprintf("%s: %s grants everything but a list", where, k))
		}
	}
	if Path(s, "Effect") != "Allow" {
		return nil, problems
	}
	var actions []string
	for _, a := range list(Path(s, "Action")) {
		as, ok := a.(string)
		if !ok || strings.Contains(as, "*") {
			problems = append(problems, fmt.Sprintf("%s: action %v is not one named action", where, a))
			continue
		}
		actions = append(actions, as)
	}
	res := list(Path(s, "Resource"))
	if len(res) == 0 {
		problems = append(problems, where+": no Resource")
	}
	for _, r := range res {
		text := fmt.Sprint(r)
		if sub, ok := Path(r, "Fn::Sub").(string); ok {
			text = sub
		}
		if text == "*" {
			for _, a := range actions {
				if !slices.Contains(xrayActions, a) {
					problems = append(problems, fmt.Sprintf("%s: %s on Resource \"*\"", where, a))
				}
			}
		} else if _, literal := r.(string); (literal || Path(r, "Fn::Sub") != nil) && strings.Contains(text, "*") {
			problems = append(problems, fmt.Sprintf("%s: wildcard resource %q", where, text))
		}
		for _, a := range actions {
			grants = append(grants, grant{role: role, condition: cond, action: a, resource: r,
				viaService: Path(s, "Condition", "StringEquals", "kms:ViaService")})
		}
	}
	return grants, problems
}

// TestTemplateIAM translates template.yaml as CloudFormation would and checks
// every permission the stack grants, SAM's generated roles included: nothing
// on Resource "*" but X-Ray, and exactly the grants below, so that a new
// permission is a reviewed change of this table.
func TestTemplateIAM(t *testing.T) {
	cf := translate(t, repoTemplate(t))
	grants, problems := iamGrants(cf)
	for _, p := range problems {
		t.Error(p)
	}

	ref := func(p string) any { return map[string]any{"Ref": p} }
	att := func(r, a string) any { return map[string]any{"Fn::GetAtt": []any{r, a}} }
	via := func(service string) any { return map[string]any{"Fn::Sub": service + ".${AWS::Region}.amazonaws.com"} }
	var want []string
	add := func(role, cond string, resource, viaService any, actions ...string) {
		for _, a := range actions {
			want = append(want, grant{role: role, condition: cond, action: a, resource: resource, viaService: viaService}.String())
		}
	}
	for _, fn := range []struct{ role, logs string }{{"ProcessorRole", "ProcessorLogGroup"}, {"ArchiverRole", "ArchiverLogGroup"}} {
		add(fn.role, "", att(fn.logs, "Arn"), nil, "logs:CreateLogStream", "logs:PutLogEvents")
		add(fn.role, "", "*", nil, xrayActions...)
		add(fn.role, "", ref("MongoDBUriSecretArn"), nil, "secretsmanager:GetSecretValue")
		add(fn.role, "HasSecretsKmsKey", ref("SecretsKmsKeyArn"), via("secretsmanager"), "kms:Decrypt")
	}
	add("ProcessorRole", "", ref("StreamArn"), nil, "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
		"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards")
	add("ProcessorRole", "HasStreamConsumer", ref("StreamConsumerArn"), nil, "kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard")
	add("ProcessorRole", "HasStreamKmsKey", ref("StreamKmsKeyArn"), via("kinesis"), "kms:Decrypt")
	add("ProcessorRole", "", att("OnFailureQueue", "Arn"), nil, "sqs:SendMessage")
	add("ArchiverRole", "", ref("ArweaveWalletSecretArn"), nil, "secretsmanager:GetSecretValue")
	add("ArchiverFunctionSweepRole", "", att("ArchiverFunction", "Arn"), nil, "lambda:InvokeFunction")

	var got []string
	for _, g := range grants {
		got = append(got, g.String())
	}
	sort.Strings(got)
	sort.Strings(want)
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("unexpected grant %s", g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing grant %s", w)
		}
	}

	// The functions run with those roles, not with roles SAM generates.
	for fn, role := range map[string]string{"ProcessorFunction": "ProcessorRole", "ArchiverFunction": "ArchiverRole"} {
		if got := Path(cf, "Resources", fn, "Properties", "Role"); !reflect.DeepEqual(got, att(role, "Arn")) {
			t.Errorf("%s runs with role %v, want %s", fn, got, role)
		}
	}
	// The mapping reads through the consumer when one is given.
	if got, want := Path(cf, "Resources", "ProcessorFunctionHistoryStream", "Properties", "EventSourceArn"),
		map[string]any{"Fn::If": []any{"HasStreamConsumer", ref("StreamConsumerArn"), ref("StreamArn")}}; !reflect.DeepEqual(got, want) {
		t.Errorf("mapping EventSourceArn = %v, want %v", got, want)
	}
	// ScheduleV2 with OmitName: CloudFormation names the schedule, so a second
	// stack in the account and region does not collide with the first.
	if name := Path(cf, "Resources", "ArchiverFunctionSweep", "Properties", "Name"); name != nil {
		t.Errorf("the schedule is named %v; two stacks in one account and region would collide", name)
	}
	if got := Path(cf, "Resources", "ArchiverFunctionEventInvokeConfig", "Properties", "MaximumRetryAttempts"); got != 0.0 {
		t.Errorf("archiver EventInvokeConfig MaximumRetryAttempts = %v, want 0", got)
	}

	t.Run("the check catches broad grants", func(t *testing.T) { testIAMCheckCatchesBroadGrants(t, cf) })
}

// testIAMCheckCatchesBroadGrants makes sure the check above would fail: each
// case widens one permission of the translated template and must be reported.
func testIAMCheckCatchesBroadGrants(t *testing.T, base map[string]any) {
	statement := func(cf map[string]any, role, sid string) map[string]any {
		for _, p := range Path(cf, "Resources", role, "Properties", "Policies").([]any) {
			for _, st := range Path(p, "PolicyDocument", "Statement").([]any) {
				ss, _ := branches(st, "")
				for _, s := range ss {
					if Path(s, "Sid") == sid {
						return s.(map[string]any)
					}
				}
			}
		}
		t.Fatalf("no statement %s in %s", sid, role)
		return nil
	}
	for _, tc := range []struct {
		name, want string
		widen      func(cf map[string]any)
	}{
		{"stream reads on every stream", `ProcessorRole ReadTheStream: kinesis:GetRecords on Resource "*"`, func(cf map[string]any) {
			statement(cf, "ProcessorRole", "ReadTheStream")["Resource"] = "*"
		}},
		{"a conditional statement on every key", `ProcessorRole DecryptTheStream: kms:Decrypt on Resource "*"`, func(cf map[string]any) {
			statement(cf, "ProcessorRole", "DecryptTheStream")["Resource"] = []any{"*"}
		}},
		{"another action in the X-Ray statement", `ArchiverRole SendTraces: s3:GetObject on Resource "*"`, func(cf map[string]any) {
			s := statement(cf, "ArchiverRole", "SendTraces")
			s["Action"] = append(s["Action"].([]any), "s3:GetObject")
		}},
		{"a wildcard action", `action kinesis:* is not one named action`, func(cf map[string]any) {
			statement(cf, "ProcessorRole", "ReadTheStream")["Action"] = "kinesis:*"
		}},
		{"a wildcard in a resource", `wildcard resource "arn:${AWS::Partition}:logs:*:*:*"`, func(cf map[string]any) {
			statement(cf, "ArchiverRole", "WriteOwnLogs")["Resource"] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:logs:*:*:*"}
		}},
		{"NotResource", "NotResource grants everything but a list", func(cf map[string]any) {
			statement(cf, "ArchiverRole", "ReadTheSecrets")["NotResource"] = "arn:aws:s3:::x"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cf map[string]any
			b, _ := json.Marshal(base)
			json.Unmarshal(b, &cf)
			tc.widen(cf)
			_, problems := iamGrants(cf)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("problems %q, want one containing %q", problems, tc.want)
			}
		})
	}

	// Without its own role the processor gets SAM's role with the managed
	// AWSLambdaKinesisExecutionRole, which grants reads of every stream.
	tpl := repoTemplate(t)
	delete(Path(tpl, "Resources", "ProcessorFunction", "Properties").(map[string]any), "Role")
	_, problems := iamGrants(translate(t, tpl))
	if !slices.ContainsFunc(problems, func(p string) bool {
		return strings.HasPrefix(p, "ProcessorFunctionRole: managed policies") && strings.Contains(p, "AWSLambdaKinesisExecutionRole")
	}) {
		t.Errorf("problems %q, want the managed AWSLambdaKinesisExecutionRole of SAM's role reported", problems)
	}
}
