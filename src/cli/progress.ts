/** A one-line progress bar on stderr (only on a terminal, so logs and pipes stay clean). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(done: number, total: number): void; end(): void } {
  const tty = stream.isTTY === true;
  let last = -1;
  return {
    update(done, total) {
      if (!tty) return;
      const pct = Math.floor((100 * done) / total);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const fill = Math.round((width * done) / total);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%`);
    },
    end() {
      if (tty && last >= 0) stream.write('\r\x1b[K');
    },
  };
}
