package faultinject

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
)

// Partition keys the trigger may use: the one the README asks for, the
// address spelled either way, or keys with no relation to the user.
const (
	KeyAddress = iota
	KeyBothSpellings
	KeyRandom
)

// world is a scenario's Kleo: users as Kleo's backend created them, history
// documents as its API saved them, and the records the trigger sent.
type world struct {
	users   []bson.M // seeded before the stream starts
	late    []bson.M // users who sign up after their records were streamed
	repairs []bson.M // healthy versions of the users seeded malformed
	history []bson.M
	records []sent
}

type sent struct {
	key  string
	data []byte
	user int // index in users+late; -1 for malformed
	when int64
}

// newWorld draws a scenario's world from its seed. The same seed always
// gives the same documents, ids included, so two runs can be compared.
func newWorld(sc Scenario) world {
	r := rand.New(rand.NewPCG(uint64(sc.Seed), 0x776f726c64))
	var w world
	n := sc.Users
	all := make([]bson.M, n)
	lower := make([]string, n)
	for u := range n {
		lower[u] = fmt.Sprintf("0x%016x%016x%08x", r.Uint64(), r.Uint64(), r.Uint32())
		all[u] = kleoUser(r, u, lower[u])
	}
	late := map[int]bool{}
	if sc.LateUser && n > 1 {
		late[n-1] = true
	}
	for u, d := range all {
		if sc.PoisonUser && u == 0 {
			w.repairs = append(w.repairs, d)
			bad := bson.M{}
			for k, v := range d {
				bad[k] = v
			}
			bad["activity_json"] = "Coding" // not an object
			d = bad
		}
		if late[u] {
			w.late = append(w.late, d)
			continue
		}
		w.users = append(w.users, d)
	}

	type item struct {
		data []byte
		user int
		when int64
	}
	var items []item
	t0 := int64(1_730_000_000_000)
	for u := range n {
		for i := range sc.Items {
			when := t0 + int64(i)*60_000 + int64(r.IntN(60_000))
			id := objectID(r)
			title := titles[r.IntN(len(titles))]
			summary := summaries[r.IntN(len(summaries))]
			if r.Float64() < 0.2 {
				summary += " Contact: jane.doe@example.com or +1 415 555 0142."
			}
			h := bson.M{
				"_id": id, "address": lower[u], "title": title, "category": "", "subcategory": "",
				"url": urls[r.IntN(len(urls))] + fmt.Sprint(i), "domain": "", "summary": summary,
				"visitTime": float64(when), "create_timestamp": int32(when / 1000),
			}
			w.history = append(w.history, h)
			items = append(items, item{triggerJSON(r, h), u, when})
		}
	}
	// The trigger fires in insertion order: by visit time across users.
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].when < items[j-1].when; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
	for _, it := range items {
		w.records = append(w.records, sent{key: key(r, sc.Keys, lower[it.user]), data: it.data, user: it.user, when: it.when})
		if r.Float64() < sc.DuplicateRate {
			// The producer sends the document again, under a key that may
			// route it to another shard.
			w.records = append(w.records, sent{key: key(r, sc.Keys, lower[it.user]), data: it.data, user: it.user, when: it.when})
		}
		if r.Float64() < sc.MalformedRate {
			w.records = append(w.records, sent{key: key(r, sc.Keys, lower[it.user]), data: []byte(malformed[r.IntN(len(malformed))]), user: -1})
		}
	}
	return w
}

func key(r *rand.Rand, mode int, lower string) string {
	switch mode {
	case KeyBothSpellings:
		if r.IntN(2) == 0 {
			return eip55.Checksum(lower)
		}
		return lower
	case KeyRandom:
		return fmt.Sprintf("%x", r.Uint64())
	}
	return lower
}

// kleoUser is a users document as Kleo's backend creates it at sign-up, in
// the variations production holds.
func kleoUser(r *rand.Rand, u int, lower string) bson.M {
	d := bson.M{
		"_id":                 objectID(r),
		"address":             eip55.Checksum(lower),
		"slug":                lower[2:10],
		"stage":               int32(1),
		"kleo_points":         int32(r.IntN(100)),
		"total_data_quantity": int32(r.IntN(5000)),
		"milestones": bson.M{
			"data_owned": int32(0), "tweet_activity_graph": false, "referred_count": int32(0), "followed_on_twitter": false,
		},
		"activity_json":   bson.M{"Coding": int32(r.IntN(9))},
		"previous_hash":   "default_hash",
		"referrals":       bson.A{},
		"referee":         nil,
		"settings":        bson.M{"theme": "dark"},
		"first_time_user": false,
	}
	switch u % 4 {
	case 1:
		delete(d, "activity_json")
		delete(d, "previous_hash")
	case 2:
		d["activity_json"] = bson.M{"JobHunting": int32(2), "TVSeries": int32(1)}
		d["previous_hash"] = false
		d["kleo_points"] = int64(1) << 33 // a counter already past int32
	case 3:
		d["previous_hash"] = "https://gateway.irys.xyz/" + strings.Repeat("a", 43)
	}
	return d
}

func objectID(r *rand.Rand) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[:4], 0x672e0000+uint32(r.IntN(1<<16)))
	binary.BigEndian.PutUint64(id[4:], r.Uint64())
	return id
}

// triggerJSON is the record the MongoDB trigger sends for an inserted
// history document: its JSON, with _id as a hex string or in Extended JSON.
func triggerJSON(r *rand.Rand, h bson.M) []byte {
	id := h["_id"].(bson.ObjectID).Hex()
	idJSON := fmt.Sprintf("%q", id)
	if r.IntN(3) == 0 {
		idJSON = fmt.Sprintf(`{"$oid":%q}`, id)
	}
	return fmt.Appendf(nil, `{"_id":%s,"address":%q,"title":%q,"category":"","subcategory":"","url":%q,"domain":"","summary":%q,"visitTime":%.1f,"create_timestamp":%d}`,
		idJSON, h["address"], h["title"], h["url"], h["summary"], h["visitTime"], h["create_timestamp"])
}

var (
	titles = []string{
		"Pull request #412 · kleo/app", "Watch The Crown | Netflix", "How to bake sourdough bread",
		"Flights to Lisbon from $89", "Bitcoin price today", "Premier League table",
		"Intro to linear algebra — lecture 3", "Best hiking boots 2026", "r/golang: generics tips",
	}
	urls = []string{
		"https://github.com/kleo/app/pull/", "https://www.netflix.com/title/", "https://www.bbcgoodfood.com/recipes/",
		"https://www.kayak.com/flights/", "https://www.coinbase.com/price/", "https://www.espn.com/soccer/",
		"https://ocw.mit.edu/courses/", "https://www.rei.com/product/", "https://www.reddit.com/r/golang/",
	}
	summaries = []string{
		"Merge branch main into feature. Checks passed. Review requested.",
		"Season 4 episode 1. Continue watching. More like this.",
		"Mix flour and water, rest the dough for an hour, fold and bake.",
		"Round trip, economy, one adult. Prices include taxes and fees.",
		"Market cap, volume, circulating supply and the price chart.",
		"Standings, fixtures and results for the season.",
		"Vectors, matrices and the dot product, with exercises.",
		"Waterproof leather boots reviewed on the trail.",
		"Type parameters let a function work over many types.",
	}
	malformed = []string{
		`not json at all`,
		`{"_id":"672e257c75477a14bfebfac3","address":"0xzz"}`,
		`{"_id":"672e257c75477a14bfebfac3","address":"0x1111111111111111111111111111111111111111","visitTime":"yesterday"}`,
		`{"operationType":"delete","documentKey":{"_id":{"$oid":"672e257c75477a14bfebfac3"}}}`,
	}
)
