/**
 * Which request a piece of running code belongs to. Each cell runs inside its own context (its request's
 * header and AbortSignal), and AsyncLocalStorage carries it through every await and callback the cell
 * starts: output printed by a cell's timer still goes to that cell, and its computations see its signal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Header } from './wire/message';

/** The request being served and the signal that interrupting it aborts. */
export interface RequestContext {
  readonly parent: Header;
  readonly signal: AbortSignal;
}

interface Cell {
  readonly ctx: RequestContext;
  readonly controller: AbortController;
}

/** Tracks the context of running code, with the latest cell as the fallback for code outside any context. */
export class Contexts {
  private readonly storage = new AsyncLocalStorage<RequestContext>();
  private latest: Cell | undefined;
  private executing = false;
  private handlers = new AbortController();

  /** The context of the calling code: its own, else the latest cell's (as ipykernel routes stray output). */
  current(): RequestContext | undefined {
    return this.storage.getStore() ?? this.latest?.ctx;
  }

  /** Runs a cell's code: `fn` and all it starts see a fresh context whose signal the next interrupt aborts. */
  runCell<T>(parent: Header, fn: () => T): T {
    const controller = new AbortController();
    this.latest = { ctx: { parent, signal: controller.signal }, controller };
    this.executing = true;
    return this.storage.run(this.latest.ctx, fn);
  }

  /** The cell's reply is out; its signal stays live for background work it started. */
  endCell(): void {
    this.executing = false;
  }

  /** The header of the cell now executing, if any. */
  executingCell(): Header | undefined {
    return this.executing ? this.latest?.ctx.parent : undefined;
  }

  /** Runs a handler of a front-end message (a comm message) with that message as the parent. */
  runHandler<T>(parent: Header, fn: () => T): T {
    return this.storage.run({ parent, signal: this.handlers.signal }, fn);
  }

  /**
   * Interrupt: aborts the latest cell's signal (the executing one, or, when idle, the one whose background
   * work may still run) and the signal that running comm handlers see.
   */
  interrupt(reason: Error): void {
    if (this.latest && !this.latest.ctx.signal.aborted) this.latest.controller.abort(reason);
    this.handlers.abort(reason);
    this.handlers = new AbortController();
  }
}
