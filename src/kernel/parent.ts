/**
 * The kernel ends with the process that started it. jupyter_client puts its PID in JPY_PARENT_PID; a
 * front end killed with SIGKILL cannot shut its kernels down, and they would run on, re-parented to
 * PID 1 (or to a subreaper). As ipykernel's ParentPollerUnix does, the parent is polled every second:
 *
 * - when JPY_PARENT_PID is this process's parent, the kernel ends once its parent PID changes;
 * - when it is not (a launcher such as npx in between), once the parent PID becomes 1, or the process
 *   JPY_PARENT_PID names is gone.
 *
 * Without JPY_PARENT_PID (a kernel started by hand), or with 1 there, nothing is watched.
 */

/** What the watcher reads; the defaults are this process's. */
export interface ParentWatchOptions {
  env?: NodeJS.ProcessEnv;
  /** The current parent PID (re-read at every poll: it changes when the parent dies). */
  ppid?: () => number;
  /** True while process `pid` exists. */
  alive?: (pid: number) => boolean;
  intervalMs?: number;
}

/** True while process `pid` exists (signal 0 checks without sending; EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `gone(why)` once the starting process is gone; returns a function that stops watching. The timer
 * does not keep the process alive.
 */
export function watchParent(gone: (why: string) => void, options: ParentWatchOptions = {}): () => void {
  const env = options.env ?? process.env;
  const ppid = options.ppid ?? (() => process.ppid);
  const alive = options.alive ?? processAlive;
  const expected = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(expected) || expected <= 1) return () => undefined;
  const direct = ppid() === expected;
  const check = (): string | undefined => {
    const now = ppid();
    if (direct) return now !== expected ? `the parent process ${expected} is gone (parent PID now ${now})` : undefined;
    if (now === 1) return `the parent process exited (parent PID now 1; JPY_PARENT_PID ${expected})`;
    return alive(expected) ? undefined : `the process JPY_PARENT_PID names (${expected}) is gone`;
  };
  const timer = setInterval(() => {
    const why = check();
    if (why === undefined) return;
    clearInterval(timer);
    gone(why);
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
