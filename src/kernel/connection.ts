/** The connection file Jupyter writes for a kernel: ports, transport, key and signature scheme. */
import { readFileSync } from 'node:fs';

/** What a kernel needs from its connection file. */
export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

/** The channels a kernel binds, by their port field. */
export type Channel = 'shell' | 'iopub' | 'stdin' | 'control' | 'hb';

/** Reads and checks `path`; errors name the file and the field. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the connection file ${path}: ${(e as Error).message}`);
  }
  const o = raw as Record<string, unknown>;
  const field = <T>(name: string, ok: (v: unknown) => v is T): T => {
    if (!ok(o[name])) throw new Error(`connection file ${path}: field '${name}' is missing or has the wrong type (${JSON.stringify(o[name])})`);
    return o[name] as T;
  };
  const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 65536;
  const isString = (v: unknown): v is string => typeof v === 'string';
  const transport = o.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') throw new Error(`connection file ${path}: transport '${String(transport)}' is not tcp or ipc`);
  return {
    transport,
    ip: field('ip', isString),
    shell_port: field('shell_port', isPort),
    iopub_port: field('iopub_port', isPort),
    stdin_port: field('stdin_port', isPort),
    control_port: field('control_port', isPort),
    hb_port: field('hb_port', isPort),
    key: typeof o.key === 'string' ? o.key : '',
    signature_scheme: typeof o.signature_scheme === 'string' ? o.signature_scheme : 'hmac-sha256',
  };
}

/** The ZeroMQ endpoint of `channel` (ipc endpoints are '<ip>-<port>', as jupyter_client writes them). */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === 'tcp' ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
