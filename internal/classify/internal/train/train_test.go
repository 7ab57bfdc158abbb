package train

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func sources(over map[string]string) fstest.MapFS {
	files := map[string]string{
		"sites.tsv":                    "github.com\tCoding\nyoutube.com\tStreaming\t2\n",
		"ut1map.tsv":                   "games\tGaming\t3\n",
		"ut1/games/domains":            "miniclip.com\nco.uk\n",
		"iabmap.tsv":                   "1\tCooking\n",
		"iab/content-taxonomy-3.1.tsv": "h1\nh2\n1\t\tFood & Drink\n2\t1\tDesserts and Baking\n",
		"lexicon.tsv":                  "Cooking\trecipe; bake\nCoding\tpull request\n",
		"train.tsv":                    "Cooking\tBanana bread\nCoding\tFix the build\thttps://github.com/a/b\n",
		"mozilla/domains.tsv":          "allrecipes.com\tCooking\nespn.com/nfl\tSports\n",
		"univ/domains.txt":             "mit.edu\n",
		"rss/feeds.tsv":                "Cooking\tSmitten Kitchen\tFearless cooking from a tiny kitchen\tsmittenkitchen.com\n",
		"publicapis/apis.tsv":          "Pets\tCat Facts\tDaily cat facts\n",
		// Enough calibration items (minCalib) to fit the text temperature.
		"calib.jsonl": strings.Repeat(`{"title":"banana bread","activity":"Cooking"}`+"\n"+`{"title":"bake","activity":"Coding"}`+"\n", minCalib),
	}
	for k, v := range over {
		files[k] = v
	}
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func TestBuildIsDeterministic(t *testing.T) {
	a, err := Build(sources(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(sources(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two builds from the same sources differ")
	}
	c, err := Build(sources(map[string]string{"train.tsv": "Cooking\tApple pie\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Error("changing the training texts did not change the model")
	}
}

func TestBuildRejectsBadSources(t *testing.T) {
	tests := map[string]map[string]string{
		"unknown activity in sites":   {"sites.tsv": "github.com\tHacking\n"},
		"duplicate site":              {"sites.tsv": "github.com\tCoding\ngithub.com\tCoding\n"},
		"bad prior":                   {"sites.tsv": "github.com\tCoding\tlots\n"},
		"bad host":                    {"sites.tsv": "git hub.com\tCoding\n"},
		"unknown activity in lexicon": {"lexicon.tsv": "Baking\tbread\n"},
		"bad UT1 regexp":              {"ut1map.tsv": "games\tGaming\t3\t(\n"},
		"unknown IAB activity":        {"iabmap.tsv": "1\tFood\n"},
		"missing text":                {"train.tsv": "Cooking\n"},
		"unknown Mozilla activity":    {"mozilla/domains.tsv": "espn.com\tBall games\n"},
		"bad Mozilla host":            {"mozilla/domains.tsv": "es pn.com\tSports\n"},
		"unknown RSS activity":        {"rss/feeds.tsv": "Baking\tSmitten Kitchen\n"},
		"API without description":     {"publicapis/apis.tsv": "Pets\tCat Facts\n"},
		"calibration item not JSON":   {"calib.jsonl": "{\n"},
		"calibration activity":        {"calib.jsonl": `{"title":"x","activity":"Knitting"}`},
	}
	for name, over := range tests {
		if _, err := Build(sources(over)); !errors.Is(err, ErrData) {
			t.Errorf("%s: err = %v, want ErrData", name, err)
		}
	}
	if _, err := Build(sources(map[string]string{"ut1map.tsv": "missing\tGaming\t3\n"})); err == nil {
		t.Error("missing UT1 list: no error")
	}
}

func TestUT1SkipsPublicSuffixes(t *testing.T) {
	if err := checkHost("co.uk"); !errors.Is(err, ErrData) {
		t.Errorf("checkHost(co.uk) = %v, want ErrData", err)
	}
	for _, h := range []string{"miniclip.com", "blogspot.com", "bbc.co.uk"} {
		if err := checkHost(h); err != nil {
			t.Errorf("checkHost(%s) = %v", h, err)
		}
	}
}

func TestBuildWithout(t *testing.T) {
	full, err := Build(sources(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range Sources() {
		b, err := BuildWith(sources(nil), Options{Without: []string{src}})
		if err != nil {
			t.Fatalf("without %s: %v", src, err)
		}
		if bytes.Equal(b, full) {
			t.Errorf("leaving out %s did not change the model", src)
		}
	}
	if _, err := BuildWith(sources(nil), Options{Without: []string{"nonsense"}}); !errors.Is(err, ErrData) {
		t.Errorf("unknown source: err = %v, want ErrData", err)
	}
}

func TestSourceDomains(t *testing.T) {
	got, err := SourceDomains(sources(map[string]string{"sites.tsv": "gov.uk\tGovernment\nmusic.youtube.com\tMusic\n"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"youtube.com", "miniclip.com", "allrecipes.com", "espn.com", "mit.edu", "smittenkitchen.com", "github.com"} {
		if !got[d] {
			t.Errorf("SourceDomains lacks %s", d)
		}
	}
	// gov.uk is a suffix rule that generalises to every site under it, not a
	// site the model has seen; co.uk was rejected as a UT1 entry.
	for _, d := range []string{"gov.uk", "co.uk", "music.youtube.com"} {
		if got[d] {
			t.Errorf("SourceDomains has %s", d)
		}
	}
}
