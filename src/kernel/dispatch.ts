/**
 * Which request does what. Cells go to the execution queue; every other request is answered at once,
 * also while a cell runs, between busy and idle status messages for it (then busy again for the running
 * cell, so front ends keep showing the kernel busy).
 *
 * Nothing a request holds can stop the kernel: a handler that throws (a field of the wrong type, tslab
 * failing on odd input) is logged, and its request gets a reply with status 'error' naming what went
 * wrong. Unknown message types are logged and not answered, as in ipykernel.
 */
import type { CommManager } from './comms/manager';
import type { Contexts } from './context';
import { badRequest, Executions } from './execute';
import { History, HistoryRequestError } from './history';
import type { Iopub } from './iopub';
import { isComplete } from './is-complete';
import { isJsonObject, JsonObject } from './json';
import type { Log } from './log';
import type { RequestChannel } from './server';
import type { Tslab } from './tslab';
import type { Message } from './wire/message';

/** What the dispatcher routes to. */
export interface DispatchDeps {
  tslab: Tslab;
  executions: Executions;
  comms: CommManager;
  contexts: Contexts;
  iopub: Iopub;
  history: History;
  log: Log;
  version: string;
  /** The ports of the connection file, for connect_request. */
  ports: JsonObject;
  reply(req: Message, msgType: string, content: JsonObject): Promise<void>;
  interrupt(): void;
  /** Ends the process after the shutdown_reply went out. */
  shutdown(restart: boolean, replied: Promise<void>): void;
}

type Handler = (req: Message, d: DispatchDeps) => void;

/** A request answered with the content `compute` returns (a throw becomes an error reply, see dispatch). */
const answer =
  (compute: (req: Message, d: DispatchDeps) => JsonObject): Handler =>
  (req, d) =>
    void d.reply(req, replyType(req.header.msg_type) as string, compute(req, d));

const HANDLERS: Record<string, Handler> = {
  kernel_info_request: answer((_, d) => kernelInfo(d)),
  connect_request: answer((_, d) => ({ status: 'ok', ...d.ports })),
  is_complete_request: answer((req) => isComplete(text(req, 'code'))),
  inspect_request: answer((req, d) => {
    const { code, cursor } = codeAndCursor(req);
    return d.tslab.handler.handleInspect({ code, cursor_pos: cursor, detail_level: 0 }) as unknown as JsonObject;
  }),
  complete_request: answer((req, d) => {
    const { code, cursor } = codeAndCursor(req);
    const r = d.tslab.handler.handleComplete({ code, cursor_pos: cursor });
    return { ...(r as unknown as JsonObject), cursor_start: codePoints(code, r.cursor_start), cursor_end: codePoints(code, r.cursor_end) };
  }),
  history_request: answer((req, d) => d.history.reply(req.content)),
  comm_info_request: answer((req, d) => {
    const target = req.content.target_name;
    return d.comms.info(typeof target === 'string' ? target : undefined);
  }),
  comm_open: (req, d) => d.comms.handle(req),
  comm_msg: (req, d) => d.comms.handle(req),
  comm_close: (req, d) => d.comms.handle(req),
  interrupt_request: (req, d) => {
    d.interrupt();
    void d.reply(req, 'interrupt_reply', { status: 'ok' });
  },
  shutdown_request: (req, d) => {
    const restart = req.content.restart === true;
    d.shutdown(restart, d.reply(req, 'shutdown_reply', { status: 'ok', restart }));
  },
};

/** Routes one request. */
export function dispatch(req: Message, channel: RequestChannel, d: DispatchDeps): void {
  const type = req.header.msg_type;
  if (type === 'execute_request') {
    d.executions.enqueue(req);
    return;
  }
  around(req, d, () => {
    // Own keys only: a msg_type such as 'constructor' must not reach Object's prototype.
    const handler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
    if (!handler) {
      d.log.warn(`${channel}: unhandled msg_type '${type}'`);
      return;
    }
    try {
      handler(req, d);
    } catch (e) {
      const known = e instanceof BadRequestError || e instanceof HistoryRequestError;
      d.log[known ? 'warn' : 'error'](`${channel}: ${type} ${req.header.msg_id} failed: ${describe(e, !known)}`);
      answerWithError(req, d, e);
    }
  });
}

/**
 * A request whose frames were signed but malformed (content not JSON, nested too deep): answered with an
 * error when it is one this kernel answers, between busy and idle like any other, so that the front end
 * does not wait forever. Other messages are only logged (by the server), as unknown ones are.
 */
export function refuse(req: Message, reason: string, d: DispatchDeps): void {
  if (!answers(req.header.msg_type)) return;
  around(req, d, () => answerWithError(req, d, new BadRequestError(`${req.header.msg_type}: ${reason}`)));
}

/** A request's fields have the wrong type or are missing. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequest';
}

/** True for the requests this kernel replies to (well formed, with a reply; malformed, with an error reply). */
export function answers(msgType: string): boolean {
  return msgType === 'execute_request' || (Object.hasOwn(HANDLERS, msgType) && replyType(msgType) !== undefined);
}

/** 'x_request' -> 'x_reply'; undefined for messages that are not requests. */
export function replyType(msgType: string): string | undefined {
  return msgType.endsWith('_request') ? `${msgType.slice(0, -'_request'.length)}_reply` : undefined;
}

// busy, serve, idle; then busy again for the cell still running. A failure here is logged, never thrown.
function around(req: Message, d: DispatchDeps, serve: () => void): void {
  try {
    d.iopub.status('busy', req.header);
    serve();
  } catch (e) {
    d.log.error(`${req.header.msg_type} ${req.header.msg_id}: ${describe(e, true)}`);
  } finally {
    try {
      d.iopub.status('idle', req.header);
      const cell = d.contexts.executingCell();
      if (cell) d.iopub.status('busy', cell);
    } catch (e) {
      d.log.error(`status after ${req.header.msg_type}: ${describe(e, true)}`);
    }
  }
}

function answerWithError(req: Message, d: DispatchDeps, e: unknown): void {
  const type = replyType(req.header.msg_type);
  if (!type) return;
  const content =
    e instanceof BadRequestError || e instanceof HistoryRequestError
      ? { status: 'error', ...badRequest(e.message) }
      : { status: 'error', ename: e instanceof Error ? e.name : 'Error', evalue: e instanceof Error ? e.message : String(e), traceback: e instanceof Error ? (e.stack ?? '').split('\n') : [] };
  void d.reply(req, type, type === 'execute_reply' ? { ...content, execution_count: d.executions.executionCount } : content);
}

function kernelInfo(d: DispatchDeps): JsonObject {
  const base = d.tslab.handler.handleKernel() as unknown as JsonObject;
  const language = isJsonObject(base.language_info) ? base.language_info : {};
  return {
    ...base,
    status: 'ok',
    protocol_version: '5.3',
    implementation: 'ntk-lab',
    implementation_version: d.version,
    // pygments_lexer and nbconvert_exporter as ipykernel gives them: nbconvert's script export and syntax highlighting use them.
    language_info: { ...language, version: d.tslab.typescriptVersion, pygments_lexer: 'typescript', nbconvert_exporter: 'script' },
    // Without it JupyterLab's debugger assumes support and logs "No active debugger session" errors in the page.
    debugger: false,
    banner: `ntk-lab ${d.version}: TypeScript ${d.tslab.typescriptVersion} (tslab) with Jupyter comms, widgets and binary buffers`,
    help_links: [],
  };
}

function text(req: Message, key: string): string {
  const v = req.content[key];
  if (typeof v !== 'string') throw new BadRequestError(`${req.header.msg_type}: '${key}' is not a string`);
  return v;
}

/**
 * code, and cursor_pos as an index into the JavaScript string. The protocol (5.2 on) counts the cursor in
 * Unicode code points, JavaScript strings in UTF-16 units: they differ after an emoji. A cursor outside
 * the code is refused (tslab's language service would throw on it).
 */
function codeAndCursor(req: Message): { code: string; cursor: number } {
  const code = text(req, 'code');
  const cursor = req.content.cursor_pos;
  if (typeof cursor !== 'number' || !Number.isInteger(cursor)) throw new BadRequestError(`${req.header.msg_type}: 'cursor_pos' is not an integer`);
  let offset = 0;
  let points = 0;
  for (; points < cursor && offset < code.length; points++) offset += (code.codePointAt(offset) as number) > 0xffff ? 2 : 1;
  if (cursor < 0 || points < cursor) throw new BadRequestError(`${req.header.msg_type}: cursor_pos ${cursor} is outside the code (0..${points})`);
  return { code, cursor: offset };
}

/** The code-point position of the UTF-16 index `offset` in `code`. */
function codePoints(code: string, offset: number): number {
  return [...code.slice(0, offset)].length;
}

function describe(e: unknown, stack: boolean): string {
  if (!(e instanceof Error)) return String(e);
  return stack ? (e.stack ?? `${e.name}: ${e.message}`) : `${e.name}: ${e.message}`;
}
