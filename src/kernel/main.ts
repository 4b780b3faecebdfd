/**
 * The ntk-lab kernel's entry point: `node build/src/kernel/main.js <connection-file>` (what the installed
 * kernelspec runs; also `ntk-lab kernel <connection-file>`). Wires tslab's executor to this kernel's
 * wire server, comm registry, widget registry and interrupt handling, and publishes the runtime that
 * code in cells reaches through ntk-lab's notebook API.
 */
import { randomUUID } from 'node:crypto';
import { CancelledError } from '../errors';
import { VERSION } from '../version';
import { CellOutcome } from './cell-outcome';
import { CommManager } from './comms/manager';
import { readConnectionFile } from './connection';
import { Contexts } from './context';
import { dispatch, DispatchDeps, refuse } from './dispatch';
import { Executions } from './execute';
import { History } from './history';
import { Iopub } from './iopub';
import type { JsonObject } from './json';
import { Log, stderrLog } from './log';
import { watchParent } from './parent';
import { setKernelRuntime } from './runtime';
import { KernelServer } from './server';
import { bindSockets, closeSockets, Outbox } from './sockets';
import { redirectStdio } from './streams';
import { setTslabDisplayWriter, startTslab } from './tslab';
import { WidgetRegistry } from './widgets/registry';
import { Signer } from './wire/signature';

/** Starts a kernel on the connection file `path`; resolves once its sockets are bound. */
export async function startKernel(path: string, log: Log = stderrLog()): Promise<void> {
  const info = readConnectionFile(path);
  const signer = new Signer(info.key, info.signature_scheme);
  const sockets = await bindSockets(info);
  const session = randomUUID();
  const contexts = new Contexts();
  const iopub = new Iopub(new Outbox(sockets.iopub, log), signer, session, contexts);
  const server = new KernelServer(sockets, signer, session, log);

  const outcome = new CellOutcome();
  const tslab = startTslab(process.cwd(), outcome.console);
  const history = new History();
  redirectStdio(iopub);
  const publishDisplay = (content: JsonObject, update: boolean): void => iopub.publish(update ? 'update_display_data' : 'display_data', content);
  setTslabDisplayWriter(publishDisplay);

  const executions = new Executions({
    execute: (code) => tslab.executor.execute(code),
    outcome,
    iopub,
    contexts,
    history,
    reply: (req, content, metadata) => void server.reply(req, 'execute_reply', content, metadata),
    engine: session,
    drained: () => server.drained(),
    log,
  });
  const comms = new CommManager({
    publish: (type, content, metadata, buffers) => iopub.publish(type, content, { metadata, buffers }),
    runHandler: (parent, fn) => contexts.runHandler(parent, fn),
    busy: () => executions.busy(),
    settled: () => executions.settled(),
    log,
  });
  const widgets = new WidgetRegistry(comms, log);
  setKernelRuntime({ comms, widgets, display: publishDisplay, signal: () => contexts.current()?.signal });

  const interrupt = (): void => {
    log.info('interrupt: aborting the cell signal and tslab\'s wait for the cell');
    contexts.interrupt(new CancelledError('interrupted by the kernel interrupt (SIGINT)'));
    tslab.executor.interrupt();
  };
  process.on('SIGINT', interrupt);
  // A stray error in a cell's callback must not end the kernel: report it in the cell and the log.
  const stray = (what: string) => (e: unknown) => {
    log.error(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    iopub.stream('stderr', `${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  };
  process.on('uncaughtException', stray('Uncaught exception'));
  process.on('unhandledRejection', stray('Unhandled promise rejection'));

  const exit = (code: number): never => {
    setKernelRuntime(undefined);
    tslab.close();
    closeSockets(sockets);
    process.exit(code);
  };
  const deps: DispatchDeps = {
    tslab,
    executions,
    comms,
    contexts,
    iopub,
    history,
    log,
    version: VERSION,
    ports: { shell_port: info.shell_port, iopub_port: info.iopub_port, stdin_port: info.stdin_port, control_port: info.control_port, hb_port: info.hb_port },
    reply: (req, type, content) => server.reply(req, type, content),
    interrupt,
    shutdown: (restart, replied) => {
      log.info(`shutdown requested (restart: ${restart})`);
      void replied.finally(() => {
        iopub.flush();
        // Give ZeroMQ a moment to hand the reply and the last idle status to the front end.
        setTimeout(() => exit(0), 100);
      });
    },
  };
  server.listen(
    (req, channel) => dispatch(req, channel, deps),
    (req, _channel, reason) => refuse(req, reason, deps),
  );
  // An orphan has nobody to shut it down (its front end was killed): end with the parent, as ipykernel does.
  watchParent((why) => {
    log.warn(`${why}: shutting down`);
    exit(1);
  });
  log.info(`ntk-lab kernel ${VERSION} listening (${info.transport}://${info.ip}, shell ${info.shell_port}), cwd ${process.cwd()}`);
}

/** Reads the connection file from `argv` ('<file>', '-f <file>' or '--connection-file <file>'). */
export function connectionFileArg(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '-f' || a === '--connection-file');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => !a.startsWith('-'));
}

if (require.main === module) {
  const file = connectionFileArg(process.argv.slice(2));
  if (!file) {
    console.error('usage: node main.js <connection-file>');
    process.exit(2);
  }
  startKernel(file).catch((e: unknown) => {
    console.error(`ntk-lab kernel failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
