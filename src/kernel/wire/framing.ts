/**
 * Wire framing: [identities..., '<IDS|MSG>', signature, header, parent, metadata, content, buffers...].
 * The signature covers the four JSON frames; buffers are raw frames in both directions. A frame set that
 * fails the signature is rejected before any JSON is parsed.
 */
import { isJsonObject, JsonObject } from '../json';
import type { Header, Message, Outgoing } from './message';
import type { Signer } from './signature';

const DELIMITER = Buffer.from('<IDS|MSG>');

/** Why an incoming frame set was not accepted as a message. */
export class WireError extends Error {
  constructor(
    message: string,
    /** 'signature': bad HMAC (dropped unread); 'malformed': not a Jupyter message. */
    readonly reason: 'signature' | 'malformed',
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** Decodes and authenticates one multipart message; throws WireError. */
export function decode(frames: readonly Buffer[], signer: Signer): Message {
  const d = frames.findIndex((f) => f.equals(DELIMITER));
  if (d < 0) throw new WireError('no <IDS|MSG> delimiter', 'malformed');
  if (frames.length < d + 6) throw new WireError(`${frames.length - d - 1} frames after the delimiter, need at least 5`, 'malformed');
  const json = frames.slice(d + 2, d + 6);
  if (!signer.verify(json, frames[d + 1].toString('latin1'))) throw new WireError('invalid signature', 'signature');
  const [header, parent, metadata, content] = json.map((f, i) => parseObject(f, ['header', 'parent_header', 'metadata', 'content'][i]));
  if (typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') throw new WireError('header without msg_type or msg_id', 'malformed');
  return {
    identities: frames.slice(0, d),
    header: header as unknown as Header,
    parent: parent as unknown as Header | Record<string, never>,
    metadata,
    content,
    buffers: frames.slice(d + 6),
  };
}

/** The frames of `msg`, routed to `identities` (ROUTER replies) and signed. */
export function encode(msg: Outgoing, signer: Signer, identities: readonly Buffer[] = []): Buffer[] {
  const json = [msg.header, msg.parent, msg.metadata, msg.content].map((o) => Buffer.from(JSON.stringify(o)));
  return [...identities, DELIMITER, Buffer.from(signer.sign(json)), ...json, ...msg.buffers];
}

function parseObject(frame: Buffer, name: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString('utf8'));
  } catch (e) {
    throw new WireError(`${name} is not JSON: ${(e as Error).message}`, 'malformed');
  }
  if (!isJsonObject(v)) throw new WireError(`${name} is not a JSON object`, 'malformed');
  return v;
}
