/**
 * Schema-level metadata of every ntk-lab result: who wrote it, with which parameters, and whether the run
 * finished. Arrow metadata is string -> string, so numbers are decimal strings and structures are JSON.
 * The key names are documented in docs/arrow-schemas.md; pyarrow users read them as `schema.metadata`.
 */
import { randomUUID } from 'node:crypto';
import { ArrowFormatError, InvalidOptionError } from '../errors';
import { VERSION } from '../version';

/** Written in `producer`; a file without it was not written by ntk-lab. */
export const PRODUCER = 'ntk-lab';

/** Version of the column layouts; bumped when a column changes meaning, type or name. */
export const SCHEMA_VERSION = 1;

/** The metadata keys, in one place so writers, readers and docs cannot drift apart. */
export const META = {
  producer: 'producer',
  producerVersion: 'producer_version',
  kind: 'result_kind',
  schemaVersion: 'schema_version',
  params: 'params',
  backend: 'backend',
  seed: 'seed',
  runId: 'run_id',
  created: 'created',
  complete: 'complete',
  cancelled: 'cancelled',
  error: 'error',
  batches: 'batches',
  rows: 'rows',
  finished: 'finished',
  /** Marks the 0-row batch that ends an IPC stream and carries its status (the stream format has no footer). */
  status: 'ntk_lab_status',
} as const;

/** A JSON value as written in the `params` metadata (finite numbers only: JSON has no NaN or Infinity). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What a caller says about the run that produced a result; becomes the schema metadata of what it writes. */
export interface RunMeta {
  /**
   * The run's parameters (model sizes, activation, n, lambda, ...): a plain object of JSON values, checked
   * at run time (typed `object` so that option interfaces, which lack index signatures, can be passed).
   */
  params?: object;
  /** Compute backend, e.g. 'wasm+openblas'. */
  backend?: string;
  /** Seed of the run's random draws, a safe integer. */
  seed?: number;
  /** Identifies the run across files; default a random UUID. */
  runId?: string;
  /** Creation time; default now. */
  createdAt?: Date;
}

/** How a stream ended: written into a file's footer (file format) or final status batch (stream format). */
export interface StreamStatus {
  /** True only when the producer ran to its end and every sink took every batch. */
  complete: boolean;
  /** True when an AbortSignal stopped the run. */
  cancelled: boolean;
  /** `Name: message` of the error that stopped the run (also set on cancellation). */
  error?: string;
  /** Data batches written (the status batch not counted). */
  batches: number;
  /** Data rows written. */
  rows: number;
  finishedAt: Date;
}

/** The parsed schema metadata of a result read back. */
export interface ResultMetadata {
  producerVersion: string;
  kind: string;
  schemaVersion: number;
  params: { readonly [key: string]: JsonValue };
  backend: string;
  seed: number | undefined;
  runId: string;
  createdAt: Date;
  status: StreamStatus;
  /** Every key as stored, including kind-specific ones such as `laws` of a density. */
  raw: ReadonlyMap<string, string>;
}

/** Builds the header metadata of a result of `kind`; `extra` holds kind-specific keys (e.g. density `laws`). */
export function runMetadata(kind: string, meta: RunMeta = {}, extra: Readonly<Record<string, string>> = {}): Map<string, string> {
  if (meta.params !== undefined && (meta.params === null || Array.isArray(meta.params) || typeof meta.params !== 'object')) {
    throw new InvalidOptionError('RunMeta.params must be a plain object');
  }
  checkJson(meta.params ?? {}, 'params');
  if (meta.seed !== undefined && !Number.isSafeInteger(meta.seed)) {
    throw new InvalidOptionError(`RunMeta.seed must be a safe integer, got ${meta.seed}`);
  }
  const created = meta.createdAt ?? new Date();
  if (Number.isNaN(created.getTime())) throw new InvalidOptionError('RunMeta.createdAt is an invalid Date');
  const m = new Map<string, string>([
    [META.producer, PRODUCER],
    [META.producerVersion, VERSION],
    [META.kind, kind],
    [META.schemaVersion, String(SCHEMA_VERSION)],
    [META.params, JSON.stringify(meta.params ?? {})],
    [META.backend, meta.backend ?? ''],
    [META.runId, meta.runId ?? randomUUID()],
    [META.created, created.toISOString()],
  ]);
  if (meta.seed !== undefined) m.set(META.seed, String(meta.seed));
  for (const [k, v] of Object.entries(extra)) {
    if (m.has(k) || Object.values<string>(META).includes(k)) {
      throw new InvalidOptionError(`extra metadata key '${k}' is reserved by ntk-lab`);
    }
    m.set(k, v);
  }
  return m;
}

/** The status as metadata entries (strings), for a footer schema or a status batch. */
export function statusMetadata(status: StreamStatus): Map<string, string> {
  const m = new Map<string, string>([
    [META.complete, String(status.complete)],
    [META.cancelled, String(status.cancelled)],
    [META.batches, String(status.batches)],
    [META.rows, String(status.rows)],
    [META.finished, status.finishedAt.toISOString()],
  ]);
  if (status.error !== undefined) m.set(META.error, status.error);
  return m;
}

/** Metadata `base` with the status keys added (replacing older ones). */
export function withStatus(base: ReadonlyMap<string, string>, status: StreamStatus): Map<string, string> {
  const m = new Map(base);
  for (const k of [META.complete, META.cancelled, META.error, META.batches, META.rows, META.finished]) m.delete(k);
  for (const [k, v] of statusMetadata(status)) m.set(k, v);
  return m;
}

/** Reads the status keys back; undefined when `complete` is absent (no status was recorded there). */
export function parseStatus(m: ReadonlyMap<string, string>, where: string): StreamStatus | undefined {
  const complete = m.get(META.complete);
  if (complete === undefined) return undefined;
  const bool = (key: string, v: string | undefined): boolean => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new ArrowFormatError(`${where}: metadata '${key}' must be "true" or "false", got ${JSON.stringify(v)}`);
  };
  const count = (key: string): number => {
    const v = m.get(key);
    const x = Number(v);
    if (v === undefined || v === '' || !Number.isSafeInteger(x) || x < 0) {
      throw new ArrowFormatError(`${where}: metadata '${key}' must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return x;
  };
  const status: StreamStatus = {
    complete: bool(META.complete, complete),
    cancelled: bool(META.cancelled, m.get(META.cancelled) ?? 'false'),
    batches: count(META.batches),
    rows: count(META.rows),
    finishedAt: parseDate(m.get(META.finished), META.finished, where),
  };
  const error = m.get(META.error);
  if (error !== undefined) status.error = error;
  return status;
}

/** Parses and checks the header keys of an ntk-lab result; `status` comes from wherever the format keeps it. */
export function parseRunMetadata(m: ReadonlyMap<string, string>, status: StreamStatus, where: string): ResultMetadata {
  const producer = m.get(META.producer);
  if (producer !== PRODUCER) {
    const keys = [...m.keys()].slice(0, 8).join(', ') || 'none';
    throw new ArrowFormatError(
      `${where}: not an ntk-lab result (schema metadata '${META.producer}' is ${JSON.stringify(producer)}, expected "${PRODUCER}"; metadata keys: ${keys})`,
    );
  }
  const schemaVersion = Number(m.get(META.schemaVersion));
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new ArrowFormatError(`${where}: metadata '${META.schemaVersion}' is ${JSON.stringify(m.get(META.schemaVersion))}, expected an integer >= 1`);
  }
  if (schemaVersion > SCHEMA_VERSION) {
    throw new ArrowFormatError(
      `${where}: written with schema version ${schemaVersion} by ntk-lab ${m.get(META.producerVersion)}; this ntk-lab ${VERSION} reads up to version ${SCHEMA_VERSION}`,
    );
  }
  let params: unknown;
  try {
    params = JSON.parse(m.get(META.params) ?? '{}');
  } catch (e) {
    throw new ArrowFormatError(`${where}: metadata '${META.params}' is not valid JSON (${(e as Error).message})`);
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ArrowFormatError(`${where}: metadata '${META.params}' must be a JSON object`);
  }
  const seedText = m.get(META.seed);
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new ArrowFormatError(`${where}: metadata '${META.seed}' is ${JSON.stringify(seedText)}, expected an integer`);
  }
  return {
    producerVersion: m.get(META.producerVersion) ?? '',
    kind: m.get(META.kind) ?? '',
    schemaVersion,
    params: params as { readonly [key: string]: JsonValue },
    backend: m.get(META.backend) ?? '',
    seed,
    runId: m.get(META.runId) ?? '',
    createdAt: parseDate(m.get(META.created), META.created, where),
    status,
    raw: m,
  };
}

function parseDate(v: string | undefined, key: string, where: string): Date {
  const d = new Date(v ?? '');
  if (v === undefined || Number.isNaN(d.getTime())) {
    throw new ArrowFormatError(`${where}: metadata '${key}' must be an ISO-8601 time, got ${JSON.stringify(v)}`);
  }
  return d;
}

// JSON.stringify would silently turn NaN into null and drop functions: refuse them so params round-trip.
function checkJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidOptionError(`RunMeta.${path} is ${v}; JSON holds finite numbers only`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkJson(x, `${path}.${k}`);
    return;
  }
  throw new InvalidOptionError(`RunMeta.${path} is a ${typeof v === 'object' ? (v as object).constructor.name : typeof v}; params must be plain JSON`);
}
