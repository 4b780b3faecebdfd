/**
 * execute_request: cells run one at a time, in arrival order, each in its own context (see context.ts).
 * Other requests (comm messages above all) are not queued behind them, so a running cell can talk to the
 * front end. What a cell leaves is published as ipykernel does: `execute_input`, streams, an
 * `execute_result` for the value of its last expression, an `error` (also in the execute_reply) when it
 * fails. After a failure, with stop_on_error (the default), every execute_request that arrived before the
 * failure was handled gets an 'aborted' reply instead of running: those queued here, and those still
 * waiting on the socket (a synchronous cell blocks the reader), which the queue waits for.
 *
 * No request can stop the queue: whatever throws while one is served is logged and answered with an error
 * reply if none went out yet, and the next one runs.
 */
import type { CellOutcome } from './cell-outcome';
import type { Contexts } from './context';
import type { History } from './history';
import type { Iopub } from './iopub';
import type { JsonObject } from './json';
import type { Log } from './log';
import { reprOf } from './repr';
import type { Header, Message } from './wire/message';

/** What running cells needs from the kernel. */
export interface ExecuteDeps {
  /** tslab's executor: compiles and runs a cell; false when it failed (reported on the outcome's console). */
  execute(code: string): Promise<boolean>;
  outcome: CellOutcome;
  iopub: Iopub;
  contexts: Contexts;
  history: History;
  /** Sends the execute_reply to the requester. */
  reply(req: Message, content: JsonObject, metadata: JsonObject): void;
  /** The kernel's session id: the `engine` of reply metadata, as ipykernel names itself there. */
  engine: string;
  /** Resolves once the requests already waiting on the shell socket have been read (and so queued here). */
  drained(): Promise<void>;
  log: Log;
}

interface Queued {
  readonly req: Message;
  aborted: boolean;
  replied: boolean;
  /** When it started to be served (ipykernel's `started` reply metadata). */
  started: string;
  readonly done: Promise<void>;
  finish(): void;
}

/** The queue of cells. */
export class Executions {
  private readonly queue: Queued[] = [];
  private running: Queued | undefined;
  private count = 0;
  // While set, arriving cells are aborted: from a failure (with stop_on_error) until the socket is drained.
  private aborting = false;
  // Resolves when that drain ends. The error reply and the aborted replies wait for it: a client that sends its next
  // request after seeing any of them must find the kernel no longer aborting (on a loaded machine the drain could
  // outlast that round trip, and the next cell was aborted too).
  private abortDrain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ExecuteDeps) {}

  /** The execution_count of the latest cell that stored history. */
  get executionCount(): number {
    return this.count;
  }

  /** Queues a cell; it runs after those before it. */
  enqueue(req: Message): void {
    let finish = (): void => undefined;
    const done = new Promise<void>((r) => (finish = r));
    this.queue.push({ req, aborted: this.aborting, replied: false, started: '', done, finish });
    if (!this.running) void this.pump();
  }

  /** True while a cell runs or waits. */
  busy(): boolean {
    return this.running !== undefined || this.queue.length > 0;
  }

  /** Resolves when the cells running or queued now have finished. */
  settled(): Promise<void> {
    const last = this.queue[this.queue.length - 1] ?? this.running;
    return last ? last.done : Promise.resolve();
  }

  private async pump(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      this.running = item;
      item.started = new Date().toISOString();
      try {
        this.deps.iopub.status('busy', item.req.header);
        if (item.aborted) {
          await this.abortDrain;
          this.send(item, { status: 'aborted' });
        } else await this.run(item);
      } catch (e) {
        this.failed(item, e);
      } finally {
        this.idle(item.req.header);
        this.running = undefined;
        item.finish();
      }
    }
  }

  private async run(item: Queued): Promise<void> {
    const { contexts, outcome, iopub, history } = this.deps;
    const { req } = item;
    const content = req.content;
    const code = content.code;
    if (typeof code !== 'string') {
      this.send(item, { status: 'error', execution_count: this.count, ...badRequest("execute_request: 'code' is not a string") });
      return;
    }
    const silent = content.silent === true;
    // IPython's run_cell: silent forces store_history off.
    const storeHistory = !silent && content.store_history !== false;
    if (storeHistory) {
      this.count++;
      history.add(this.count, code);
    }
    const count = this.count;
    if (!silent) iopub.publish('execute_input', { code, execution_count: count }, { parent: req.header });
    outcome.reset();
    let ok = false;
    try {
      ok = await contexts.runCell(req.header, () => this.deps.execute(code));
    } catch (e) {
      // tslab reports the cell's own errors; this is tslab (its compiler) failing: show it as the cell's error.
      outcome.record([e]);
    } finally {
      contexts.endCell();
    }
    for (const w of ok ? outcome.warnings() : []) iopub.stream('stderr', `${w}\n`, req.header);
    iopub.flush();
    if (ok) {
      const last = outcome.value();
      if (last && !silent) this.publishResult(req.header, count, last.value, storeHistory);
      this.send(item, { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
      return;
    }
    const error = outcome.error();
    iopub.publish('error', { ...error }, { parent: req.header });
    const engineInfo = { engine_uuid: this.deps.engine, engine_id: -1, method: 'execute' };
    if (content.stop_on_error !== false && !silent) {
      // The reply waits for the drain too: what the client sent before it knew of the failure is aborted, and
      // whatever it sends after seeing the error reply runs (otherwise a quick follow-up inside the drain window
      // was aborted as well).
      this.abortArrived();
      await this.abortDrain;
    }
    this.send(item, { status: 'error', execution_count: count, ...error, engine_info: engineInfo, user_expressions: {}, payload: [] });
  }

  /** The execute_result of the cell's last value; its repr methods' failures go to the cell's stderr. */
  private publishResult(parent: Header, count: number, value: unknown, storeHistory: boolean): void {
    const { iopub } = this.deps;
    const repr = reprOf(value, (problem) => iopub.stream('stderr', `display of the cell's value: ${problem}\n`, parent));
    iopub.publish('execute_result', { data: repr.data, metadata: repr.metadata, execution_count: count }, { parent });
    if (storeHistory) this.deps.history.setOutput(count, String(repr.data['text/plain']));
  }

  /**
   * stop_on_error: aborts the cells queued now, and those arriving until the socket holds no more (a cell
   * that ran synchronously kept them unread), as ipykernel aborts what its queue holds at the failure.
   */
  private abortArrived(): void {
    for (const q of this.queue) q.aborted = true;
    this.aborting = true;
    const stop = (): void => {
      this.aborting = false;
    };
    this.abortDrain = this.deps.drained().then(stop, (e: unknown) => {
      stop();
      this.deps.log.error(`waiting for queued requests after a failed cell: ${String(e)}`);
    });
  }

  // The reply, with ipykernel's metadata (its `status` repeats the content's).
  private send(item: Queued, content: JsonObject): void {
    item.replied = true;
    this.deps.reply(item.req, content, { started: item.started, dependencies_met: true, engine: this.deps.engine, status: content.status });
  }

  // The kernel, not the cell, failed while serving `item`: log it, and answer if nothing was answered yet.
  private failed(item: Queued, e: unknown): void {
    const what = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.deps.log.error(`execute_request ${item.req.header.msg_id}: ${what}`);
    if (item.replied) return;
    try {
      this.send(item, { status: 'error', execution_count: this.count, ename: 'KernelError', evalue: e instanceof Error ? e.message : String(e), traceback: [] });
    } catch (again) {
      this.deps.log.error(`execute_request ${item.req.header.msg_id}: the error reply failed too: ${String(again)}`);
    }
  }

  private idle(parent: Header): void {
    try {
      this.deps.iopub.status('idle', parent);
    } catch (e) {
      this.deps.log.error(`idle status: ${String(e)}`);
    }
  }
}

/** The error fields of a request the kernel cannot serve as sent. */
export function badRequest(evalue: string): { ename: string; evalue: string; traceback: string[] } {
  return { ename: 'BadRequest', evalue, traceback: [`BadRequest: ${evalue}`] };
}
