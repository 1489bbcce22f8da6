/**
 * `<cnn-occlusion>`: Zeiler & Fergus's occlusion experiment, live on the
 * page's network and image. The reader sets the patch (size, stride, fill:
 * grey, the test set's mean pixel, or a blur of the image) and what is
 * measured: the probability of a class (softmax, not the logit), or the mean
 * activation of one channel of a layer, whose drop is mapped. All occluded
 * images go through the network in a few batched passes, with progress and a
 * cancel button. With an `id`, the settings are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { type ClassScores, type ConvNet, chosenClass, classScores } from '../src/core/convnet';
import { meanPixel } from '../src/core/features/image-set';
import { OCCLUSION_DEFAULTS, type OcclusionFill, type OcclusionMap, occlusionMap } from '../src/core/features/occlusion';
import { type RgbaImage, tensorToImage } from '../src/core/image';
import { datasetFor, testImages } from '../src/browser/test-set';
import { anyText, checkUrlFields, indexText, indexTextBelow, intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import type { ValueMap } from './cnn-heatmap';
import { layerSelect } from './layer-select';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, controlRowStyles } from './theme';
import { errorMessage } from '../src/core/errors';

const FILLS: Record<OcclusionFill, string> = { grey: 'grey (middle of the range)', mean: 'mean pixel of the test set', blur: 'blurred image' };

/** The figure's settings, as kept in the URL. */
interface Settings {
  size: number;
  stride: number;
  fill: OcclusionFill;
  /** 'probability' or 'activation'. */
  measure: 'probability' | 'activation';
  /** Class index as text; the predicted class when empty. */
  target: string;
  layer: string;
  channel: number;
}

const DEFAULTS: Settings = { size: OCCLUSION_DEFAULTS.size, stride: OCCLUSION_DEFAULTS.stride, fill: OCCLUSION_DEFAULTS.fill, measure: 'probability', target: '', layer: '', channel: 0 };

/** The checks of the settings a link may hold that need no network. */
const FORMAT = {
  size: intIn(1, 512),
  stride: intIn(1, 512),
  fill: oneOf(...Object.keys(FILLS)),
  measure: oneOf('probability', 'activation'),
  target: indexText,
  layer: anyText,
  channel: intIn(0, 1 << 16),
};

/**
 * @summary Zeiler and Fergus's occlusion experiment, live on the page's network and image.
 */
@customElement('cnn-occlusion')
export class CnnOcclusion extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 1rem;
        align-items: start;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
      }
      input[type='number'] {
        width: 5rem;
      }
    `,
  ];

  @state() private settings: Settings = DEFAULTS;
  @state() private scores: ClassScores | null = null;
  @state() private result: OcclusionMap | null = null;
  @state() private view: ValueMap | null = null;
  @state() private input: RgbaImage | null = null;
  @state() private readout: string[] = [];
  @state() private progress: [number, number] | null = null;
  @state() private error: string | null = null;
  @state() private note = '';

  /** The link's settings not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.id) {
      const saved = readUrlFields(this.id, 'the occlusion figure', FORMAT);
      this.settings = { ...DEFAULTS, ...saved } as Settings;
      this.unchecked = Object.keys(saved).length ? saved : null;
    }
    void this.compute();
  }

  private change(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    if (this.id) writeUrlState(this.id, this.settings);
    void this.compute();
  }

  /** The layer whose channel is measured: the chosen one when the network has it, else its last convolution layer. */
  private layerOf(layers: readonly string[]): string {
    return layers.includes(this.settings.layer) ? this.settings.layer : layers[layers.length - 1]!;
  }

  /** Checks the link's settings against the network, once it has loaded; what does not fit falls back to its default. */
  private checkLink(net: ConvNet): void {
    if (!this.unchecked || !this.id) return;
    const [h, w] = net.inputShape;
    const layers = net.convLayers;
    const layer = layers.includes(this.unchecked['layer'] as string) ? (this.unchecked['layer'] as string) : layers[layers.length - 1]!;
    const depth = net.layers.find((l) => l.name === layer)?.outputShape.at(-1) ?? 1;
    const ok = checkUrlFields(this.id, 'the occlusion figure', this.unchecked, {
      size: intIn(1, Math.min(h, w)),
      stride: intIn(1, Math.min(h, w)),
      target: indexTextBelow(net.classNames.length),
      layer: oneOf(...layers),
      channel: intIn(0, depth - 1),
    });
    this.settings = { ...DEFAULTS, ...ok } as Settings;
    this.unchecked = null;
  }

  private async compute(): Promise<void> {
    const { net, sample } = this.workbench.state;
    this.runs.abort();
    if (!net || !sample) return;
    this.checkLink(net);
    const signal = this.runs.start();
    const [height, width, channels] = net.inputShape;
    const { size, stride, fill, measure } = this.settings;
    this.error = null;
    if (size > Math.min(height, width) || stride > Math.min(height, width)) {
      this.error = `The patch and the stride must fit in the ${width}×${height} input: at most ${Math.min(height, width)} pixels.`;
      this.result = null;
      return;
    }
    const image = sampleTensor(net, sample);
    try {
      const scores = await classScores(net, image);
      const classIndex = chosenClass(this.settings.target, scores);
      const layer = this.layerOf(net.convLayers);
      const depth = net.layers.find((l) => l.name === layer)?.outputShape.at(-1) ?? 1;
      const channel = Math.min(this.settings.channel, depth - 1);
      const dataset = datasetFor(net.id, net);
      const mean = fill === 'mean' ? meanPixel(await testImages(dataset), { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange }) : undefined;
      this.progress = [0, Math.ceil(height / stride) * Math.ceil(width / stride)];
      const t0 = performance.now();
      const map = await occlusionMap(net, image, {
        size, stride, fill, ...(mean ? { meanPixel: mean } : {}), signal,
        measure: measure === 'probability' ? { kind: 'probability', classIndex } : { kind: 'activation', layer, channel },
        onProgress: (done, total) => this.runs.isCurrent(signal) && (this.progress = [done, total]),
      });
      const elapsed = performance.now() - t0;
      const shown = await tensorToImage(image, { range: net.inputRange });
      if (signal.aborted) return;
      const what = measure === 'probability' ? `p(${net.classNames[classIndex]})` : `mean activation of ${layer}, channel ${channel}`;
      // The probability itself is mapped (Zeiler & Fergus, Fig. 7b); for a channel, its drop, which is signed.
      const data = measure === 'probability' ? map.data : map.data.map((v) => map.base - v);
      let worst = 0;
      for (let i = 1; i < map.data.length; i++) if (map.data[i]! < map.data[worst]!) worst = i;
      const cell = (i: number) => `rows ${Math.floor(i / map.width) * stride}–${Math.min(height, (Math.floor(i / map.width) + 1) * stride) - 1}, columns ${(i % map.width) * stride}–${Math.min(width, ((i % map.width) + 1) * stride) - 1}`;
      const meanValue = map.data.reduce((s, v) => s + v, 0) / map.data.length;
      this.readout = [
        `Without a patch, ${what} = ${map.base.toFixed(4)}.`,
        `Lowest with the patch over ${cell(worst)}: ${map.data[worst]!.toFixed(4)} (a drop of ${(map.base - map.data[worst]!).toFixed(4)}).`,
        `Mean over the ${map.data.length} patch positions: ${meanValue.toFixed(4)}.`,
      ];
      this.note = `${map.data.length} occluded images in ${Math.ceil(map.data.length / OCCLUSION_DEFAULTS.batchSize)} batched passes, ${elapsed.toFixed(0)} ms.`;
      Object.assign(this, { scores, result: map, input: shown, view: { width: map.width, height: map.height, data, signed: measure === 'activation' } });
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
      else if (this.runs.isCurrent(signal)) this.note = 'Cancelled; change a setting to run it again.';
    } finally {
      image.dispose();
      if (this.runs.isCurrent(signal)) this.progress = null;
    }
  }

  private renderControls() {
    const net = this.workbench.state.net;
    if (!net || !this.scores) return nothing;
    const s = this.settings;
    const [h, w] = net.inputShape;
    const layer = this.layerOf(net.convLayers);
    const depth = net.layers.find((l) => l.name === layer)?.outputShape.at(-1) ?? 1;
    const number = (label: string, key: 'size' | 'stride' | 'channel', max: number, min = 1) =>
      html`<label
        >${label}
        <input type="number" min=${min} max=${max} .value=${String(s[key])}
          @change=${(e: Event) => {
            const v = Math.round(Number((e.target as HTMLInputElement).value));
            if (Number.isFinite(v)) this.change({ [key]: Math.max(min, Math.min(max, v)) });
          }}
      /></label>`;
    return html`<div class="controls">
      ${number('Patch size (pixels)', 'size', Math.min(h, w))} ${number('Stride (pixels)', 'stride', Math.min(h, w))}
      <label
        >Fill
        <select @change=${(e: Event) => this.change({ fill: (e.target as HTMLSelectElement).value as OcclusionFill })}>
          ${Object.entries(FILLS).map(([v, t]) => html`<option value=${v} ?selected=${v === s.fill}>${t}</option>`)}
        </select></label
      >
      <label
        >Measure
        <select @change=${(e: Event) => this.change({ measure: (e.target as HTMLSelectElement).value as Settings['measure'] })}>
          <option value="probability" ?selected=${s.measure === 'probability'}>class probability</option>
          <option value="activation" ?selected=${s.measure === 'activation'}>feature map activation</option>
        </select></label
      >
      ${s.measure === 'probability'
        ? html`<label
            >Class
            <select @change=${(e: Event) => this.change({ target: (e.target as HTMLSelectElement).value })}>
              <option value="" ?selected=${s.target === ''}>predicted (${net.classNames[this.scores.predicted]})</option>
              ${net.classNames.map((name, i) => html`<option value=${i} ?selected=${s.target === String(i)}>${name}</option>`)}
            </select></label
          >`
        : html`${layerSelect(net.convLayers, layer, (l) => this.change({ layer: l, channel: 0 }))}
            ${number(`Channel (0–${depth - 1})`, 'channel', depth - 1, 0)}`}
    </div>`;
  }

  override render() {
    const { net, error: netError, loading } = this.workbench.state;
    const label = this.settings.measure === 'probability' ? 'Class probability with the patch at each position' : 'Drop of the channel’s mean activation';
    return html`<div class="panel" aria-busy=${this.progress ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${netError ? html`<p class="error" role="alert">${netError}</p>` : nothing}
      ${this.renderControls()}
      <div class="status" role="status" aria-live="polite">
        ${this.progress
          ? html`<label>Occluding: ${this.progress[0]} of ${this.progress[1]} positions
                <progress max=${this.progress[1]} .value=${this.progress[0]}></progress></label>
              <button type="button" @click=${() => this.runs.abort()}>Cancel</button>`
          : loading || (!this.result && !this.error && !this.note)
            ? html`<span>Computing…</span>`
            : html`<span>${this.note}</span>`}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.view && this.input && net
        ? html`<div class="result">
            <cnn-heatmap .image=${this.input} .map=${this.view} .readout=${this.readout} label=${label}></cnn-heatmap>
            <cnn-heatmap .image=${this.input} .map=${null} label="What the network sees" no-controls></cnn-heatmap>
          </div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-occlusion': CnnOcclusion;
  }
}
