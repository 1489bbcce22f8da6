/**
 * Where a style figure's jobs run (src/core/style/style-job.ts): in a module Web Worker
 * (style-worker.ts) on the backend the page chose, so the page stays responsive while a step takes
 * hundreds of milliseconds; on the page's own thread, as before, when the page computes on WebGL (its
 * work is on the GPU, and a worker would need a second context) or when no worker can start (a browser
 * without module workers, an embedding page's policy, a worker that fails to load). A figure holds one
 * runner, pauses and resumes it between steps, cancels a job through its signal and disposes it when
 * it leaves the page (the worker ends, and with it every tensor it held). A worker that fails mid-job
 * (an uncaught error) or goes silent (ended by the browser, out of memory, without an error event)
 * fails that job with a message; the next job starts a fresh worker.
 */
import type { BackendInfo } from '../core/backend';
import { PauseControl } from '../core/optvis/render';
import { type JobInputs, type JobResult, type JobStep, type StyleJob, type StyleNetworkId, StyleNets, runStyleJob } from '../core/style/style-job';
import { assetBase, assetUrl } from './assets';
import { getEngine } from './engine';
import type { FromStyleWorker, ToStyleWorker } from './style-worker';

/** Where the jobs run: the backend, and in a worker or not (with why not). */
export interface RunnerPlace {
  backend: BackendInfo;
  worker: boolean;
  /** Why the jobs run on the page's thread, when they do. */
  reason?: string;
}

/** How a caller follows a job: its signal cancels it. */
export interface RunnerHooks {
  signal: AbortSignal;
  onInputs?: (inputs: JobInputs) => void;
  onStep?: (step: JobStep) => void;
  /** The job now holds between two steps, after a pause. */
  onHeld?: () => void;
}

/** What the runner knows of the job under way. */
interface Pending {
  id: number;
  hooks: RunnerHooks;
  resolve: (result: JobResult) => void;
  reject: (error: Error) => void;
}

/** Milliseconds a worker may take to load TensorFlow.js and start its backend before the page gives up on it. */
const WORKER_START_MS = 30_000;

/**
 * Milliseconds a running, unpaused job may go without a message from the worker before the page takes the
 * worker for dead. A job reports every step (a few hundred milliseconds at 128 pixels here), and the worker
 * says it is alive every few seconds besides (ALIVE_EVERY_MS in style-worker.ts), also while a network
 * loads over a slow connection; only a worker that has ended, or a step that holds it for a minute, is silent
 * this long.
 */
export const WORKER_SILENCE_MS = 60_000;

/** Runs style jobs in a worker where it can, else on the page's thread; see the module comment. */
export class StyleRunner {
  private worker: Worker | null = null;
  private place: Promise<RunnerPlace> | null = null;
  private pending: Pending | null = null;
  private nextId = 1;
  private readonly pauseControl = new PauseControl(() => this.pending?.hooks.onHeld?.());
  private readonly nets = new StyleNets();
  /** The leftover tensors the worker reported after the last job (0 when every tensor was released). */
  lastLeaked = 0;
  /** How long a running job may go without word from the worker ({@link WORKER_SILENCE_MS}). */
  silenceMs = WORKER_SILENCE_MS;
  private heardAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;

  /** Where this runner's jobs run; starts the engine and the worker on the first call. */
  where(): Promise<RunnerPlace> {
    this.place ??= this.start();
    return this.place;
  }

  private async start(): Promise<RunnerPlace> {
    const backend = await getEngine();
    if (backend.name === 'webgl') return { backend, worker: false, reason: 'WebGL computes on the GPU from the page' };
    try {
      return { backend: await this.startWorker(backend), worker: true };
    } catch (err) {
      this.worker?.terminate();
      this.worker = null;
      return { backend, worker: false, reason: `no worker could start (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  private startWorker(page: BackendInfo): Promise<BackendInfo> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./style-worker.ts', import.meta.url), { type: 'module', name: 'style-jobs' });
      this.worker = worker;
      const timer = setTimeout(() => reject(new Error('it did not answer')), WORKER_START_MS);
      const fail = (message: string) => {
        clearTimeout(timer);
        reject(new Error(message));
        this.workerStopped(worker, message);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        fail(e.message || 'it failed to load');
      };
      worker.onmessage = (e: MessageEvent<FromStyleWorker>) => {
        const message = e.data;
        this.heardAt = performance.now();
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.backend);
        } else if (message.type === 'error' && message.id === undefined) fail(message.message);
        else this.receive(message);
      };
      this.send({ type: 'init', backend: page.name, wasmPaths: assetUrl('wasm/') });
    });
  }

  /** A worker that failed or went silent takes its job with it; the next job decides afresh where to run. */
  private workerStopped(worker: Worker, message: string): void {
    worker.terminate();
    if (this.worker === worker) [this.worker, this.place] = [null, null];
    this.stopWatching();
    this.pending?.reject(new Error(`The background worker stopped: ${message}`));
    this.pending = null;
  }

  /** Checks, while a job runs in the worker and is not paused, that the worker still answers. */
  private watch(worker: Worker): void {
    this.stopWatching();
    this.heardAt = performance.now();
    this.watchdog = setInterval(() => {
      if (this.pauseControl.paused || this.worker !== worker) return;
      const silent = performance.now() - this.heardAt;
      if (silent > this.silenceMs) this.workerStopped(worker, `it sent nothing for ${Math.round(silent / 1000)} s`);
    }, Math.min(1000, this.silenceMs / 4));
  }

  private stopWatching(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private send(message: ToStyleWorker): void {
    this.worker?.postMessage(message);
  }

  private receive(message: FromStyleWorker): void {
    const pending = this.pending;
    if (!pending || !('id' in message) || message.id !== pending.id) return;
    if (message.type === 'inputs') pending.hooks.onInputs?.(message.inputs);
    else if (message.type === 'step') pending.hooks.onStep?.(message.step);
    else if (message.type === 'held') pending.hooks.onHeld?.();
    else if (message.type === 'done') {
      this.pending = null;
      this.stopWatching();
      this.lastLeaked = message.leaked;
      pending.resolve(message.result);
    } else if (message.type === 'error') {
      this.pending = null;
      this.stopWatching();
      pending.reject(new Error(message.message));
    }
  }

  /** Runs `job` on network `network` where {@link where} says; resolves when it ends, also on cancel. */
  async run(job: StyleJob, network: StyleNetworkId, hooks: RunnerHooks): Promise<JobResult> {
    const place = await this.where();
    this.pauseControl.resume();
    if (!place.worker || !this.worker) return this.runHere(job, network, hooks);
    const id = this.nextId++;
    this.pending?.reject(new Error('Another job started.'));
    const result = new Promise<JobResult>((resolve, reject) => (this.pending = { id, hooks, resolve, reject }));
    hooks.signal.addEventListener('abort', () => this.send({ type: 'cancel', id }), { once: true });
    this.send({ type: 'start', id, job, network, baseUrl: assetBase() });
    this.watch(this.worker);
    return result;
  }

  private async runHere(job: StyleJob, network: StyleNetworkId, hooks: RunnerHooks): Promise<JobResult> {
    const model = await this.nets.get(network, assetBase());
    const id = this.nextId++;
    this.pending = { id, hooks, resolve: () => undefined, reject: () => undefined };
    try {
      return await runStyleJob(model, job, { signal: hooks.signal, pause: this.pauseControl, onInputs: hooks.onInputs, onStep: hooks.onStep });
    } finally {
      if (this.pending?.id === id) this.pending = null;
    }
  }

  pause(): void {
    if (this.worker) this.send({ type: 'pause' });
    this.pauseControl.pause();
  }

  resume(): void {
    // The silence is counted afresh from here: a paused job sends nothing.
    this.heardAt = performance.now();
    if (this.worker) this.send({ type: 'resume' });
    this.pauseControl.resume();
  }

  /** Ends the worker (and every tensor it holds) and releases the networks loaded on the page. */
  dispose(): void {
    this.stopWatching();
    this.worker?.terminate();
    this.worker = null;
    this.place = null;
    this.pending?.reject(new Error('The figure left the page.'));
    this.pending = null;
    this.nets.dispose();
  }
}
