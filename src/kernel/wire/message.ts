/**
 * The Jupyter message (protocol 5.3) as the kernel handles it: a header, the parent's header, metadata,
 * content, and raw binary buffers. Field names follow the wire format (snake_case) so nothing is renamed.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../json';

/** The messaging protocol version this kernel speaks. */
export const PROTOCOL_VERSION = '5.3';

/** A message header. */
export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  /** ISO 8601 time of creation. */
  date: string;
  version: string;
}

/** A decoded message; `parent` is {} for messages without a parent. */
export interface Message {
  /** ZeroMQ routing identities (ROUTER sockets): a reply goes back to them. */
  identities: Buffer[];
  header: Header;
  parent: Header | Record<string, never>;
  metadata: JsonObject;
  content: JsonObject;
  /** Raw frames after the four JSON frames, never signed, never JSON-encoded. */
  buffers: Buffer[];
}

/** A message to send: what the sender chooses; identities and signature are added by the framing. */
export interface Outgoing {
  header: Header;
  parent: Header | Record<string, never>;
  metadata: JsonObject;
  content: JsonObject;
  buffers: readonly Buffer[];
}

/** A fresh header of `msgType` in the kernel's `session`. */
export function newHeader(msgType: string, session: string): Header {
  return { msg_id: randomUUID(), msg_type: msgType, session, username: 'ntk-lab', date: new Date().toISOString(), version: PROTOCOL_VERSION };
}
