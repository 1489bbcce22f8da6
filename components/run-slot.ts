import type { ReactiveController, ReactiveControllerHost } from 'lit';

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

/** The phases of a long run a figure shows: 'pausing' lasts until the step under way has finished. */
export type RunPhase = 'idle' | 'running' | 'pausing' | 'paused' | 'done' | 'cancelled';

/** What holds a run between steps: the loop's PauseControl, or a job in a worker. */
export interface Holdable {
  pause(): void;
  resume(): void;
}

/**
 * The Run / Pause / Resume / Cancel logic of a figure with long runs, as a Lit reactive controller: it
 * owns the run's phase and message (the host re-renders when they change), its {@link RunSlot} and the
 * hold, and cancels the run when the host leaves the page. With `confirmPause`, Pause first shows
 * 'pausing' and becomes 'paused' when the run reports that it holds ({@link held}); without, at once.
 */
export class RunPhases implements ReactiveController {
  private value: RunPhase = 'idle';
  private note = '';
  private readonly slot = new RunSlot();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly hold: Holdable,
    private readonly options: { confirmPause?: boolean } = {},
  ) {
    host.addController(this);
  }

  get phase(): RunPhase {
    return this.value;
  }

  /** Why the last run ended early, when the figure says so (a cancel with a reason). */
  get message(): string {
    return this.note;
  }

  /** Whether a run is under way (running, pausing or paused). */
  get busy(): boolean {
    return this.value === 'running' || this.value === 'pausing' || this.value === 'paused';
  }

  /** Starts a run (aborting any other): the phase becomes 'running'; returns the run's signal. */
  start(): AbortSignal {
    const signal = this.slot.start();
    this.hold.resume();
    this.set('running', '');
    return signal;
  }

  /** Whether `signal` belongs to the newest run, which alone may write results. */
  isCurrent(signal: AbortSignal): boolean {
    return this.slot.isCurrent(signal);
  }

  /** The run of `signal` ended: 'cancelled' (with `message` unless one is set) if it aborted, else 'done'. */
  finish(signal: AbortSignal, message = ''): void {
    if (!this.isCurrent(signal)) return;
    if (signal.aborted) this.set('cancelled', this.note || message);
    else this.set('done', this.note);
  }

  /** The run of `signal` failed: back to 'idle' (the figure shows the error). Whether it was the current run. */
  fail(signal: AbortSignal): boolean {
    if (!this.isCurrent(signal)) return false;
    this.set('idle', '');
    return true;
  }

  pause(): void {
    if (this.value !== 'running') return;
    this.hold.pause();
    this.set(this.options.confirmPause ? 'pausing' : 'paused');
  }

  /** What a figure's one Pause / Resume button does: pause a running run, else resume a pausing or paused one. */
  togglePause(): void {
    if (this.value === 'running') this.pause();
    else this.resume();
  }

  /** That button's label: 'Resume' from the press of Pause until the run goes on, so a second press undoes the first. */
  get pauseLabel(): 'Pause' | 'Resume' {
    return this.value === 'pausing' || this.value === 'paused' ? 'Resume' : 'Pause';
  }

  /** The run now holds between two steps (PauseControl's `onHeld`, a worker's report). */
  held(): void {
    if (this.value === 'pausing') this.set('paused');
  }

  resume(): void {
    if (this.value !== 'paused' && this.value !== 'pausing') return;
    this.set('running');
    this.hold.resume();
  }

  /**
   * Cancels the run under way. Without a message the run ends as it stops (after its current step, through
   * {@link finish}); with one (the input changed, the figure left) it is dropped at once and says why.
   */
  cancel(message = ''): void {
    if (!this.busy) return;
    this.note = message;
    this.slot.abort();
    this.hold.resume();
    if (message) {
      this.slot.drop();
      this.set('cancelled', message);
    }
  }

  hostDisconnected(): void {
    this.cancel('The run was cancelled: the figure left the page.');
  }

  private set(phase: RunPhase, message = this.note): void {
    this.value = phase;
    this.note = message;
    this.host.requestUpdate();
  }
}
