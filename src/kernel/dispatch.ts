/**
 * Which request does what. Cells go to the execution queue; every other request is answered at once,
 * also while a cell runs, between busy and idle status messages for it (then busy again for the running
 * cell, so front ends keep showing the kernel busy).
 */
import type { CommManager } from './comms/manager';
import type { Contexts } from './context';
import type { Executions } from './execute';
import type { Iopub } from './iopub';
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
  log: Log;
  version: string;
  reply(req: Message, msgType: string, content: JsonObject): Promise<void>;
  interrupt(): void;
  /** Ends the process after the shutdown_reply went out. */
  shutdown(restart: boolean, replied: Promise<void>): void;
}

type Handler = (req: Message, d: DispatchDeps) => void;

const HANDLERS: Record<string, Handler> = {
  kernel_info_request: (req, d) => void d.reply(req, 'kernel_info_reply', kernelInfo(d)),
  is_complete_request: (req, d) => answer(req, d, 'is_complete_reply', () => d.tslab.handler.handleIsComplete({ code: text(req, 'code') })),
  inspect_request: (req, d) =>
    answer(req, d, 'inspect_reply', () => d.tslab.handler.handleInspect({ code: text(req, 'code'), cursor_pos: int(req, 'cursor_pos'), detail_level: 0 })),
  complete_request: (req, d) => answer(req, d, 'complete_reply', () => d.tslab.handler.handleComplete({ code: text(req, 'code'), cursor_pos: int(req, 'cursor_pos') })),
  history_request: (req, d) => void d.reply(req, 'history_reply', { status: 'ok', history: [] }),
  comm_info_request: (req, d) => {
    const target = req.content.target_name;
    void d.reply(req, 'comm_info_reply', d.comms.info(typeof target === 'string' ? target : undefined));
  },
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
  d.iopub.status('busy', req.header);
  try {
    // Own keys only: a msg_type such as 'constructor' must not reach Object's prototype.
    const handler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
    if (handler) handler(req, d);
    else d.log.warn(`${channel}: unhandled msg_type '${type}'`);
  } finally {
    d.iopub.status('idle', req.header);
    const cell = d.contexts.executingCell();
    if (cell) d.iopub.status('busy', cell);
  }
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
    language_info: { ...language, version: d.tslab.typescriptVersion },
    // Without it JupyterLab's debugger assumes support and logs "No active debugger session" errors in the page.
    debugger: false,
    banner: `ntk-lab ${d.version}: TypeScript ${d.tslab.typescriptVersion} (tslab) with Jupyter comms, widgets and binary buffers`,
  };
}

// tslab's answers, or an error reply naming what went wrong (a bad request must not go unanswered).
function answer(req: Message, d: DispatchDeps, msgType: string, compute: () => object): void {
  let content: JsonObject;
  try {
    content = compute() as JsonObject;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    content = { status: 'error', ename: err.name, evalue: err.message, traceback: (err.stack ?? '').split('\n') };
  }
  void d.reply(req, msgType, content);
}

function text(req: Message, key: string): string {
  const v = req.content[key];
  if (typeof v !== 'string') throw new TypeError(`${req.header.msg_type}: '${key}' is not a string`);
  return v;
}

function int(req: Message, key: string): number {
  const v = req.content[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${req.header.msg_type}: '${key}' is not an integer`);
  return v;
}
