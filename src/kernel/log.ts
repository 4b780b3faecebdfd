/**
 * The kernel's own log: to the process's real stderr (Jupyter's kernel log), captured before cells take
 * over process.stderr, so kernel diagnostics never land in a notebook cell.
 */

/** Where the kernel reports what it dropped or could not do. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A Log on the stderr write function as it is now (call before stderr is redirected to the front end). */
export function stderrLog(prefix = '[ntk-lab kernel]'): Log {
  const write = process.stderr.write.bind(process.stderr);
  const line = (level: string, m: string): void => {
    write(`${prefix} ${new Date().toISOString()} ${level} ${m}\n`);
  };
  return { info: (m) => line('INFO', m), warn: (m) => line('WARN', m), error: (m) => line('ERROR', m) };
}
