/**
 * Wire framing: [identities..., '<IDS|MSG>', signature, header, parent, metadata, content, buffers...].
 * The signature covers the four JSON frames; buffers are raw frames in both directions. A frame set that
 * fails the signature is rejected before any JSON is parsed, and so is a replay of one already accepted.
 * What is accepted is safe to echo: the header and parent header keep only their scalar fields (every
 * header field of the protocol is a string), and content and metadata nested deeper than MAX_JSON_DEPTH
 * are refused, since code that walks them recursively (JSON.stringify among it) would overflow the stack.
 */
import { isJsonObject, isJsonPrimitive, JsonObject, MAX_JSON_DEPTH, nestedDeeperThan } from '../json';
import type { Header, Message, Outgoing } from './message';
import type { DigestHistory } from './replay';
import type { Signer } from './signature';

const DELIMITER = Buffer.from('<IDS|MSG>');

/** Why an incoming frame set was not accepted as a message. */
export class WireError extends Error {
  constructor(
    message: string,
    /** 'signature': bad HMAC (dropped unread); 'replay': a digest already accepted; 'malformed': not a Jupyter message. */
    readonly reason: 'signature' | 'replay' | 'malformed',
    /**
     * For a malformed message whose header could be read: that header and the sender's identities, so the
     * request can still be answered with an error.
     */
    readonly request?: { header: Header; identities: Buffer[] },
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/**
 * Decodes and authenticates one multipart message; throws WireError. With `history`, a signature seen
 * before is refused as a replay (signing must be enabled: without a key every signature is '').
 */
export function decode(frames: readonly Buffer[], signer: Signer, history?: DigestHistory): Message {
  const d = frames.findIndex((f) => f.equals(DELIMITER));
  if (d < 0) throw new WireError('no <IDS|MSG> delimiter', 'malformed');
  if (frames.length < d + 6) throw new WireError(`${frames.length - d - 1} frames after the delimiter, need at least 5`, 'malformed');
  const json = frames.slice(d + 2, d + 6);
  const signature = frames[d + 1].toString('latin1');
  if (!signer.verify(json, signature)) throw new WireError('invalid signature', 'signature');
  // Only verified digests enter the history: a forger cannot push real ones out of it.
  if (history && signer.enabled && !history.admit(signature)) throw new WireError(`${describeHeader(json[0])}: its signature was accepted before`, 'replay');
  const identities = frames.slice(0, d);
  const header = readHeader(json[0]);
  const request = { header, identities };
  const [parent, metadata, content] = json.slice(1).map((f, i) => {
    const name = ['parent_header', 'metadata', 'content'][i];
    const o = parseObject(f, name, request);
    // The parent header is cut to its scalars below, so only metadata and content must be shallow.
    if (i > 0 && nestedDeeperThan(o, MAX_JSON_DEPTH)) throw new WireError(`${name} nests deeper than ${MAX_JSON_DEPTH} levels`, 'malformed', request);
    return o;
  });
  return { identities, header, parent: scalarFields(parent) as unknown as Header | Record<string, never>, metadata, content, buffers: frames.slice(d + 6) };
}

/** 'msg_type msg_id' of a header frame, for the log (it is signed: what it says is what the sender sent). */
function describeHeader(frame: Buffer): string {
  try {
    const h = readHeader(frame);
    return `${h.msg_type.slice(0, 80)} ${h.msg_id.slice(0, 80)}`;
  } catch {
    return 'a message without a readable header';
  }
}

/** The header with its scalar fields only; it must name msg_id and msg_type as strings. */
function readHeader(frame: Buffer): Header {
  const header = scalarFields(parseObject(frame, 'header'));
  if (typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') throw new WireError('header without msg_type or msg_id', 'malformed');
  return header as unknown as Header;
}

/**
 * The scalar fields of `o`. A header is echoed as the parent header of every reply and output: a nested
 * value there (none is in the protocol) would be re-serialised with each of them, or overflow the stack.
 */
function scalarFields(o: JsonObject): JsonObject {
  const flat: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (isJsonPrimitive(v)) flat[k] = v;
  return flat;
}

/** The frames of `msg`, routed to `identities` (ROUTER replies) and signed. */
export function encode(msg: Outgoing, signer: Signer, identities: readonly Buffer[] = []): Buffer[] {
  const json = [msg.header, msg.parent, msg.metadata, msg.content].map((o) => Buffer.from(JSON.stringify(o)));
  return [...identities, DELIMITER, Buffer.from(signer.sign(json)), ...json, ...msg.buffers];
}

function parseObject(frame: Buffer, name: string, request?: WireError['request']): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString('utf8'));
  } catch (e) {
    throw new WireError(`${name} is not JSON: ${(e as Error).message}`, 'malformed', request);
  }
  if (!isJsonObject(v)) throw new WireError(`${name} is not a JSON object`, 'malformed', request);
  return v;
}
