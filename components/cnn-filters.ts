/**
 * `<cnn-filters>`: a convolution layer's filters, of the page's network and of
 * an untrained copy of it beside them (the same architecture, weights drawn
 * again from the builder's seed), so the reader sees what training changed.
 * The first layer's filters are drawn as colour (or grey) images, a deeper
 * layer's as one row of grey slices per filter, one slice per input channel.
 * The reader picks the layer and the scale (each filter by its own largest
 * weight, or the whole layer by one), kept in the URL under the element's id.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { anyText, checkUrlFields, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { errorMessage } from '../src/core/errors';
import { FILTER_SCALES, type FilterScale, type FilterSet, filterCosines, filterLayers, filterSet } from '../src/core/filters';
import { formatNumber } from '../src/core/format';
import type { RgbaImage } from '../src/core/image';
import { mosaic, valuesToRgba } from '../src/core/mosaic';
import { type UntrainedCopy, untrainedCopy } from '../src/core/untrained-copy';
import type { ConvNet } from '../src/core/convnet';
import { paint, savePng } from './canvas';
import { layerSelect } from './layer-select';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import { baseStyles, controlRowStyles } from './theme';

const SCALE_LABELS: Record<FilterScale, string> = { 'per-filter': 'each filter by its own largest weight', shared: 'one scale for the whole layer' };

/** One side of the comparison: the filters, their picture and its description. */
interface Side {
  title: string;
  set: FilterSet;
  picture: RgbaImage;
  readout: string[];
}

/** The filters as one picture: a tile per filter in the image's colours, or a row of grey slices per filter. */
function picture(set: FilterSet): RgbaImage {
  const { width: w, height: h, inChannels } = set;
  if (set.readsImage) {
    const tiles = set.filters.map((f) => valuesToRgba(f, w, h, inChannels === 3 ? 3 : 1));
    return mosaic(tiles, { columns: Math.min(8, tiles.length), zoom: Math.max(4, Math.floor(40 / w)), gap: 2 });
  }
  const tiles = set.filters.flatMap((f) =>
    Array.from({ length: inChannels }, (_, i) => valuesToRgba(Float32Array.from({ length: w * h }, (_, p) => f[p * inChannels + i]!), w, h, 1)),
  );
  return mosaic(tiles, { columns: inChannels, zoom: Math.max(2, Math.floor(12 / w)), gap: 1 });
}

function describe(set: FilterSet): string[] {
  const { filters, width, height, inChannels, scales, stats } = set;
  const norms = stats.map((s) => s.norm);
  const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
  const big = norms.indexOf(Math.max(...norms));
  const small = norms.indexOf(Math.min(...norms));
  const shape = `${filters.length} filters of ${height}×${width}×${inChannels}`;
  const scale =
    set.scale === 'shared'
      ? `One scale: a weight of ±${formatNumber(scales[0]!)} is white or black, 0 is mid-grey.`
      : `Each filter's largest |weight| is white or black (from ${formatNumber(Math.min(...scales))} to ${formatNumber(Math.max(...scales))}), 0 is mid-grey.`;
  return [
    `${shape}${set.readsImage ? (inChannels === 3 ? ', drawn in colour' : ', drawn in grey') : ', one row per filter, one grey slice per input channel'}.`,
    scale,
    `Filter norms ‖w‖: mean ${formatNumber(mean)}, largest ${formatNumber(norms[big]!)} (filter ${big}), smallest ${formatNumber(norms[small]!)} (filter ${small}).`,
  ];
}

/**
 * @summary A convolution layer's filters beside those of an untrained copy of the network.
 */
@customElement('cnn-filters')
export class CnnFilters extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .sides {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 1rem;
        align-items: start;
      }
      figure {
        margin: 0;
      }
      figcaption {
        font-weight: 600;
        margin-bottom: 0.3rem;
      }
      .scroll {
        overflow: auto;
        max-height: 28rem;
        max-width: 100%;
      }
      canvas {
        image-rendering: pixelated;
        display: block;
        max-width: none;
      }
      ul {
        font-size: 0.875rem;
        padding-left: 1.1rem;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  /** The layer shown; the network's first convolution when empty or unknown. */
  @state() private layer = '';
  @state() private scale: FilterScale = 'per-filter';
  @state() private sides: Side[] = [];
  @state() private busy = false;
  @state() private error: string | null = null;

  /** The link's fields not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);
  /** The untrained copy of the current network, kept while it is the network shown. */
  private copy: { of: ConvNet; copy: UntrainedCopy } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, 'the filters figure', { layer: anyText, scale: oneOf(...FILTER_SCALES) }) : {};
    if (typeof saved['layer'] === 'string') this.layer = saved['layer'];
    if (saved['scale'] !== undefined) this.scale = saved['scale'] as FilterScale;
    this.unchecked = saved['layer'] ? saved : null;
    void this.compute();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.dropCopy();
  }

  private dropCopy(): void {
    this.copy?.copy.dispose();
    this.copy = null;
  }

  private untrained(net: ConvNet): ConvNet {
    if (this.copy?.of !== net) {
      this.dropCopy();
      this.copy = { of: net, copy: untrainedCopy(net) };
    }
    return this.copy.copy.net;
  }

  private get layers(): string[] {
    const net = this.workbench.state.net;
    return net ? filterLayers(net) : [];
  }

  private get shownLayer(): string {
    return this.layers.includes(this.layer) ? this.layer : (this.layers[0] ?? '');
  }

  private async compute(): Promise<void> {
    const net = this.workbench.state.net;
    this.runs.abort();
    if (!net) return;
    if (this.copy && this.copy.of !== net) this.dropCopy();
    if (this.layers.length === 0) {
      Object.assign(this, { sides: [], error: `${net.title} does not let its weights be read, so its filters cannot be drawn.` });
      return;
    }
    if (this.unchecked && this.id) {
      const ok = checkUrlFields(this.id, 'the filters figure', this.unchecked, { layer: oneOf(...this.layers) });
      if (ok['layer'] === undefined) this.layer = '';
      this.unchecked = null;
    }
    const signal = this.runs.start();
    this.busy = true;
    this.error = null;
    try {
      const layer = this.shownLayer;
      const pairs: [string, ConvNet][] = [
        [`${net.title}, trained`, net],
        [`untrained copy (same architecture, seeded initialisation)`, this.untrained(net)],
      ];
      const sides: Side[] = [];
      for (const [title, n] of pairs) {
        const set = await filterSet(n, layer, this.scale);
        sides.push({ title, set, picture: picture(set), readout: describe(set) });
      }
      if (signal.aborted) return;
      this.sides = sides;
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    } finally {
      if (this.runs.isCurrent(signal)) this.busy = false;
    }
  }

  private choose(patch: { layer?: string; scale?: FilterScale }): void {
    Object.assign(this, patch);
    if (this.id) writeUrlState(this.id, { layer: this.layer, scale: this.scale });
    void this.compute();
  }

  protected override updated(): void {
    this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-side]').forEach((canvas) => {
      const side = this.sides[Number(canvas.dataset['side'])];
      if (side) paint(canvas, side.picture);
    });
  }

  private save(i: number): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>(`canvas[data-side="${i}"]`);
    const side = this.sides[i];
    if (canvas && side) savePng(canvas, `filters ${side.set.layer} ${i === 0 ? 'trained' : 'untrained'}`);
  }

  override render() {
    const { net, loading, error } = this.workbench.state;
    const layer = this.shownLayer;
    const [trained, untrained] = this.sides;
    const change = trained && untrained ? this.changeReadout(trained.set, untrained.set) : null;
    return html`<div class="panel" aria-busy=${this.busy ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${net && this.layers.length
        ? html`<div class="controls">
            ${layerSelect(this.layers, layer, (l) => this.choose({ layer: l }))}
            <label
              >Grey levels
              <select @change=${(e: Event) => this.choose({ scale: (e.target as HTMLSelectElement).value as FilterScale })}>
                ${FILTER_SCALES.map((s) => html`<option value=${s} ?selected=${s === this.scale}>${SCALE_LABELS[s]}</option>`)}
              </select>
            </label>
          </div>`
        : nothing}
      <p class="status" role="status" aria-live="polite">
        ${loading || (this.busy && !this.sides.length) ? 'Reading the filters…' : this.sides.length ? `Filters of ${layer}.` : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.sides.length
        ? html`<div class="sides">
              ${this.sides.map(
                (side, i) => html`<figure
                  data-filters=${i === 0 ? 'trained' : 'untrained'}
                  data-count=${side.set.filters.length}
                  data-largest=${Math.max(...side.set.scales)}
                >
                  <figcaption>${side.title}</figcaption>
                  <div class="scroll" tabindex="0" aria-label="Filters, scrollable">
                    <canvas data-side=${i} role="img" aria-label=${`${side.title}: ${side.readout.join(' ')}`}></canvas>
                  </div>
                  <ul aria-label="Text readout of the filters">
                    ${side.readout.map((line) => html`<li>${line}</li>`)}
                  </ul>
                  <button type="button" @click=${() => this.save(i)}>Save PNG</button>
                </figure>`,
              )}
            </div>
            ${change ? html`<p data-change>${change}</p>` : nothing}`
        : nothing}
    </div>`;
  }

  /** How far training moved the filters: the mean norm before and after, and the mean cosine between them. */
  private changeReadout(trained: FilterSet, untrained: FilterSet): string {
    const mean = (s: FilterSet) => s.stats.reduce((a, b) => a + b.norm, 0) / s.stats.length;
    const cosines = filterCosines(trained, untrained);
    const cos = cosines.reduce((a, b) => a + b, 0) / cosines.length;
    return (
      `Mean filter norm: ${formatNumber(mean(trained))} trained, ${formatNumber(mean(untrained))} untrained. ` +
      `Mean cosine between each trained filter and its untrained counterpart: ${formatNumber(cos)} ` +
      '(for the book’s networks the untrained copy is where training started, so this says how far each filter moved).'
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-filters': CnnFilters;
  }
}
