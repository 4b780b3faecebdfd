/** Wire framing: the HMAC covers the four JSON frames only, buffers are raw frames, bad input is refused before parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decode, encode, WireError } from '../../src/kernel/wire/framing';
import { newHeader } from '../../src/kernel/wire/message';
import { Signer } from '../../src/kernel/wire/signature';

const signer = new Signer('secret-key', 'hmac-sha256');
const DELIM = Buffer.from('<IDS|MSG>');

function message(buffers: Buffer[] = []) {
  return { header: newHeader('comm_msg', 'kernel-session'), parent: newHeader('execute_request', 'client'), metadata: { m: 1 }, content: { comm_id: 'c', data: { x: [1, 2] } }, buffers };
}

test('encode then decode keeps identities, JSON parts and raw buffers (bytes that are not UTF-8 included)', () => {
  const buffers = [Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.alloc(0), Buffer.from('{"not":"json"')];
  const ids = [Buffer.from('peer-1'), Buffer.from([0, 1, 2])];
  const msg = message(buffers);
  const frames = encode(msg, signer, ids);
  assert.equal(frames.length, ids.length + 2 + 4 + buffers.length);
  const back = decode(frames, signer);
  assert.deepEqual(back.identities, ids);
  assert.deepEqual(back.header, msg.header);
  assert.deepEqual(back.parent, msg.parent);
  assert.deepEqual(back.metadata, msg.metadata);
  assert.deepEqual(back.content, msg.content);
  assert.deepEqual(back.buffers, buffers);
  assert.equal(frames[ids.length + 2 + 4], buffers[0], 'outgoing buffers are the caller\'s memory, not JSON and not copies');
});

test('the signature is the HMAC-SHA256 of header, parent, metadata and content, and nothing else', () => {
  const frames = encode(message([Buffer.from('buffer')]), signer);
  const d = frames.findIndex((f) => f.equals(DELIM));
  const h = createHmac('sha256', 'secret-key');
  for (const f of frames.slice(d + 2, d + 6)) h.update(f);
  assert.equal(frames[d + 1].toString(), h.digest('hex'));
  // Changing a buffer keeps the message valid; changing a JSON frame does not.
  const other = [...frames];
  other[d + 6] = Buffer.from('another buffer');
  assert.equal(decode(other, signer).buffers[0].toString(), 'another buffer');
  other[d + 5] = Buffer.from('{"comm_id":"forged"}');
  assert.throws(() => decode(other, signer), (e: unknown) => e instanceof WireError && e.reason === 'signature');
});

test('a bad signature is rejected as such, even when the JSON would not parse', () => {
  const frames = [DELIM, Buffer.from('0'.repeat(64)), Buffer.from('{'), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')];
  assert.throws(() => decode(frames, signer), (e: unknown) => e instanceof WireError && e.reason === 'signature');
});

test('malformed frame sets are refused with a reason', () => {
  const sign = (parts: Buffer[]): Buffer[] => [DELIM, Buffer.from(signer.sign(parts)), ...parts];
  const h = Buffer.from(JSON.stringify(newHeader('execute_request', 's')));
  const cases: [Buffer[], RegExp][] = [
    [[Buffer.from('no delimiter')], /delimiter/],
    [[DELIM, Buffer.from('sig'), Buffer.from('{}')], /need at least 5/],
    [sign([h, Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{bad json')]), /content is not JSON/],
    [sign([h, Buffer.from('[]'), Buffer.from('{}'), Buffer.from('{}')]), /parent_header is not a JSON object/],
    [sign([Buffer.from('{"msg_id":"x"}'), Buffer.from('{}'), Buffer.from('{}'), Buffer.from('{}')]), /without msg_type/],
  ];
  for (const [frames, why] of cases) {
    assert.throws(() => decode(frames, signer), (e: unknown) => e instanceof WireError && e.reason === 'malformed' && why.test(e.message));
  }
});

test('an empty key disables signing (the spec allows it); unknown schemes are refused', () => {
  const open = new Signer('');
  const frames = encode(message(), open);
  assert.equal(frames[1].toString(), '');
  assert.equal(decode(frames, open).content.comm_id, 'c');
  assert.throws(() => new Signer('k', 'rsa-sha256'), /unsupported signature scheme/);
  assert.throws(() => new Signer('k', 'hmac-nosuchdigest'), /no digest 'nosuchdigest'/);
});
