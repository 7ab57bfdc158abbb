#!/usr/bin/env node
// Cross-implementation checker for internal/arweave's Go tests: reads a JSON
// array of requests on stdin, answers a JSON array of results on stdout, each
// computed by arweave-js or arbundles. Test-only.
//
//   {"op":"verify-tx","tx":{...}}           -> {valid, id, data_root, data_size, chunks, tags}
//   {"op":"verify-item","item":"<b64url>"}  -> {valid, id, owner, tags, data}
//   {"op":"sign-tx","wallet":{jwk},"data":"<b64url>","tags":[{name,value}]} -> {tx}
//   {"op":"sign-item","wallet":{jwk},"data":"<b64url>","tags":[{name,value}]} -> {item}
"use strict";

const Arweave = require("arweave");
const { generateTransactionChunks } = require("arweave/node/lib/merkle");
const { DataItem, createData, ArweaveSigner } = require("arbundles");

const arweave = Arweave.init({ host: "127.0.0.1", port: 1, protocol: "http" });
const b64 = (buf) => Arweave.utils.bufferTob64Url(buf);
const unb64 = (s) => Arweave.utils.b64UrlToBuffer(s);

async function verifyTx(raw) {
  const tx = arweave.transactions.fromRaw(raw);
  // verify() warns on stderr when it fails; the result says so already.
  const valid = await arweave.transactions.verify(tx);
  const data = unb64(raw.data || "");
  let dataRoot = "", chunks = [];
  if (data.byteLength > 0) {
    const c = await generateTransactionChunks(data);
    dataRoot = b64(c.data_root);
    chunks = c.chunks.map((ch) => ch.maxByteRange - ch.minByteRange);
  }
  const tags = tx.tags.map((t) => ({
    name: t.get("name", { decode: true, string: true }),
    value: t.get("value", { decode: true, string: true }),
  }));
  return { valid, id: tx.id, data_root: dataRoot, data_size: String(data.byteLength), chunks, tags };
}

async function verifyItem(itemB64) {
  const buf = Buffer.from(unb64(itemB64));
  const item = new DataItem(buf);
  const valid = (await DataItem.verify(buf)) && (await item.isValid());
  return { valid, id: item.id, owner: item.owner, tags: item.tags, data: b64(item.rawData) };
}

async function signTx(req) {
  const tx = await arweave.createTransaction({ data: unb64(req.data), last_tx: "", reward: "1000" }, req.wallet);
  for (const t of req.tags || []) tx.addTag(t.name, t.value);
  await arweave.transactions.sign(tx, req.wallet);
  return { tx: tx.toJSON() };
}

async function signItem(req) {
  const item = createData(Buffer.from(unb64(req.data)), new ArweaveSigner(req.wallet), { tags: req.tags || [] });
  await item.sign(new ArweaveSigner(req.wallet));
  return { item: b64(item.getRaw()) };
}

const ops = { "verify-tx": (r) => verifyTx(r.tx), "verify-item": (r) => verifyItem(r.item), "sign-tx": signTx, "sign-item": signItem };

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const out = [];
  for (const req of JSON.parse(input)) {
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    try {
      out.push(await op(req));
    } catch (e) {
      out.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
