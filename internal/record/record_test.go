package record

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

const realItem = `{"_id":"672e257c75477a14bfebfac3","address":"0xe64b1e15230250bc7a95f120a83df7d7d480f3d1","create_timestamp":1730802843,"title":"Instant Bridge to Zora","category":"Trading","subcategory":"","url":"https://www.relay.link/bridge/zora","domain":"","summary":"Bridge\nTransactions\nMore\nConnect\nFrom\nEthereum\nETH\nTo\nZora\nETH\nConnect","visitTime":1730579563582}`

func TestDecodeRealItem(t *testing.T) {
	it, err := Decode([]byte(realItem))
	if err != nil {
		t.Fatal(err)
	}
	want := Item{
		ID: "672e257c75477a14bfebfac3", Address: "0xe64b1e15230250bc7a95f120a83df7d7d480f3d1",
		Title: "Instant Bridge to Zora", URL: "https://www.relay.link/bridge/zora", Category: "Trading",
		Summary:   "Bridge\nTransactions\nMore\nConnect\nFrom\nEthereum\nETH\nTo\nZora\nETH\nConnect",
		VisitTime: 1730579563582, CreateTimestamp: 1730802843,
	}
	if it != want {
		t.Errorf("Decode =\n%+v\nwant\n%+v", it, want)
	}
}

// withField returns the real item with one field replaced by raw JSON (or
// removed when raw is "").
func withField(t *testing.T, name, raw string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(realItem), &m); err != nil {
		t.Fatal(err)
	}
	if raw == "" {
		delete(m, name)
	} else {
		m[name] = json.RawMessage(raw)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeEncodings(t *testing.T) {
	tests := []struct {
		name, field, raw string
		check            func(Item) bool
	}{
		{"oid", "_id", `{"$oid":"672E257C75477A14BFEBFAC3"}`, func(it Item) bool { return it.ID == "672e257c75477a14bfebfac3" }},
		{"numberLong", "visitTime", `{"$numberLong":"1730579563582"}`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"numberDouble", "visitTime", `{"$numberDouble":"1730579563582.75"}`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"float", "visitTime", `1730579563582.9`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"exponent", "visitTime", `1.730579563582e12`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"date iso", "visitTime", `{"$date":"2024-11-02T20:32:43.582Z"}`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"date long", "visitTime", `{"$date":{"$numberLong":"1730579563582"}}`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"date number", "visitTime", `{"$date":1730579563582}`, func(it Item) bool { return it.VisitTime == 1730579563582 }},
		{"mixed-case address", "address", `"0xE64B1e15230250bc7a95f120a83df7d7d480f3D1"`, func(it Item) bool { return it.Address == "0xe64b1e15230250bc7a95f120a83df7d7d480f3d1" }},
		{"null title", "title", `null`, func(it Item) bool { return it.Title == "" }},
		{"no create_timestamp", "create_timestamp", ``, func(it Item) bool { return it.CreateTimestamp == 0 }},
		{"control chars stripped", "title", `"a\u0000b\u0007c\td"`, func(it Item) bool { return it.Title == "abcd" }},
		{"newlines kept in summary", "summary", `"a\nb\u0000"`, func(it Item) bool { return it.Summary == "a\nb" }},
		{"script tag kept as text", "title", `"<script>alert(1)</script>"`, func(it Item) bool { return it.Title == "<script>alert(1)</script>" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, err := Decode([]byte(withField(t, tt.field, tt.raw)))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !tt.check(it) {
				t.Errorf("unexpected item %+v", it)
			}
		})
	}
}

func TestDecodeChangeEvent(t *testing.T) {
	ev := `{"_id":{"_data":"8267"},"operationType":"insert","fullDocument":` + realItem +
		`,"documentKey":{"_id":{"$oid":"672e257c75477a14bfebfac3"}},"ns":{"db":"kleo","coll":"history"}}`
	it, err := Decode([]byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if it.ID != "672e257c75477a14bfebfac3" || it.Title != "Instant Bridge to Zora" {
		t.Errorf("unexpected item %+v", it)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, payload, reason string
	}{
		{"empty", ``, "empty payload"},
		{"not json", `hello`, "document is not JSON"},
		{"array", `[1,2]`, "document is not a JSON object"},
		{"truncated", realItem[:40], "document is malformed JSON"},
		{"trailing", realItem + `{}`, "trailing data"},
		{"duplicate key", `{"_id":"672e257c75477a14bfebfac3","_id":"672e257c75477a14bfebfac4"}`, "duplicate field"},
		{"missing address", withField(t, "address", ""), "missing address"},
		{"operator address", withField(t, "address", `{"$ne":null}`), "address: want a string, got object"},
		{"numeric address", withField(t, "address", `12`), "address: want a string, got number"},
		{"short address", withField(t, "address", `"0x1234"`), "address: not 0x followed by 40 hex digits"},
		{"non-hex address", withField(t, "address", `"0xg64b1e15230250bc7a95f120a83df7d7d480f3d1"`), "address: not 0x"},
		{"missing id", withField(t, "_id", ""), "missing _id"},
		{"bad id", withField(t, "_id", `"xyz"`), "_id: not 24 hex digits"},
		{"bad oid", withField(t, "_id", `{"$oid":5}`), "_id: want"},
		{"title number", withField(t, "title", `5`), "title: want a string, got number"},
		{"url object", withField(t, "url", `{"a":1}`), "url: want a string, got object"},
		{"summary array", withField(t, "summary", `["a"]`), "summary: want a string, got array"},
		{"missing visitTime", withField(t, "visitTime", ""), "missing visitTime"},
		{"visitTime string", withField(t, "visitTime", `"yesterday"`), "visitTime: want a number, got string"},
		{"visitTime bool", withField(t, "visitTime", `true`), "visitTime: want a number, got boolean"},
		{"visitTime NaN", withField(t, "visitTime", `{"$numberDouble":"NaN"}`), "visitTime: out of range"},
		{"visitTime Inf", withField(t, "visitTime", `{"$numberDouble":"Infinity"}`), "visitTime: out of range"},
		{"visitTime overflow", withField(t, "visitTime", `1e400`), "visitTime: out of range"},
		{"visitTime huge int", withField(t, "visitTime", `99999999999999999999999`), "visitTime: out of range"},
		{"visitTime negative", withField(t, "visitTime", `-5`), "visitTime: negative"},
		{"visitTime bad date", withField(t, "visitTime", `{"$date":"soon"}`), "not ISO-8601"},
		{"create_timestamp string", withField(t, "create_timestamp", `"x"`), "create_timestamp: want a number"},
		{"dollar key", withField(t, "$where", `"1"`), "field name starts with '$'"},
		{"dotted key", withField(t, "a.b", `1`), "field name contains '.'"},
		{"delete event", `{"operationType":"delete","documentKey":{"_id":{"$oid":"672e257c75477a14bfebfac3"}}}`, `unsupported operationType "delete"`},
		{"insert without document", `{"operationType":"insert"}`, "insert event without fullDocument"},
		{"operationType number", `{"operationType":1}`, "operationType: want a string"},
		{"operationType not a change type", `{"operationType":"dave@example.com","fullDocument":` + realItem + `}`, "unsupported operationType (not a change stream event type)"},
		{"operationType null", `{"operationType":null}`, "unsupported operationType (not a change stream event type)"},
		{"nested too deep inside", `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "document is nested deeper than 10000 levels"},
		{"array nested too deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001), "document is nested deeper than 10000 levels"},
		{"nested too deep", strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat(`}`, 10001), "document is nested deeper than 10000 levels"},
		{"oversized", `{"title":"` + strings.Repeat("a", MaxPayload) + `"}`, "exceeds the 1048576-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.payload))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode error = %v, want ErrInvalid", err)
			}
			var ie *InvalidError
			if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", err, tt.reason)
			}
			if strings.Contains(ie.Reason, "dave") {
				t.Errorf("reason %q quotes the payload", ie.Reason)
			}
		})
	}
}

func TestCompareSeq(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"10", "9", 1},
		{"0010", "10", 0},
		{"49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692538361571095921575989136588899", -1},
		{"49590338271490256608559692540925702759324208523137515618", "4959033827149025660855969253836157109592157598913658889", 1},
	}
	for _, tt := range tests {
		if got := CompareSeq(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSeq(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// changedReasons are the reasons issue 12 corrected, until the corpus says so.
var changedReasons = map[string]string{
	"deeply nested beyond the decoder limit": "document is nested deeper than 10000 levels",
}

// TestHostileCorpus runs the processor's hostile corpus through Decode
// alone: every case is rejected with its reason or decoded.
func TestHostileCorpus(t *testing.T) {
	raw, err := os.ReadFile("../processor/testdata/hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Payload, Want string
		PayloadHex          string `json:"payload_hex"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases in the corpus", len(cases))
	}
	for _, c := range cases {
		data := []byte(c.Payload)
		if c.PayloadHex != "" {
			if data, err = hex.DecodeString(c.PayloadHex); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Decode(data)
		want, ok := strings.CutPrefix(c.Want, "dead:")
		if w, changed := changedReasons[c.Name]; changed {
			want = w
		}
		switch {
		case !ok && err != nil:
			t.Errorf("%s: %v, want decoded", c.Name, err)
		case ok && (err == nil || !strings.Contains(reason(err), want)):
			t.Errorf("%s: %v, want a reason containing %q", c.Name, err, want)
		}
	}
}
