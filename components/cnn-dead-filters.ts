/**
 * `<cnn-dead-filters>`: the channels of every layer with feature maps that
 * never fire (largest activation ≤ 0) on the whole test subset the page's
 * network is tested on, counted and listed per layer. The scan runs in
 * batches, with progress; the reader can cancel it and run it again.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { datasetFor, testImageSet } from '../src/browser/test-set';
import { type LayerDeadFilters, deadFilters } from '../src/core/features/dead-filters';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import type { ConvNet } from '../src/core/convnet';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import { baseStyles, numberTableStyles } from './theme';

type Phase = 'idle' | 'running' | 'done' | 'cancelled';

/** Dead channels listed by number up to this many per layer; beyond, the count says the rest. */
const LISTED = 24;

/**
 * @summary The channels of every layer that never fire on the network's test subset.
 */
@customElement('cnn-dead-filters')
export class CnnDeadFilters extends LitElement {
  static override styles = [
    baseStyles,
    numberTableStyles,
    css`
      .buttons {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      th[scope='row'],
      td.list {
        text-align: left;
      }
      td.list {
        max-width: 24rem;
      }
    `,
  ];

  @state() private phase: Phase = 'idle';
  @state() private report: LayerDeadFilters[] = [];
  @state() private done = 0;
  @state() private total = 0;
  @state() private error: string | null = null;
  @state() private elapsed = 0;

  private readonly runs = new RunSlot();
  private ranFor: ConvNet | null = null;
  private readonly workbench = new WorkbenchLink(this, () => this.runOnNewNet(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    this.runOnNewNet();
  }

  private runOnNewNet(): void {
    const net = this.workbench.state.net;
    if (net && net !== this.ranFor) void this.run();
  }

  private async run(): Promise<void> {
    const { net, modelId } = this.workbench.state;
    if (!net) return;
    this.ranFor = net;
    const signal = this.runs.start();
    Object.assign(this, { phase: 'running', report: [], done: 0, error: null });
    const t0 = performance.now();
    try {
      const set = await testImageSet(datasetFor(modelId, net), net);
      this.total = set.size;
      const report = await deadFilters(net, set, {
        signal,
        onProgress: (done) => this.runs.isCurrent(signal) && (this.done = done),
      });
      if (!this.runs.isCurrent(signal)) return;
      Object.assign(this, { report, phase: 'done', elapsed: performance.now() - t0 });
    } catch (err) {
      if (!this.runs.isCurrent(signal)) return;
      if (signal.aborted) this.phase = 'cancelled';
      else Object.assign(this, { phase: 'idle', error: errorMessage(err) });
    }
  }

  private renderReport() {
    if (this.phase !== 'done') return nothing;
    const dead = this.report.reduce((n, r) => n + r.dead.length, 0);
    const channels = this.report.reduce((n, r) => n + r.max.length, 0);
    return html`<p data-summary data-dead=${dead} data-channels=${channels}>
        ${dead} of ${channels} channels, over ${this.report.length} layers, never fire on the ${this.total} test images
        (scanned in ${formatNumber(this.elapsed / 1000)} s).
      </p>
      <table>
        <caption>Dead channels (largest activation ≤ 0 over the whole subset), per layer</caption>
        <tr><th scope="col">layer</th><th scope="col">dead</th><th scope="col">of</th><th scope="col">which</th></tr>
        ${this.report.map(
          (r) => html`<tr data-layer=${r.layer} data-dead=${r.dead.length}>
            <th scope="row">${r.layer}</th>
            <td>${r.dead.length}</td>
            <td>${r.max.length}</td>
            <td class="list">
              ${r.dead.length ? r.dead.slice(0, LISTED).join(', ') + (r.dead.length > LISTED ? `, and ${r.dead.length - LISTED} more` : '') : '—'}
            </td>
          </tr>`,
        )}
      </table>`;
  }

  override render() {
    const { loading, error } = this.workbench.state;
    const running = this.phase === 'running';
    return html`<div class="panel" aria-busy=${running ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      <div class="buttons">
        ${running
          ? html`<button type="button" @click=${() => this.runs.abort()}>Cancel</button>
              <progress max=${this.total || 1} value=${this.done} aria-label="Images scanned"></progress>`
          : html`<button type="button" @click=${() => void this.run()} ?disabled=${!this.workbench.state.net}>Scan the test subset again</button>`}
      </div>
      <p class="status" role="status" aria-live="polite">
        ${loading
          ? 'Loading the network…'
          : running
            ? `Scanning: ${this.done} of ${this.total || '…'} images.`
            : this.phase === 'cancelled'
              ? `Cancelled after ${this.done} images.`
              : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.renderReport()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-dead-filters': CnnDeadFilters;
  }
}
