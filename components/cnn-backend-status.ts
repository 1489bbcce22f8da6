/**
 * `<cnn-backend-status>`: which TensorFlow.js backend the book computes on,
 * whether WASM uses SIMD and threads, why that backend was chosen, and a
 * control to choose another. Reflects the active backend in `data-backend`,
 * and the tensors TensorFlow.js holds (every figure's network, images and
 * maps) in `data-tensors`, also shown under "Why": a count that should fall
 * back when figures leave the page.
 *
 * It loads no TensorFlow.js itself: until a live figure starts the engine (or
 * the URL names a backend) it says the engine starts with the first figure,
 * so pages without figures, and the text above the first one, stay light.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { BackendInfo } from '../src/core/backend';
import { BACKENDS, type BackendName, isSoftwareRenderer } from '../src/core/backend-names';
import {
  ENGINE_CHANGE_EVENT,
  ENGINE_START_EVENT,
  backendAskedFor,
  engineStarted,
  requestedBackend,
  switchBackend,
} from '../src/browser/engine-signals';
import { baseStyles } from './theme';
import { errorMessage } from '../src/core/errors';

const LABELS: Record<BackendName, string> = { webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/**
 * A short summary of the backend, e.g. "WASM · SIMD · 1 thread" or "WebGL, software": the renderer string
 * (often a line long) is left to {@link backendDetails}, so the header stays on one line.
 */
export function describeBackend(info: BackendInfo): string {
  if (info.name === 'webgl') return info.renderer && isSoftwareRenderer(info.renderer) ? 'WebGL, software' : 'WebGL, GPU';
  const parts = [LABELS[info.name]];
  if (info.name === 'wasm') {
    parts.push(info.simd ? 'SIMD' : 'no SIMD');
    parts.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  }
  return parts.join(' · ');
}

/** What the short name leaves out: the WebGL renderer, and what a software one costs. */
export function backendDetails(info: BackendInfo): string | null {
  if (info.name !== 'webgl' || !info.renderer) return null;
  if (!isSoftwareRenderer(info.renderer)) return `Renderer: ${info.renderer}.`;
  return (
    `Renderer: ${info.renderer}. This is a software rasterizer: the processor draws what a GPU would, ` +
    `and the book's benchmark measured it about 5 times slower than WASM on such a machine.`
  );
}

/**
 * @summary The TensorFlow.js backend the figures compute on, why it was chosen, and a control to choose another.
 */
@customElement('cnn-backend-status')
export class CnnBackendStatus extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        margin: 0;
        font-size: 0.875rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .badge {
        white-space: nowrap;
        font-weight: 600;
      }
      details {
        max-width: 36rem;
      }
      summary {
        cursor: pointer;
      }
    `,
  ];

  @state() private info: BackendInfo | null = null;
  @state() private starting = false;
  @state() private error: string | null = null;
  @state() private memory: { tensors: number; bytes: number } | null = null;

  /** How often the tensor count is read, in ms: tf.memory() is a constant-time lookup. */
  private static readonly MEMORY_POLL_MS = 1000;
  private memoryTimer: ReturnType<typeof setInterval> | undefined;
  /** TensorFlow.js's memory count, once a figure has loaded the library. */
  private tfMemory: (() => { numTensors: number; numBytes: number }) | null = null;

  private readonly readMemory = () => {
    if (!this.info || !this.tfMemory) return;
    const { numTensors, numBytes } = this.tfMemory();
    if (numTensors !== this.memory?.tensors || numBytes !== this.memory.bytes) this.memory = { tensors: numTensors, bytes: numBytes };
  };

  private readonly onChange = (e: Event) => {
    this.info = (e as CustomEvent<BackendInfo>).detail;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(ENGINE_CHANGE_EVENT, this.onChange);
    window.addEventListener(ENGINE_START_EVENT, this.start);
    if (engineStarted() || backendAskedFor()) this.start();
    this.memoryTimer = setInterval(this.readMemory, CnnBackendStatus.MEMORY_POLL_MS);
  }

  override disconnectedCallback(): void {
    clearInterval(this.memoryTimer);
    window.removeEventListener(ENGINE_CHANGE_EVENT, this.onChange);
    window.removeEventListener(ENGINE_START_EVENT, this.start);
    super.disconnectedCallback();
  }

  /** Loads the engine (the same module instance the figures use) and shows the backend it starts on. */
  private readonly start = () => {
    if (this.starting) return;
    this.starting = true;
    Promise.all([import('../src/browser/engine'), import('../src/core/tf')])
      .then(([{ getEngine }, { tf }]) => {
        this.tfMemory = () => tf.memory();
        return getEngine();
      })
      .then(
        (info) => (this.info = info),
        (err: unknown) => (this.error = errorMessage(err)),
      );
  };

  protected override updated(): void {
    this.dataset['engine'] = this.info ? 'ready' : this.starting ? 'starting' : 'idle';
    if (this.info) this.dataset['backend'] = this.info.name;
    if (this.memory) this.dataset['tensors'] = String(this.memory.tensors);
  }

  private onSelect(e: Event): void {
    const value = (e.target as HTMLSelectElement).value;
    switchBackend(value === 'auto' ? null : (value as BackendName));
  }

  override render() {
    if (this.error) return html`<p class="error" role="alert">No compute backend could start: ${this.error}</p>`;
    const info = this.info;
    const timings = info ? Object.entries(info.timings) : [];
    return html`
      <div class="row" role="status" aria-live="polite">
        <span>Backend:</span>
        <span class="badge" data-testid="backend-name" title=${(info && backendDetails(info)) ?? nothing}
          >${info ? describeBackend(info) : this.starting ? 'starting…' : 'starts with the first figure'}</span
        >
        <select @change=${this.onSelect} aria-label="Compute backend" ?disabled=${this.starting && !info}>
          <option value="auto" ?selected=${!requestedBackend()}>Automatic</option>
          ${BACKENDS.map(
            (b) => html`<option value=${b} ?selected=${requestedBackend() === b}>${LABELS[b]}</option>`,
          )}
        </select>
      </div>
      ${info
        ? html`<details>
            <summary>Why ${LABELS[info.name]}?</summary>
            <p>${info.reason}.</p>
            ${backendDetails(info) ? html`<p data-testid="backend-details">${backendDetails(info)}</p>` : nothing}
            ${timings.length
              ? html`<p>
                  Probe network, forward + input gradient (median):
                  ${timings.map(([b, ms]) => `${LABELS[b as BackendName]} ${ms!.toFixed(1)} ms`).join(', ')}.
                </p>`
              : nothing}
            ${this.memory
              ? html`<p data-testid="memory">
                  Tensors held now: ${this.memory.tensors} (${(this.memory.bytes / 2 ** 20).toFixed(1)} MiB), for the
                  networks, images and maps of the figures on this page.
                </p>`
              : nothing}
            <p>${crossOriginIsolated ? 'This page is cross-origin isolated, so WASM may use threads.' : 'This page is not cross-origin isolated, so WASM runs on one thread.'}</p>
          </details>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-backend-status': CnnBackendStatus;
  }
}
