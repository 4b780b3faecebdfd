/**
 * execute_request: cells run one at a time, in arrival order, each in its own context (see context.ts).
 * Other requests (comm messages above all) are not queued behind them, so a running cell can talk to the
 * front end. After a failed cell, the cells queued before its reply are aborted unless they ask otherwise
 * (stop_on_error), as in ipykernel.
 */
import type { CellErrors } from './cell-errors';
import type { Contexts } from './context';
import type { Iopub } from './iopub';
import type { JsonObject } from './json';
import type { Message } from './wire/message';

/** What running cells needs from the kernel. */
export interface ExecuteDeps {
  /** tslab's executor: compiles and runs a cell; false when it failed (the error was printed). */
  execute(code: string): Promise<boolean>;
  errors: CellErrors;
  iopub: Iopub;
  contexts: Contexts;
  /** Sends the execute_reply to the requester. */
  reply(req: Message, content: JsonObject): void;
}

interface Queued {
  readonly req: Message;
  aborted: boolean;
  readonly done: Promise<void>;
  finish(): void;
}

/** The queue of cells. */
export class Executions {
  private readonly queue: Queued[] = [];
  private running: Queued | undefined;
  private count = 0;

  constructor(private readonly deps: ExecuteDeps) {}

  /** Queues a cell; it runs after those before it. */
  enqueue(req: Message): void {
    let finish = (): void => undefined;
    const done = new Promise<void>((r) => (finish = r));
    this.queue.push({ req, aborted: false, done, finish });
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
      const { iopub } = this.deps;
      iopub.status('busy', item.req.header);
      try {
        if (item.aborted) this.deps.reply(item.req, { status: 'aborted', execution_count: this.count });
        else await this.run(item.req);
      } finally {
        iopub.status('idle', item.req.header);
        this.running = undefined;
        item.finish();
      }
    }
  }

  private async run(req: Message): Promise<void> {
    const { contexts, errors, iopub } = this.deps;
    const code = typeof req.content.code === 'string' ? req.content.code : undefined;
    if (code === undefined) {
      this.deps.reply(req, { status: 'error', execution_count: this.count, ename: 'BadRequest', evalue: 'execute_request without code', traceback: [] });
      return;
    }
    const silent = req.content.silent === true;
    if (req.content.store_history !== false && !silent) this.count++;
    const count = this.count;
    if (!silent) iopub.publish('execute_input', { code, execution_count: count }, { parent: req.header });
    errors.reset();
    let ok = false;
    try {
      ok = await contexts.runCell(req.header, () => this.deps.execute(code));
    } catch (e) {
      // tslab reports cell errors itself; this is tslab (its compiler) failing: show it in the cell too.
      errors.console.error(e);
    } finally {
      contexts.endCell();
    }
    iopub.flush();
    if (ok) {
      this.deps.reply(req, { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
      return;
    }
    this.deps.reply(req, { status: 'error', execution_count: count, ...errors.take() });
    if (req.content.stop_on_error !== false) for (const q of this.queue) q.aborted = true;
  }
}
