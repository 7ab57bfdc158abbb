// Package archive uploads each user's processed history to Arweave in
// batches of 50 items, oldest first, each archive chained to the user's
// previous one, exactly once.
//
// # Exactly once
//
// An [Archiver.Sweep] handles one user at a time under a per-user lease in the
// store, so overlapping sweeps (Lambda invocations can overlap) never work on
// the same user. For each batch it
//
//  1. signs the upload (arweave.Uploader.Prepare),
//  2. persists it as an archive intent, id and signed body, before posting
//     (store.PutArchive),
//  3. posts it, and
//  4. records it: the items are marked, the user's previous_hash advanced and
//     unarchived_count decremented, in one idempotent step guarded by the
//     previous_hash the batch was signed against (store.CompleteArchive).
//
// A sweep that dies between any two steps leaves a state the next sweep
// finishes without signing anew: before building a new batch it reconciles
// the user's signed intent by asking the gateway for its status. Pending or
// confirmed: record it. Unknown: post the same stored body again. Nothing is
// ever signed twice for the same items except in one case: a format-2
// transaction names a recent block as its anchor, and a gateway refuses one
// whose anchor has grown too old (about 50 blocks). When a re-post is
// refused for its anchor and the gateway still does not know the id, the
// transaction can never be accepted, so the sweep signs the same document
// and tags with a fresh anchor, persists that as a second intent for the
// same items and the same previous_hash, and posts it. The old intent stays
// "signed" (the store has no status for a dead intent); later sweeps ignore
// intents whose previous_hash is no longer the user's, and among several
// live ones record whichever the gateway knows, else re-post the newest.
//
// A death before step 2 leaves only a signature nobody posted. A death
// before the lease is released leaves the user to the next sweep once the
// lease expires.
//
// # Verification
//
// [VerifyChain] walks a user's chain backwards through a gateway and checks
// every link: signature, data_root, the previous_hash link, item count and
// tags, and that no PII is found in the document. It reads format-2
// transactions (ARWEAVE_MODE=gateway); ANS-104 data items posted to a bundler
// are not served as transactions by gateways, so such chains are not
// verified this way.
//
// # Bounded work
//
// A sweep starts no new batch when less than DeadlineMargin is left before
// its context's deadline, and takes at most MaxUsers users; what it leaves,
// the next scheduled sweep continues. A user is swept until fewer than a
// batch of items remain, so one user with a long backlog can use a whole
// invocation; users are taken in the store's order.
package archive
