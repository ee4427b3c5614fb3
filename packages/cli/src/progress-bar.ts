/** Where a progress bar draws: process.stderr, or any stream with `write`. */
export interface ProgressStream {
  /** Write text as is. */
  write(text: string): boolean;
  /** True when the stream is a terminal: the bar then redraws one line in place. */
  isTTY?: boolean;
}

/** Options of createProgressBar. */
export interface ProgressBarOptions {
  /** The stream to draw on. */
  stream: ProgressStream;
  /** Word before the bar (`audit`). */
  label: string;
  /** Characters of the bar itself on a terminal. */
  widthChars?: number;
  /** Least time between two redraws on a terminal. */
  redrawMs?: number;
  /** Clock in ms. */
  clock?: () => number;
}

/** A progress bar: a line redrawn in place on a terminal, a line every 10% elsewhere (a log file, CI). */
export interface ProgressBar {
  /** Show that `done` of `total` units are done. */
  update(done: number, total: number): void;
  /** Erase the bar's line on a terminal, so that other output can start at column 0. */
  clear(): void;
  /** Draw the last state and end the line. */
  finish(): void;
}

/**
 * Create a progress bar on `stream`. On a terminal it redraws at most every `redrawMs` (and at
 * 100%); otherwise it writes one line each time another tenth is done, so a log stays short.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const { stream, label } = options;
  const widthChars = options.widthChars ?? 30;
  const redrawMs = options.redrawMs ?? 100;
  const clock = options.clock ?? Date.now;
  const terminal = stream.isTTY === true;
  let lastDone = 0;
  let lastTotal = 0;
  let drawnAtMs = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let tenthsWritten = -1;

  const percent = (done: number, total: number): number =>
    total === 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));
  const draw = (): void => {
    const filled = lastTotal === 0 ? widthChars : Math.min(widthChars, Math.floor((lastDone * widthChars) / lastTotal));
    const bar = `${'#'.repeat(filled)}${'.'.repeat(widthChars - filled)}`;
    stream.write(`\r${label} [${bar}] ${String(percent(lastDone, lastTotal)).padStart(3)}% ${lastDone}/${lastTotal}`);
    drawn = true;
    drawnAtMs = clock();
  };

  return {
    update(done, total) {
      lastDone = done;
      lastTotal = total;
      if (terminal) {
        if (clock() - drawnAtMs >= redrawMs || done >= total) draw();
        return;
      }
      const tenths = Math.floor(percent(done, total) / 10);
      if (tenths > tenthsWritten) {
        tenthsWritten = tenths;
        stream.write(`${label} ${tenths * 10}% (${done}/${total})\n`);
      }
    },
    clear() {
      if (terminal && drawn) {
        stream.write('\r\x1b[K');
        drawn = false;
        drawnAtMs = Number.NEGATIVE_INFINITY;
      }
    },
    finish() {
      if (terminal) {
        draw();
        stream.write('\n');
        drawn = false;
        return;
      }
      if (tenthsWritten < 10) this.update(lastTotal, lastTotal);
    },
  };
}
