/**
 * `<cnn-top-patches>`: the test images on which one channel of one layer
 * responds most, each with the receptive field of its peak cell boxed on the
 * image, the patch cut to that field, and beside it the unit's guided-backprop
 * or deconvnet projection (Zeiler & Fergus 2014, fig. 2). The page's own image
 * is shown the same way below, so the reader can see where it ranks. Layer,
 * channel, k and the projection rule are kept in the URL under the element's id.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { datasetFor, testImageSet } from '../src/browser/test-set';
import { anyText, checkUrlFields, intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { mapLayers } from '../src/core/activation-maps';
import type { ConvNet } from '../src/core/convnet';
import { errorMessage } from '../src/core/errors';
import type { ImageSet } from '../src/core/features/image-set';
import { DEFAULT_TOP_K, type ProjectionRule, type TopActivation, topActivations, unitProjection } from '../src/core/features/top-patches';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, tensorToImage } from '../src/core/image';
import { drawBox, valuesToRgba } from '../src/core/mosaic';
import { cropHwc, fieldGeometry } from '../src/core/receptive-field';
import { tf, type Tensor4D } from '../src/core/tf';
import { paint, savePng } from './canvas';
import { layerSelect } from './layer-select';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import { baseStyles, controlRowStyles } from './theme';

const RULES: Record<ProjectionRule, string> = { 'guided-backprop': 'guided backpropagation', deconvnet: 'deconvnet' };
/** Largest k the reader may ask for: four rows of the classic grid and a few more. */
const MAX_K = 25;
/** The box's colour: orange, visible on the scenes and on grey, and apart from the blue accent. */
const BOX: [number, number, number] = [230, 97, 0];

type Phase = 'idle' | 'running' | 'done' | 'cancelled';

/** One row of the figure: where the unit peaks, and its three pictures. */
interface Row {
  title: string;
  top: TopActivation;
  pictures: [RgbaImage, RgbaImage, RgbaImage | null];
}

/** A signed colour (or grey) signal as a picture: zero is mid-grey, the largest magnitude black or white. */
function signalPicture(p: { width: number; height: number; channels: number; data: Float32Array }): RgbaImage {
  const m = p.data.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
  return valuesToRgba(p.data.map((v) => 0.5 + v / (2 * m)), p.width, p.height, p.channels === 3 ? 3 : 1);
}

/** One image (the page's) as an image set. */
function singleImageSet(image: Tensor4D): ImageSet {
  return { size: 1, batch: () => tf.clone(image) };
}

/**
 * @summary The test images on which one channel responds most, each with the receptive field of its peak.
 */
@customElement('cnn-top-patches')
export class CnnTopPatches extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .buttons {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
        margin-bottom: 0.5rem;
      }
      .rows {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
        gap: 0.75rem;
      }
      figure {
        margin: 0;
        font-size: 0.8rem;
      }
      .pics {
        display: flex;
        gap: 4px;
        align-items: flex-start;
      }
      canvas {
        width: 72px;
        height: 72px;
        image-rendering: pixelated;
        border: 1px solid var(--_border);
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      input[type='number'] {
        width: 5rem;
      }
      h4 {
        margin: 1rem 0 0.4rem;
      }
    `,
  ];

  @state() private layer = '';
  @state() private channel = 0;
  @state() private k = DEFAULT_TOP_K;
  @state() private rule: ProjectionRule = 'guided-backprop';
  @state() private phase: Phase = 'idle';
  @state() private rows: Row[] = [];
  @state() private own: Row | null = null;
  @state() private done = 0;
  @state() private total = 0;
  @state() private elapsed = 0;
  @state() private error: string | null = null;
  @state() private note: string | null = null;

  /** The link's fields not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private ranFor: unknown[] = [];
  private readonly workbench = new WorkbenchLink(this, () => this.runOnNewInput(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id
      ? readUrlFields(this.id, 'the top patches figure', {
          layer: anyText,
          channel: intIn(0, Number.MAX_SAFE_INTEGER),
          k: intIn(1, MAX_K),
          rule: oneOf('deconvnet', 'guided-backprop'),
        })
      : {};
    if (typeof saved['layer'] === 'string') this.layer = saved['layer'];
    if (saved['channel'] !== undefined) this.channel = saved['channel'] as number;
    if (saved['k'] !== undefined) this.k = saved['k'] as number;
    if (saved['rule'] !== undefined) this.rule = saved['rule'] as ProjectionRule;
    this.unchecked = saved['layer'] !== undefined || saved['channel'] !== undefined ? saved : null;
    this.runOnNewInput();
  }

  /** Layers whose receptive fields can be computed. */
  private get layers(): string[] {
    const net = this.workbench.state.net;
    if (!net) return [];
    return mapLayers(net).filter((l) => {
      try {
        fieldGeometry(net, l);
        return true;
      } catch {
        return false;
      }
    });
  }

  private get shownLayer(): string {
    const layers = this.layers;
    // By default the last layer with feature maps: its units see the most, as in the papers' figures.
    return layers.includes(this.layer) ? this.layer : (layers[layers.length - 1] ?? '');
  }

  private channelsOf(net: ConvNet, layer: string): number {
    return net.layers.find((l) => l.name === layer)?.outputShape[2] ?? 0;
  }

  /** Checks the link's layer and channel against the network, once it has loaded. */
  private checkLink(net: ConvNet): void {
    if (!this.unchecked || !this.id || !this.layers.length) return;
    const fields = this.unchecked;
    const layerCheck = oneOf(...this.layers);
    const layer = layerCheck(fields['layer']) ? (fields['layer'] as string) : this.layers[this.layers.length - 1]!;
    const checks = { layer: layerCheck, channel: intIn(0, this.channelsOf(net, layer) - 1) };
    const ok = checkUrlFields(this.id, 'the top patches figure', fields, checks);
    if (ok['layer'] === undefined) this.layer = '';
    if (ok['channel'] === undefined) this.channel = 0;
    this.unchecked = null;
  }

  private runOnNewInput(): void {
    const { net, sample } = this.workbench.state;
    if (net && sample && (this.ranFor[0] !== net || this.ranFor[1] !== sample)) void this.run();
  }

  private saveState(): void {
    if (this.id) writeUrlState(this.id, { layer: this.layer, channel: this.channel, k: this.k, rule: this.rule });
  }

  private async row(net: ConvNet, title: string, image: Tensor4D, top: TopActivation, layer: string, channel: number): Promise<Row> {
    const shown = await tensorToImage(image, { range: net.inputRange });
    const crop = cropHwc(shown.data, shown.width, 4, top.box);
    const patch: RgbaImage = { width: crop.width, height: crop.height, channels: 4, data: Uint8ClampedArray.from(crop.data) };
    const projection = net.capabilities.reluRules
      ? signalPicture(await unitProjection(net, image, { layer, channel, y: top.y, x: top.x }, this.rule, top.box))
      : null;
    return { title, top, pictures: [drawBox(shown, top.box, BOX), patch, projection] };
  }

  private async run(): Promise<void> {
    const { net, sample, modelId } = this.workbench.state;
    if (!net || !sample) return;
    this.ranFor = [net, sample];
    this.checkLink(net);
    const signal = this.runs.start();
    Object.assign(this, { phase: 'running', rows: [], own: null, done: 0, error: null, note: null });
    const layer = this.shownLayer;
    if (!layer) {
      try {
        fieldGeometry(net, mapLayers(net)[0] ?? net.logitLayer);
      } catch (err) {
        this.note = errorMessage(err);
      }
      this.phase = 'idle';
      return;
    }
    const channels = this.channelsOf(net, layer);
    const channel = Math.min(Math.max(0, this.channel), channels - 1);
    if (!net.capabilities.reluRules) {
      this.note = `${net.title} cannot swap its ReLU gradients, so the patches are shown without projections: ${net.capabilities.notes.join(' ')}`;
    }
    const t0 = performance.now();
    const mine = sampleTensor(net, sample);
    try {
      const set = await testImageSet(datasetFor(modelId, net), net);
      this.total = set.size;
      const tops = await topActivations(net, set, { layer, channel, k: this.k }, {
        signal,
        onProgress: (done) => this.runs.isCurrent(signal) && (this.done = done),
      });
      const elapsed = performance.now() - t0;
      const rows: Row[] = [];
      for (const [rank, top] of tops.entries()) {
        signal.throwIfAborted();
        const image = await set.batch(top.index, top.index + 1);
        try {
          const label = set.labels?.[top.index];
          const title = `#${rank + 1}: test image ${top.index}${label !== undefined ? ` (${net.classNames[label] ?? label})` : ''}`;
          rows.push(await this.row(net, title, image, top, layer, channel));
        } finally {
          image.dispose();
        }
      }
      const [ownTop] = await topActivations(net, singleImageSet(mine), { layer, channel, k: 1 }, { signal });
      const own = await this.row(net, `The chosen image (${sample.title})`, mine, ownTop!, layer, channel);
      if (!this.runs.isCurrent(signal)) return;
      Object.assign(this, { rows, own, elapsed, phase: 'done', channel });
    } catch (err) {
      if (!this.runs.isCurrent(signal)) return;
      if (signal.aborted) this.phase = 'cancelled';
      else Object.assign(this, { phase: 'idle', error: errorMessage(err) });
    } finally {
      mine.dispose();
    }
  }

  private choose(patch: { layer?: string; channel?: number; k?: number; rule?: ProjectionRule }): void {
    Object.assign(this, patch);
    this.saveState();
    void this.run();
  }

  protected override updated(): void {
    this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-row]').forEach((canvas) => {
      const row = canvas.dataset['row'] === 'own' ? this.own : this.rows[Number(canvas.dataset['row'])];
      const picture = row?.pictures[Number(canvas.dataset['pic'])];
      if (picture) paint(canvas, picture);
    });
  }

  /** Every row's three pictures side by side in one PNG, at the size shown. */
  private save(): void {
    const rows = [...this.rows, ...(this.own ? [this.own] : [])];
    const side = 72;
    const out = document.createElement('canvas');
    out.width = 3 * (side + 4);
    out.height = rows.length * (side + 4);
    const ctx = out.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    rows.forEach((row, r) =>
      row.pictures.forEach((p, c) => {
        if (!p) return;
        const canvas = document.createElement('canvas');
        paint(canvas, p);
        ctx.drawImage(canvas, c * (side + 4), r * (side + 4), side, side);
      }),
    );
    savePng(out, `top patches ${this.shownLayer} channel ${this.channel}`);
  }

  private readout(row: Row): string {
    const { top } = row;
    const { box } = top;
    return (
      `Activation ${formatNumber(top.value)} at cell (row ${top.y}, column ${top.x}); its receptive field is rows ${box.top}–${box.bottom}, ` +
      `columns ${box.left}–${box.right} (${box.bottom - box.top + 1}×${box.right - box.left + 1} pixels inside the image).`
    );
  }

  private renderRow(row: Row, key: string) {
    const labels = ['image with the field boxed', 'the patch', `its ${RULES[this.rule]} projection`];
    return html`<figure
      data-top=${key}
      data-index=${row.top.index}
      data-value=${row.top.value}
      data-y=${row.top.y}
      data-x=${row.top.x}
      data-box=${JSON.stringify(row.top.box)}
    >
      <figcaption><strong>${row.title}</strong></figcaption>
      <div class="pics">
        ${row.pictures.map((p, i) =>
          p ? html`<canvas data-row=${key} data-pic=${i} role="img" aria-label=${`${row.title}: ${labels[i]}`}></canvas>` : nothing,
        )}
      </div>
      <p>${this.readout(row)}</p>
    </figure>`;
  }

  override render() {
    const { net, loading, error } = this.workbench.state;
    const layer = this.shownLayer;
    const channels = net && layer ? this.channelsOf(net, layer) : 0;
    const running = this.phase === 'running';
    return html`<div class="panel" aria-busy=${running ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${net && layer
        ? html`<div class="controls">
            ${layerSelect(this.layers, layer, (l) => this.choose({ layer: l }))}
            <label
              >Channel (0–${channels - 1})
              <input
                type="number"
                min="0"
                max=${channels - 1}
                .value=${String(this.channel)}
                @change=${(e: Event) => {
                  const v = Math.round(Number((e.target as HTMLInputElement).value));
                  this.choose({ channel: Number.isFinite(v) ? Math.min(channels - 1, Math.max(0, v)) : 0 });
                }}
            /></label>
            <label
              >Patches (k)
              <input
                type="number"
                min="1"
                max=${MAX_K}
                .value=${String(this.k)}
                @change=${(e: Event) => {
                  const v = Math.round(Number((e.target as HTMLInputElement).value));
                  this.choose({ k: Number.isFinite(v) ? Math.min(MAX_K, Math.max(1, v)) : DEFAULT_TOP_K });
                }}
            /></label>
            <label
              >Projection
              <select @change=${(e: Event) => this.choose({ rule: (e.target as HTMLSelectElement).value as ProjectionRule })}>
                ${Object.entries(RULES).map(([id, title]) => html`<option value=${id} ?selected=${id === this.rule}>${title}</option>`)}
              </select>
            </label>
          </div>`
        : nothing}
      <div class="buttons">
        ${running
          ? html`<button type="button" @click=${() => this.runs.abort()}>Cancel</button>
              <progress max=${this.total || 1} value=${this.done} aria-label="Test images run"></progress>`
          : html`<button type="button" ?disabled=${!layer} @click=${() => void this.run()}>Run the test subset again</button>
              ${this.rows.length ? html`<button type="button" @click=${() => this.save()}>Save PNG</button>` : nothing}`}
      </div>
      <p class="status" role="status" aria-live="polite">
        ${loading
          ? 'Loading the network…'
          : running
            ? `Running the test subset: ${this.done} of ${this.total || '…'} images.`
            : this.phase === 'cancelled'
              ? `Cancelled after ${this.done} images.`
              : this.phase === 'done'
                ? `Top ${this.rows.length} of ${this.total} test images for channel ${this.channel} of ${layer}, found in ${formatNumber(this.elapsed / 1000)} s.`
                : ''}
      </p>
      ${this.note ? html`<p class="error" role="note">${this.note}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.rows.length ? html`<div class="rows">${this.rows.map((r, i) => this.renderRow(r, String(i)))}</div>` : nothing}
      ${this.own ? html`<h4>Your image, for the same unit</h4>${this.renderRow(this.own, 'own')}` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-top-patches': CnnTopPatches;
  }
}
