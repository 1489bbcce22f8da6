/**
 * `<cnn-attribution-compare>`: the three backward ReLU rules on a real
 * network, side by side: the plain gradient (backprop), deconvnet and guided
 * backprop, sent from a class logit or from an inner neuron (the mean of one
 * channel of a layer) to the pixels of the page's shared input. Each panel
 * shows the signed colour gradient (mid-grey is zero) and the per-pixel map
 * max_c |g_c| over the image, with a text readout.
 *
 * With an `id`, the reader's choices are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { type Mask, describeRegions, energyInsideMask, gradientImage, topRegions } from '../src/core/attribution/maps';
import { ATTRIBUTION_METHODS } from '../src/core/attribution/registry';
import type { AttributionMap, AttributionMethod, Target } from '../src/core/attribution/types';
import { type ConvNet, chosenClass } from '../src/core/convnet';
import { chosenChannel, layerScores } from '../src/core/layer-scores';
import type { Tensor4D } from '../src/core/tf';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, tensorToImage } from '../src/core/image';
import { anyText, checkUrlFields, indexText, indexTextBelow, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, controlRowStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** The three rules, as registry ids, in the order of the chapter's equations. */
export const COMPARED_METHODS = ['saliency', 'deconvnet', 'guided-backprop'] as const;

/** What the reader explains; empty strings mean "the default" (predicted class, last conv layer, most active channel). */
interface Choice {
  kind: 'class' | 'neuron';
  index: string;
  layer: string;
  channel: string;
}

/** One method's result, ready to draw. */
interface Panel {
  id: string;
  title: string;
  map: AttributionMap | null;
  colours: RgbaImage | null;
  colourReadout: string[];
  mapReadout: string[];
  error: string | null;
}

/** Layers whose units can be explained: convolutions, ReLUs and dense layers before the logits. */
function neuronLayers(net: ConvNet) {
  return net.layers.filter((l) => ['conv', 'relu', 'dense'].includes(l.kind) && l.name !== net.logitLayer);
}

/** Shares of positive, negative and exactly-zero values, as a sentence. */
function signShares(values: Float32Array): string {
  let pos = 0;
  let neg = 0;
  for (const v of values) {
    if (v > 0) pos++;
    else if (v < 0) neg++;
  }
  const pct = (n: number) => `${Math.round((n / values.length) * 100)}%`;
  return `${pct(pos)} of the values are positive, ${pct(neg)} negative, ${pct(values.length - pos - neg)} exactly zero.`;
}

/**
 * @summary Backprop, deconvnet and guided backprop side by side on the page's network and image.
 */
@customElement('cnn-attribution-compare')
export class CnnAttributionCompare extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      fieldset {
        font-size: 0.875rem;
        border: 0;
        padding: 0;
        margin: 0;
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      label.radio {
        display: flex;
        gap: 0.3rem;
        align-items: center;
      }
      legend {
        float: left;
        margin-right: 0.5rem;
      }
      select {
        max-width: 100%;
      }
      .panels {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
        gap: 1rem;
        align-items: start;
        --cnn-heatmap-size: 100%;
      }
      /* Picture and map side by side when a panel is wide enough (one panel per row on phones). */
      .method {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
        gap: 0.75rem;
        min-width: 0;
        align-items: start;
      }
      .method h3,
      .method .error {
        grid-column: 1 / -1;
        margin: 0;
        font-size: 1rem;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  @state() private choice: Choice = { kind: 'class', index: '', layer: '', channel: '' };
  @state() private input: RgbaImage | null = null;
  @state() private logits: number[] = [];
  /** Mean activation of every channel of the chosen neuron layer. */
  @state() private channelMeans: number[] = [];
  @state() private panels: Panel[] = [];
  @state() private explained = '';
  @state() private busy = false;
  @state() private error: string | null = null;
  @state() private elapsed = 0;

  /** The link's choice, not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.id) {
      const saved = readUrlFields(this.id, 'the comparison of backward rules', {
        kind: oneOf('class', 'neuron'),
        index: indexText,
        layer: anyText,
        channel: indexText,
      });
      this.choice = { ...this.choice, ...saved };
      this.unchecked = Object.keys(saved).length ? saved : null;
    }
    void this.compute();
  }

  private choose(patch: Partial<Choice>): void {
    this.choice = { ...this.choice, ...patch };
    if (this.id) writeUrlState(this.id, this.choice);
    void this.compute();
  }

  /** The neuron layer in use: the reader's, else the last convolution layer. */
  private neuronLayer(net: ConvNet): string {
    const names = neuronLayers(net).map((l) => l.name);
    return names.includes(this.choice.layer) ? this.choice.layer : (net.convLayers[net.convLayers.length - 1] ?? names[0]!);
  }

  /** Checks the link's class, layer and channel against the network, once it has loaded; what does not fit falls back to its default. */
  private checkLink(net: ConvNet): void {
    if (!this.unchecked || !this.id) return;
    const names = neuronLayers(net).map((l) => l.name);
    const layerCheck = (v: unknown) => v === '' || names.includes(v as string);
    if (!layerCheck(this.unchecked['layer'])) this.choice = { ...this.choice, layer: '' };
    const depth = net.layers.find((l) => l.name === this.neuronLayer(net))?.outputShape.at(-1) ?? 0;
    const ok = checkUrlFields(this.id, 'the comparison of backward rules', this.unchecked, {
      index: indexTextBelow(net.classNames.length),
      layer: layerCheck,
      channel: indexTextBelow(depth),
    });
    this.choice = { kind: 'class', index: '', layer: '', channel: '', ...ok } as Choice;
    this.unchecked = null;
  }

  private async compute(): Promise<void> {
    const { net, sample } = this.workbench.state;
    this.runs.abort();
    if (!net || !sample) return;
    this.checkLink(net);
    const signal = this.runs.start();
    this.busy = true;
    this.error = null;
    const image = sampleTensor(net, sample);
    try {
      const layer = this.neuronLayer(net);
      const scores = await layerScores(net, image, layer);
      if (signal.aborted) return;
      const { kind, index, channel } = this.choice;
      let target: Target;
      let explained: string;
      if (kind === 'neuron') {
        const c = chosenChannel(channel, scores);
        target = { kind: 'neuron', layer, channel: c };
        explained = `channel ${c} of ${layer}`;
      } else {
        const i = chosenClass(index, scores);
        target = { kind: 'class', index: i };
        explained = net.classNames[i]!;
      }
      const t0 = performance.now();
      const panels: Panel[] = [];
      for (const id of COMPARED_METHODS) {
        panels.push(await this.panel(ATTRIBUTION_METHODS[id], net, image, target, sample.mask));
        if (signal.aborted) return;
      }
      const elapsed = performance.now() - t0;
      const shown = await tensorToImage(image, { range: net.inputRange });
      if (signal.aborted) return;
      Object.assign(this, { logits: scores.logits, channelMeans: scores.channelMeans, panels, explained, input: shown, elapsed });
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    } finally {
      image.dispose();
      if (this.runs.isCurrent(signal)) this.busy = false;
    }
  }

  /** Runs one method; a method the network cannot run gives a panel with the reason, not a failed figure. */
  private async panel(
    method: AttributionMethod,
    net: ConvNet,
    image: Tensor4D,
    target: Target,
    mask: Mask | undefined,
  ): Promise<Panel> {
    const base = { id: method.id, title: method.id === 'saliency' ? 'Backprop (the gradient)' : method.title };
    const missing = (method.requires ?? []).filter((c) => !net.capabilities[c]);
    if (missing.length) {
      const why = net.capabilities.notes.join(' ') || `it needs ${missing.join(' and ')}`;
      return { ...base, map: null, colours: null, colourReadout: [], mapReadout: [], error: `Not available on ${net.title}: ${why}` };
    }
    const map = await method.attribute({ net, image, target });
    const picture = gradientImage(map);
    const colourReadout = picture
      ? [`Largest |g| = ${formatNumber(picture.maxAbs)}; mid-grey is zero.`, signShares(map.channels!.data)]
      : [];
    const mapReadout = [`Strongest regions: ${describeRegions(topRegions(map))}.`];
    if (mask && mask.width === map.width && mask.height === map.height) {
      mapReadout.push(`Energy inside the object mask: ${Math.round(energyInsideMask(map, mask) * 100)}%.`);
    }
    const colours = picture ? { width: picture.width, height: picture.height, channels: 4 as const, data: picture.data } : null;
    return { ...base, map, colours, colourReadout, mapReadout, error: null };
  }

  private renderControls(net: ConvNet) {
    const { kind, index, channel } = this.choice;
    const predicted = this.logits.indexOf(Math.max(...this.logits));
    const byLogit = this.logits.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const byMean = this.channelMeans.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const current = this.neuronLayer(net);
    return html`<div class="controls">
      <fieldset>
        <legend>Explain</legend>
        ${(['class', 'neuron'] as const).map(
          (k) => html`<label class="radio"
            ><input type="radio" name="kind" value=${k} .checked=${kind === k} @change=${() => this.choose({ kind: k })} />${k === 'class'
              ? 'a class'
              : 'a neuron'}</label
          >`,
        )}
      </fieldset>
      ${kind === 'class'
        ? html`<label
            >Class explained
            <select @change=${(e: Event) => this.choose({ index: (e.target as HTMLSelectElement).value })}>
              <option value="" ?selected=${index === ''}>predicted (${net.classNames[predicted]})</option>
              ${byLogit.map(
                ([v, i]) => html`<option value=${i} ?selected=${index === String(i)}>${net.classNames[i]} (logit ${formatNumber(v)})</option>`,
              )}
            </select>
          </label>`
        : html`<label
              >Layer
              <select @change=${(e: Event) => this.choose({ layer: (e.target as HTMLSelectElement).value, channel: '' })}>
                ${neuronLayers(net).map(
                  (l) => html`<option value=${l.name} ?selected=${l.name === current}>${l.name} (${l.kind}, ${l.outputShape.join('×')})</option>`,
                )}
              </select>
            </label>
            <label
              >Channel
              <select @change=${(e: Event) => this.choose({ channel: (e.target as HTMLSelectElement).value })}>
                <option value="" ?selected=${channel === ''}>most active (${byMean[0]?.[1] ?? 0})</option>
                ${byMean.map(
                  ([v, i]) => html`<option value=${i} ?selected=${channel === String(i)}>${i} (mean activation ${formatNumber(v)})</option>`,
                )}
              </select>
            </label>`}
    </div>`;
  }

  private renderPanel(p: Panel) {
    return html`<section class="method" data-method=${p.id} aria-label=${p.title}>
      <h3>${p.title}</h3>
      ${p.error
        ? html`<p class="error" role="alert">${p.error}</p>`
        : html`${p.colours
              ? html`<cnn-heatmap
                  class="colours"
                  .image=${p.colours}
                  .map=${null}
                  .readout=${p.colourReadout}
                  label="Colour image"
                  no-controls
                ></cnn-heatmap>`
              : nothing}
            <cnn-heatmap
              class="map"
              .image=${this.input}
              .map=${p.map}
              .readout=${p.mapReadout}
              label="Per-pixel map"
              no-controls
            ></cnn-heatmap>`}
    </section>`;
  }

  override render() {
    const net = this.workbench.state.net;
    const ready = this.panels.length > 0 && this.input;
    return html`<div class="panel" aria-busy=${this.busy ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${this.workbench.state.error ? html`<p class="error" role="alert">${this.workbench.state.error}</p>` : nothing}
      ${net && this.logits.length ? this.renderControls(net) : nothing}
      <p class="status" role="status" aria-live="polite">
        ${this.workbench.state.loading || (!ready && !this.error)
          ? 'Computing…'
          : this.busy
            ? 'Updating…'
            : ready
              ? `Three backward rules for “${this.explained}”, computed in ${this.elapsed.toFixed(0)} ms.`
              : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${ready ? html`<div class="panels">${this.panels.map((p) => this.renderPanel(p))}</div>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-attribution-compare': CnnAttributionCompare;
  }
}
