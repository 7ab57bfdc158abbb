// Package kinesisapi connects the event-source-mapping emulator to a real
// Kinesis API (AWS, kinesalite or LocalStack).
//
// Source is an esm.Source that reads shards with ListShards,
// GetShardIterator and GetRecords and, like Lambda's poller, follows each
// shard's NextShardIterator instead of asking for a new iterator on every
// read. Kinesalite starts the kinesalite npm package on a free loopback port
// for tests and the end-to-end benchmark; CreateStream and Put set up a
// stream and load it.
package kinesisapi
