// Package archive uploads each user's counted history to Arweave in
// archives of 50 items (points.Rule.ArchiveItems), oldest first, each
// chained to the user's previous one, exactly once.
//
// # What an archive holds
//
// The items are the user's oldest Counted, unarchived ledger entries
// (store.OldestUnarchived). Their text comes from Kleo's own history
// documents (store.HistoryJSON, decoded by package record), scrubbed by the
// PII engine on the way out and cut to fixed caps (see Build); activity and
// visit time come from the ledger, the effect the processor counted. Kleo's
// history documents are only read, never modified, and no scrubbed copy is
// kept: the text exists once, in Kleo's collection, and an archive is made
// from it once. A history document deleted before its item is archived is
// archived as a text-free item marked "gone": the item was counted (its
// bytes are in the user's data owned and it fills its place in the 50), but
// text the user deleted is not published. Before the upload the whole
// document is checked with the PII engine again; a finding refuses it.
//
// Before reading the ledger a sweep settles the user: the ids in the user's
// kleo_stream.applied (the processor's last batch, whose ledger entries may
// still be Pending) are marked Counted and the list is cleared, so those
// items can be archived without waiting for the user's next batch.
//
// # The chain
//
// Each archive's document carries previous_hash: the previous archive's URL
// (<URLBase>/<tx id>, https://arweave.net by default), or in the first
// archive this system makes for a user, the user's previous_hash as found:
// an older system's upload URL (Kleo's Irys uploads), "default_hash", or ""
// (absent or false). Its tags carry raw ids: Previous-Tx names the previous
// archive made by this system and is absent from the first. On completion
// the user's previous_hash becomes the new archive's URL, which Kleo's
// backend mints as the data NFT's token URI, and kleo_points grows by the
// rule's points, guarded by kleo_stream.archive (the last archive's id).
// [VerifyChain] walks back to the first archive this system made and
// reports where the chain continues.
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
//  4. records it (store.CompleteArchive): the items are marked with the
//     archive's id, then the user's previous_hash, kleo_points and
//     kleo_stream.archive are set in one update guarded by the previous
//     archive's id; each step is idempotent.
//
// A sweep that dies between any two steps leaves a state the next sweep
// finishes without signing anew: before building a new batch it reconciles
// the user's signed intents by asking the gateway for their status. Pending or
// confirmed: record it. Unknown: post the same stored body again. Nothing is
// ever signed twice for the same items except in one case: a format-2
// transaction names a recent block as its anchor, and a gateway refuses one
// whose anchor has grown too old (about 50 blocks). When a re-post is
// refused for its anchor and the gateway still does not know the id, the
// transaction can never be accepted, so the sweep signs the same document
// and tags with a fresh anchor, persists that as a second intent for the
// same items and the same chain position, and posts it. The old intent
// stays "signed"; later sweeps ignore intents signed against an older chain
// head, and among several live ones record whichever the gateway knows, else
// re-post the newest.
//
// A death before step 2 leaves only a signature nobody posted. A death
// before the lease is released leaves the user to the next sweep once the
// lease expires.
//
// The crash matrix and the concurrent-sweep tests run on the embedded store.
// On MongoDB the tests through FerretDB are sequential crash tests only:
// FerretDB v1's single-document updates are not atomic under concurrency, so
// two sweeps racing on its lease documents prove nothing about MongoDB.
//
// # Bounded work
//
// A sweep starts no new batch when less than DeadlineMargin is left before
// its context's deadline, and takes at most MaxUsers users; what it leaves,
// the next scheduled sweep continues. A user is swept until fewer than a
// batch of items remain, so one user with a long backlog can use a whole
// invocation; users are taken in the store's order.
package archive
