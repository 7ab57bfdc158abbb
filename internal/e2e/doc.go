// Package e2e tests the processor as Kleo's operators would run it: the
// deployed program, not the handler in the test's own process.
//
// Its test builds the processor's bootstrap as template.yaml deploys it
// (-tags lambda.norpc, -trimpath, CGO_ENABLED=0; for the host here), runs it
// behind the Lambda Runtime Interface Emulator with the environment the
// template sets, points it at a real MongoDB wire server (FerretDB, in the
// test process) holding users and history documents shaped as Kleo's backend
// and save-history API write them, posts Kinesis events as the event source
// mapping does, redelivers them, and reads everything back with the raw
// mongo-driver: no document created in Kleo's collections, Kleo's fields
// byte for byte as they were, each item's bytes and activity counted once,
// bad users and bad records dead-lettered without a value in the reason, and
// no page text in the function's log.
//
// The emulator is installed once, at the version tools/invoke.sh pins, into
// the repository's bin/ (as `make invoke` does). Every server the test starts
// listens on 127.0.0.1 and is stopped by the test.
//
// The package has no non-test code besides this comment.
package e2e
