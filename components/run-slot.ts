/**
 * One kind of computation a figure or control runs, newest first: starting a run aborts the
 * one before, and only the newest may write its results.
 */
export class RunSlot {
  private current: AbortController | null = null;

  /** Aborts the current run, if any, and starts a new one: its signal. */
  start(): AbortSignal {
    this.current?.abort();
    this.current = new AbortController();
    return this.current.signal;
  }

  /** Aborts the current run; it stays current (its own cleanup may still run) until the next start. */
  abort(): void {
    this.current?.abort();
  }

  /** Aborts the current run and forgets it, so that nothing it finishes counts. */
  drop(): void {
    this.abort();
    this.current = null;
  }

  /** Whether `signal` belongs to the newest run. */
  isCurrent(signal: AbortSignal): boolean {
    return this.current?.signal === signal;
  }
}
