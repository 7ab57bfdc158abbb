package train

import (
	"bytes"
	"errors"
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
