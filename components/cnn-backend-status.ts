/**
 * `<cnn-backend-status>`: which TensorFlow.js backend the book computes on,
 * whether WASM uses SIMD and threads, why that backend was chosen, and a
 * control to choose another. Reflects the active backend in `data-backend`,
 * and the tensors TensorFlow.js holds (every figure's network, images and
 * maps) in `data-tensors`, also shown under "Why": a count that should fall
 * back when figures leave the page.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { BACKENDS, type BackendInfo, type BackendName, isSoftwareRenderer } from '../src/core/backend';
import { ENGINE_CHANGE_EVENT, getEngine, requestedBackend, switchBackend } from '../src/browser/engine';
import { tf } from '../src/core/tf';
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
  @state() private error: string | null = null;
  @state() private memory: { tensors: number; bytes: number } | null = null;

  /** How often the tensor count is read, in ms: tf.memory() is a constant-time lookup. */
  private static readonly MEMORY_POLL_MS = 1000;
  private memoryTimer: ReturnType<typeof setInterval> | undefined;

  private readonly readMemory = () => {
    if (!this.info) return;
    const { numTensors, numBytes } = tf.memory();
    if (numTensors !== this.memory?.tensors || numBytes !== this.memory.bytes) this.memory = { tensors: numTensors, bytes: numBytes };
  };

  private readonly onChange = (e: Event) => {
    this.info = (e as CustomEvent<BackendInfo>).detail;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(ENGINE_CHANGE_EVENT, this.onChange);
    getEngine().then(
      (info) => (this.info = info),
      (err: unknown) => (this.error = errorMessage(err)),
    );
    this.memoryTimer = setInterval(this.readMemory, CnnBackendStatus.MEMORY_POLL_MS);
  }

  override disconnectedCallback(): void {
    clearInterval(this.memoryTimer);
    window.removeEventListener(ENGINE_CHANGE_EVENT, this.onChange);
    super.disconnectedCallback();
  }

  protected override updated(): void {
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
          >${info ? describeBackend(info) : 'starting…'}</span
        >
        <select @change=${this.onSelect} aria-label="Compute backend" ?disabled=${!info}>
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
