package gen

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

// KleoConfig describes a data set shaped like Kleo's production database.
// Config.Users wallets have an account before the stream starts; Late more
// wallets save history first and sign up afterwards (their records meet an
// unknown user).
type KleoConfig struct {
	Config
	Late int
}

// Production is Kleo's database and stream as Kleo's own software makes
// them: users created by its backend at sign-up, history documents written
// by its save-history endpoint, and the records its MongoDB trigger pushes
// into Kinesis. Truth holds what a correct processor must add to each user.
type Production struct {
	// Users are the accounts that exist when the stream starts, in _id
	// order: EIP-55 addresses, int32 counters (one user's int64), a mix of
	// previous_hash forms (absent, "", "default_hash", false, an Irys URL),
	// some legacy activity keys, one user whose activity_json is a string
	// and some without activity_json.
	Users []bson.M
	// Late are the accounts of the Late wallets, created after their
	// history streamed.
	Late []bson.M
	// History holds one save-history document per distinct valid item, in
	// the order they were saved: ObjectID _id, lower-case address,
	// visitTime a float64 of ms, create_timestamp an int32 of s, domain
	// often "".
	History []bson.M
	// Records is the stream in order: each item's document as JSON (mostly
	// plain with _id a 24-hex string, some relaxed or canonical Extended
	// JSON), under a partition key that is either spelling of the wallet,
	// with producer duplicates (the same bytes again) and malformed
	// records.
	Records []Record
	// Truth is keyed by lower-case address, one per user of Users and Late.
	Truth map[string]*Truth
}

// Truth is one user's ground truth.
type Truth struct {
	Address string // users.address as Kleo's backend stored it (EIP-55)
	Kind    string // what makes the document notable, for summaries
	// Poison marks a document the processor cannot update (activity_json
	// is a string): its records must be dead-lettered, the document left
	// as it is.
	Poison bool
	Late   bool // signs up after its history streamed

	// Items counts the user's distinct valid history items; Bytes sums the
	// byte length of each one's record (a duplicate carries the same
	// bytes), what the processor adds to total_data_quantity and
	// milestones.data_owned.
	Items int
	Bytes int64
	// Labels counts the items by the generator's activity (the classifier
	// may disagree); PII counts the planted values.
	Labels map[activity.Activity]int
	PII    int
	// Records counts the user's records in the stream, duplicates included
	// (malformed ones are not attributed).
	Records int

	// Seeded are the counters the document was created with.
	Seeded Counters
}

// Counters are the fields the processor adds to.
type Counters struct {
	TotalDataQuantity int64
	DataOwned         int64
	KleoPoints        int64
	Activities        map[string]int64 // nil when activity_json is absent or not an object
}

// Kinds of notable user documents, one of each among the first users.
const (
	KindPoison          = "activity_json is a string"
	KindNoActivityJSON  = "no activity_json, no previous_hash"
	KindLegacy          = "legacy activity keys"
	KindFalseHash       = "previous_hash false"
	KindInt64           = "int64 counters"
	KindLate            = "signed up after its history streamed"
	KindExisting        = "existing user"
	KindFresh           = "new user"
	irysGateway         = "https://gateway.irys.xyz/"
	signUpWindow        = 120 * 24 * time.Hour
	legacyActivityShare = 10 // percent of other users
	noActivityShare     = 15
)

// LegacyActivities are keys of an earlier activity list found in older
// users' activity_json. The processor never writes them.
var LegacyActivities = []string{"JobHunting", "TVSeries"}

// Kleo generates the data set. The same config yields the same data set.
func Kleo(cfg KleoConfig) (*Production, error) {
	if cfg.Late < 0 {
		return nil, fmt.Errorf("%w: negative Late", ErrConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Production{Truth: map[string]*Truth{}}
	stream := cfg.Config
	stream.Users += cfg.Late
	if stream.Users == 0 || stream.ItemsPerUser == 0 {
		return p, nil
	}
	start := cfg.StartTime
	if start.IsZero() {
		start = DefaultStart
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6b6c656f2d757372))
	var users []*user
	err := each(stream, true, func(us []*user) { users = us }, func(r Record, d *doc) error {
		p.Records = append(p.Records, r)
		t := p.Truth[r.Address]
		if t == nil {
			t = &Truth{Labels: map[activity.Activity]int{}}
			p.Truth[r.Address] = t
		}
		if r.Malformed {
			return nil
		}
		t.Records++
		if d == nil {
			return nil
		}
		t.Items++
		t.Bytes += int64(len(r.Data))
		t.Labels[r.Activity]++
		t.PII += r.PII
		p.History = append(p.History, historyDoc(d))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, u := range users {
		t := p.Truth[u.addr]
		if t == nil {
			t = &Truth{Labels: map[activity.Activity]int{}}
			p.Truth[u.addr] = t
		}
		late := i >= cfg.Users
		doc := userDoc(rng, i, u, late, start, t)
		if late {
			p.Late = append(p.Late, doc)
		} else {
			p.Users = append(p.Users, doc)
		}
	}
	byID := func(a, b bson.M) int {
		x, y := a["_id"].(bson.ObjectID), b["_id"].(bson.ObjectID)
		return strings.Compare(string(x[:]), string(y[:]))
	}
	slices.SortFunc(p.Users, byID)
	return p, nil
}

// historyDoc is d as save-history stores it.
func historyDoc(d *doc) bson.M {
	return bson.M{
		"_id":              bson.ObjectID(d.id),
		"address":          d.addr,
		"title":            string(d.title),
		"category":         d.category,
		"subcategory":      d.subcategory,
		"url":              string(d.url),
		"domain":           string(d.domain),
		"summary":          strings.ReplaceAll(string(d.summary), `\n`, "\n"), // template text holds no other escape
		"visitTime":        d.visitFloat(),
		"create_timestamp": int32(d.create),
	}
}

// userDoc is the document Kleo's backend created at the user's sign-up,
// with what earlier processing added to it since. It fills t's Address,
// Kind, Poison, Late and Seeded.
func userDoc(rng *rand.Rand, i int, u *user, late bool, start time.Time, t *Truth) bson.M {
	kind := KindExisting
	switch {
	case late:
		kind = KindLate
	case i == 0:
		kind = KindPoison
	case i == 1:
		kind = KindNoActivityJSON
	case i == 2:
		kind = KindLegacy
	case i == 3:
		kind = KindFalseHash
	case i == 4:
		kind = KindInt64
	case rng.IntN(4) == 0:
		kind = KindFresh
	}
	signUp := start.Add(-time.Duration(rng.Int64N(int64(signUpWindow))))
	if late {
		signUp = start.Add(30 * 24 * time.Hour)
	}
	var id bson.ObjectID
	ts := uint32(signUp.Unix())
	id[0], id[1], id[2], id[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	for j := 4; j < 12; j++ {
		id[j] = byte(rng.Uint32())
	}

	// Earlier processing: some items counted, 12 points per 50 archived.
	var prior int64
	if kind != KindFresh && kind != KindLate && kind != KindNoActivityJSON {
		prior = 1 + rng.Int64N(400)
	}
	bytes := prior * (800 + rng.Int64N(3000))
	points := 12 * (prior / 50)
	if kind == KindInt64 {
		bytes += 3 << 30 // past int32: the Python driver stored int64
	}
	acts := bson.M{}
	var seeded map[string]int64
	if prior > 0 {
		seeded = map[string]int64{}
		all := activity.All()
		for left := prior; left > 0; {
			n := min(left, 1+rng.Int64N(prior))
			seeded[string(all[rng.IntN(len(all))])] += n
			left -= n
		}
		if kind == KindLegacy {
			for _, a := range LegacyActivities {
				seeded[a] += 1 + rng.Int64N(20)
			}
		} else if rng.IntN(100) < legacyActivityShare {
			seeded[LegacyActivities[rng.IntN(len(LegacyActivities))]] += 1 + rng.Int64N(20)
		}
		for a, n := range seeded {
			acts[a] = int32(n)
		}
	}

	var prevHash any // nil: absent
	hasHash := true
	switch kind {
	case KindNoActivityJSON:
		hasHash = false
	case KindFalseHash:
		prevHash = false
	case KindPoison:
		prevHash = "default_hash"
	case KindLegacy:
		prevHash = irysURL(rng)
	case KindLate:
		prevHash = ""
	default:
		forms := 5
		if prior < 50 {
			forms = 4 // no archive yet: no upload URL
		}
		switch rng.IntN(forms) {
		case 0:
			hasHash = false
		case 1:
			prevHash = ""
		case 2:
			prevHash = "default_hash"
		case 3:
			prevHash = false
		default:
			prevHash = irysURL(rng)
		}
	}

	counter := func(n int64) any {
		if kind == KindInt64 {
			return n
		}
		return int32(n)
	}
	doc := bson.M{
		"_id":                 id,
		"address":             u.eip55,
		"slug":                u.addr[2:8],
		"stage":               int32(1 + rng.IntN(3)),
		"name":                "",
		"pfp":                 "",
		"about":               "",
		"content_tags":        bson.A{},
		"last_attested":       int32(0),
		"identity_json":       bson.M{},
		"badges":              bson.A{},
		"kleo_points":         int32(points),
		"total_data_quantity": counter(bytes),
		"milestones": bson.M{
			"tweet_activity_graph": false,
			"data_owned":           counter(bytes),
			"referred_count":       int32(0),
			"followed_on_twitter":  rng.IntN(3) == 0,
		},
		"activity_json": acts,
		"referrals":     bson.A{},
		"referee":       nil,
		// The settings keys are illustrative: the processor never reads them.
		"settings":        bson.M{"history_sync": true, "share_data": rng.IntN(2) == 0},
		"first_time_user": prior == 0,
		"verified":        false,
	}
	if prior > 0 {
		doc["last_attested"] = int32(signUp.Add(time.Duration(rng.Int64N(int64(start.Sub(signUp))) + 1)).Unix())
	}
	if hasHash {
		doc["previous_hash"] = prevHash
	}
	switch kind {
	case KindPoison:
		doc["activity_json"] = "oops"
		seeded = nil
	case KindNoActivityJSON:
		delete(doc, "activity_json")
	default:
		if kind == KindExisting && rng.IntN(100) < noActivityShare && prior == 0 {
			delete(doc, "activity_json")
		}
		if seeded == nil {
			if _, ok := doc["activity_json"]; ok {
				seeded = map[string]int64{}
			}
		}
	}
	t.Address, t.Kind, t.Poison, t.Late = u.eip55, kind, kind == KindPoison, late
	t.Seeded = Counters{TotalDataQuantity: bytes, DataOwned: bytes, KleoPoints: points, Activities: seeded}
	return doc
}

// irysURL is an upload URL as Kleo's earlier archiver stored it: the
// gateway and a 43-character base64url transaction id.
func irysURL(rng *rand.Rand) string {
	var b [32]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return irysGateway + base64.RawURLEncoding.EncodeToString(b[:])
}

// HexID returns a history document's _id as the 24 hex digits records use.
func HexID(doc bson.M) string {
	id, _ := doc["_id"].(bson.ObjectID)
	return hex.EncodeToString(id[:])
}
