/**
 * `<cnn-nearest-neighbours>`: the test images nearest to the page's image,
 * side by side in three spaces: the network's last hidden layer (the vector
 * its classifier reads), and raw pixels by L2 and by cosine distance, each
 * with its labels, so the reader sees semantic against pixel similarity.
 * Clicking a neighbour studies it instead. With an `id`, k and the feature
 * metric are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { extractFeatures, featureLayer, pixelVectors, type VectorSet } from '../src/core/features/features';
import { type Metric, type Neighbour, nearestNeighbours } from '../src/core/features/nearest-neighbours';
import type { ImageSet, PixelImages } from '../src/core/features/image-set';
import { testVectors } from '../src/browser/feature-cache';
import { type TestDataset, datasetFor, testImages, testSetSample, tileImage } from '../src/browser/test-set';
import { intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor, workbench } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import { baseStyles, controlRowStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** One row of the figure: a space, a metric and the neighbours found there. */
interface Row {
  title: string;
  metric: Metric;
  neighbours: Neighbour[];
}

const METRICS: Record<Metric, string> = { l2: 'L2 (Euclidean)', cosine: 'cosine' };

/** Thumbnails as data URLs, one per test image shown, kept while the subset is the same. */
function thumbnail(images: PixelImages, index: number, cache: Map<number, string>): string {
  let url = cache.get(index);
  if (!url) {
    const tile = tileImage(images, index);
    const canvas = document.createElement('canvas');
    canvas.width = tile.width;
    canvas.height = tile.height;
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(tile.data), tile.width, tile.height), 0, 0);
    url = canvas.toDataURL();
    cache.set(index, url);
  }
  return url;
}

/**
 * @summary The test images nearest to the page's image in the network's last hidden layer, in pixels, and at random.
 */
@customElement('cnn-nearest-neighbours')
export class CnnNearestNeighbours extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .row {
        margin: 0.75rem 0;
      }
      .row h4 {
        margin: 0 0 0.35rem;
        font-size: 0.95rem;
      }
      ol {
        list-style: none;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        padding: 0;
        margin: 0;
      }
      li button {
        display: grid;
        gap: 0.15rem;
        justify-items: center;
        padding: 0.25rem;
        min-width: 4.5rem;
        font-size: 0.75rem;
        font-variant-numeric: tabular-nums;
      }
      li button[data-same] {
        border-color: var(--_accent);
        border-width: 2px;
      }
      img {
        width: 56px;
        height: 56px;
        image-rendering: pixelated;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  @state() private k = 8;
  @state() private metric: Metric = 'l2';
  @state() private rows: Row[] = [];
  @state() private images: PixelImages | null = null;
  @state() private queryLabel: number | undefined;
  @state() private progress: [number, number] | null = null;
  @state() private error: string | null = null;
  @state() private elapsed = 0;

  private subset: TestDataset = 'scenes';
  private readonly thumbs = new Map<number, string>();
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, 'the nearest-neighbours figure', { k: intIn(1, 32), metric: oneOf('l2', 'cosine') }) : {};
    if (saved['k'] !== undefined) this.k = saved['k'] as number;
    if (saved['metric'] !== undefined) this.metric = saved['metric'] as Metric;
    void this.compute();
  }

  private change(patch: { k?: number; metric?: Metric }): void {
    Object.assign(this, patch);
    if (this.id) writeUrlState(this.id, { k: this.k, metric: this.metric });
    void this.compute();
  }

  private async compute(): Promise<void> {
    const { net, sample, modelId } = this.workbench.state;
    this.runs.abort();
    if (!net || !sample) return;
    const signal = this.runs.start();
    this.error = null;
    const layer = featureLayer(net);
    if (!layer) {
      this.error = `${net.title} has no hidden layer that gives one vector per image before its class scores, so its feature space cannot be searched.`;
      return;
    }
    const dataset = datasetFor(modelId, net);
    if (dataset !== this.subset) this.thumbs.clear();
    this.subset = dataset;
    const image = sampleTensor(net, sample);
    try {
      this.progress = [0, 1];
      const onProgress = (done: number, total: number) => this.runs.isCurrent(signal) && (this.progress = [done, total]);
      const [images, features, pixels] = await Promise.all([
        testImages(dataset),
        testVectors(net, dataset, { space: 'features', layer }, { signal, onProgress }),
        testVectors(net, dataset, { space: 'pixels', side: 0 }, { signal }),
      ]);
      const one: ImageSet = { size: 1, batch: () => image.clone() };
      const [qf, qp] = [await extractFeatures(net, one, { layer }), await pixelVectors(one)];
      signal.throwIfAborted();
      const t0 = performance.now();
      // The query is left out of its own neighbours when it is one of the test images searched.
      const index = /^test:\d+$/.test(sample.ref ?? '') ? Number(sample.ref!.slice(5)) : -1;
      const exclude = index >= 0 && index < features.count && sameImage(pixels, index, qp) ? index : undefined;
      const search = (set: VectorSet, query: VectorSet, metric: Metric) => nearestNeighbours(set, query.data, { k: this.k, metric, ...(exclude === undefined ? {} : { exclude }) });
      this.rows = [
        { title: `Last hidden layer (${layer}, ${features.dim} numbers), ${METRICS[this.metric]}`, metric: this.metric, neighbours: search(features, qf, this.metric) },
        { title: `Pixels (${pixels.dim} numbers), L2`, metric: 'l2', neighbours: search(pixels, qp, 'l2') },
        { title: 'Pixels, cosine', metric: 'cosine', neighbours: search(pixels, qp, 'cosine') },
      ];
      this.elapsed = performance.now() - t0;
      this.images = images;
      this.queryLabel = sample.label;
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    } finally {
      image.dispose();
      if (this.runs.isCurrent(signal)) this.progress = null;
    }
  }

  private async use(index: number): Promise<void> {
    workbench.useSample(await testSetSample(this.subset, this.workbench.state.modelId, index));
  }

  /** Saves the three rows of thumbnails, with their labels, as one PNG. */
  private exportPng(): void {
    const images = this.images;
    if (!images) return;
    const net = this.workbench.state.net;
    const size = 56;
    const canvas = document.createElement('canvas');
    canvas.width = 16 + this.k * (size + 8);
    canvas.height = this.rows.length * (size + 44);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#000';
    ctx.font = '11px sans-serif';
    this.rows.forEach((row, r) => {
      const top = r * (size + 44);
      ctx.fillText(row.title, 8, top + 12);
      row.neighbours.forEach((n, i) => {
        const tile = tileImage(images, n.index);
        const c = document.createElement('canvas');
        c.width = tile.width;
        c.height = tile.height;
        c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(tile.data), tile.width, tile.height), 0, 0);
        ctx.drawImage(c, 8 + i * (size + 8), top + 18, size, size);
        ctx.fillText(net?.classNames[images.labels?.[n.index] ?? -1] ?? '', 8 + i * (size + 8), top + size + 30);
      });
    });
    canvas.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'nearest-neighbours.png';
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  }

  private renderRow(row: Row) {
    const images = this.images!;
    const names = this.workbench.state.net?.classNames ?? [];
    const same = row.neighbours.filter((n) => images.labels?.[n.index] === this.queryLabel).length;
    return html`<section class="row" aria-label=${row.title}>
      <h4>${row.title}</h4>
      <ol>
        ${row.neighbours.map((n) => {
          const label = images.labels?.[n.index];
          const name = label === undefined ? '' : names[label] ?? `class ${label}`;
          return html`<li>
            <button type="button" ?data-same=${label === this.queryLabel} title="Study test image ${n.index}" @click=${() => void this.use(n.index)}>
              <img src=${thumbnail(images, n.index, this.thumbs)} alt="test image ${n.index}, ${name}" />
              <span>${name}</span><span>d = ${n.distance.toPrecision(3)}</span>
            </button>
          </li>`;
        })}
      </ol>
      ${this.queryLabel === undefined
        ? nothing
        : html`<p class="muted readout">${same} of ${row.neighbours.length} share the image’s class (${names[this.queryLabel] ?? this.queryLabel}).</p>`}
    </section>`;
  }

  override render() {
    const { error: netError, loading } = this.workbench.state;
    return html`<div class="panel" aria-busy=${this.progress ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${netError ? html`<p class="error" role="alert">${netError}</p>` : nothing}
      <div class="controls">
        <label
          >Neighbours (k)
          <input type="number" min="1" max="32" .value=${String(this.k)}
            @change=${(e: Event) => {
              const v = Math.round(Number((e.target as HTMLInputElement).value));
              if (Number.isFinite(v)) this.change({ k: Math.max(1, Math.min(32, v)) });
            }}
        /></label>
        <label
          >Feature-space distance
          <select @change=${(e: Event) => this.change({ metric: (e.target as HTMLSelectElement).value as Metric })}>
            ${Object.entries(METRICS).map(([v, t]) => html`<option value=${v} ?selected=${v === this.metric}>${t}</option>`)}
          </select></label
        >
        <button type="button" ?disabled=${!this.images} @click=${this.exportPng}>Save PNG</button>
      </div>
      <p class="status" role="status" aria-live="polite">
        ${this.progress
          ? `Reading the test subset through the network: ${this.progress[0]} of ${this.progress[1]} images…`
          : loading || (!this.images && !this.error)
            ? 'Computing…'
            : this.images
              ? `Searched ${this.images.count} test images (${this.subset}) in ${this.elapsed.toFixed(0)} ms.`
              : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.images ? this.rows.map((r) => this.renderRow(r)) : nothing}
    </div>`;
  }
}

/** Whether row `index` of `set` equals the query's vector (the query is that test image, not the reader's own). */
function sameImage(set: VectorSet, index: number, query: VectorSet): boolean {
  if (query.dim !== set.dim) return false;
  for (let j = 0; j < set.dim; j++) if (Math.abs(set.data[index * set.dim + j]! - query.data[j]!) > 0.02) return false;
  return true;
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-nearest-neighbours': CnnNearestNeighbours;
  }
}
