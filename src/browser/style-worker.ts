/// <reference lib="webworker" />
/**
 * The module Web Worker the style figures run their jobs in (src/browser/style-runner.ts starts it),
 * so that a step of several hundred milliseconds never blocks the page. It only passes messages to and
 * from the core's job (src/core/style/style-job.ts): it starts the backend the page chose (importing
 * the core registers the same replacement kernels as on the page), loads the networks from the same
 * URLs, runs one job at a time and reports its inputs, steps, holds and end, or an error as a message.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type BackendInfo, type BackendName, startEngine } from '../core/backend';
import { errorMessage } from '../core/errors';
import { PauseControl } from '../core/optvis/render';
import { type JobInputs, type JobResult, type JobStep, type StyleJob, type StyleNetworkId, StyleNets, runStyleJob } from '../core/style/style-job';
import { tf } from '../core/tf';

/** Messages to the worker. */
export type ToStyleWorker =
  | { type: 'init'; backend: BackendName; wasmPaths: string }
  | { type: 'start'; id: number; job: StyleJob; network: StyleNetworkId; baseUrl: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel'; id: number };

/** Messages from the worker; `leaked` counts the tensors a job left behind (zero unless something is wrong). */
export type FromStyleWorker =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'inputs'; id: number; inputs: JobInputs }
  | { type: 'step'; id: number; step: JobStep }
  | { type: 'held'; id: number }
  | { type: 'done'; id: number; result: JobResult; leaked: number }
  | { type: 'error'; id?: number; message: string }
  | { type: 'alive' };

/**
 * Milliseconds between the worker's 'alive' messages: they tell the page that a job still loading its
 * network over a slow connection, or between two long steps, has a live worker behind it.
 */
export const ALIVE_EVERY_MS = 5_000;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromStyleWorker) => scope.postMessage(message);

const nets = new StyleNets();
let current: { id: number; controller: AbortController } | null = null;
/** Jobs run one after another: a cancelled job finishes its step and releases its tensors before the next begins. */
let queue: Promise<void> = Promise.resolve();
const pause = new PauseControl(() => current && post({ type: 'held', id: current.id }));
setInterval(() => post({ type: 'alive' }), ALIVE_EVERY_MS);

async function run({ id, job, network, baseUrl }: Extract<ToStyleWorker, { type: 'start' }>, controller: AbortController): Promise<void> {
  try {
    const model = await nets.get(network, baseUrl);
    const before = tf.memory().numTensors;
    const result = await runStyleJob(model, job, {
      signal: controller.signal,
      pause,
      onInputs: (inputs) => post({ type: 'inputs', id, inputs }),
      onStep: (step) => post({ type: 'step', id, step }),
    });
    post({ type: 'done', id, result, leaked: tf.memory().numTensors - before });
  } catch (err) {
    post({ type: 'error', id, message: errorMessage(err) });
  } finally {
    if (current?.id === id) current = null;
  }
}

scope.onmessage = async (event: MessageEvent<ToStyleWorker>) => {
  const message = event.data;
  if (message.type === 'init') {
    try {
      setWasmPaths(message.wasmPaths);
      post({ type: 'ready', backend: await startEngine({ override: message.backend, calibrate: false }) });
    } catch (err) {
      post({ type: 'error', message: errorMessage(err) });
    }
  } else if (message.type === 'start') {
    current?.controller.abort();
    const controller = new AbortController();
    current = { id: message.id, controller };
    pause.resume();
    queue = queue.then(() => run(message, controller));
  }
  else if (message.type === 'pause') pause.pause();
  else if (message.type === 'resume') pause.resume();
  else if (message.type === 'cancel' && current?.id === message.id) {
    current.controller.abort();
    pause.resume();
  }
};
