// Package arweave implements the parts of the Arweave protocol that Kleo's
// archiver needs, written from the protocol specification and checked against
// arweave-js and arbundles: base64url, deep hash, chunking and merkle proofs,
// format-2 transactions signed with an RSA-4096 JWK wallet, ANS-104 data items,
// and HTTP clients for a gateway and a bundler.
//
// The archiver's exactly-once protocol rests on separating signing from
// posting: an [Uploader] first prepares a [Signed] upload (id and the exact
// bytes to send), which the caller persists, and only then posts it. Posting the
// same Signed again is harmless, and [Uploader.Status] reconciles by id.
package arweave
