/**
 * `<cnn-sanity-check>`: model-parameter randomisation (Adebayo et al. 2018)
 * on the page's network and image. The layers with weights are re-initialised
 * one by one from the top, cumulatively (cascading) or one at a time
 * (independent, the reader's choice, kept in the URL under the element's id);
 * after each step every method's map
 * of the predicted class is drawn again (a grid: rows are methods, columns
 * the steps) and compared with the trained network's map by Spearman rank
 * correlation (a chart and a table). Runs when the input changes; the reader
 * can cancel and run it again.
 *
 * Attribute: `methods`, registry ids separated by spaces (default: saliency,
 * guided backprop, Grad-CAM; those the network cannot run are left out).
 */
import { yieldToEventLoop } from '../src/core/tasks';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ATTRIBUTION_METHODS, isAttributionMethodId } from '../src/core/attribution/registry';
import { type RandomizationMode, type SanityStep, parameterRandomization, randomizationOrder } from '../src/core/attribution/sanity-check';
import type { AttributionMap, AttributionMethod } from '../src/core/attribution/types';
import { applyColormap } from '../src/core/colormap';
import { classScores, hasWeightAccess } from '../src/core/convnet';
import { formatDecimals } from '../src/core/format';
import { oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import './cnn-line-chart';
import type { LineSeries } from './cnn-line-chart';
import { baseStyles, numberTableStyles, runButtonStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** The methods of Adebayo et al.'s Figure 2 that the registry has: gradient, guided backprop, Grad-CAM. */
export const SANITY_METHODS = 'saliency guided-backprop grad-cam';

/** Line styles per method row, so the chart reads without colour too. */
const STROKES: Pick<LineSeries, 'colour' | 'dash'>[] = [
  { colour: 'var(--_accent)' },
  { colour: 'var(--_warn)', dash: '6 3' },
  { colour: 'var(--_muted)', dash: '2 3' },
  { colour: 'currentColor', dash: '8 3 2 3' },
];

type Phase = 'idle' | 'running' | 'done' | 'cancelled';

/** A map's magnitudes, scaled to [0, 1] and coloured (the paper shows absolute values). */
function mapPixels(map: AttributionMap): ImageData {
  const magnitude = map.data.map(Math.abs);
  const max = magnitude.reduce((a, b) => Math.max(a, b), 0);
  const colours = applyColormap(magnitude, 'viridis', { min: 0, max: max > 0 ? max : 1 });
  return new ImageData(new Uint8ClampedArray(colours), map.width, map.height);
}

/**
 * @summary Model-parameter randomisation sanity checks of the attribution maps on the page's network and image.
 */
@customElement('cnn-sanity-check')
export class CnnSanityCheck extends LitElement {
  static override styles = [
    baseStyles,
    numberTableStyles,
    runButtonStyles,
    css`
      .buttons {
        margin-bottom: 0.5rem;
      }
      fieldset.mode {
        border: 1px solid var(--_border);
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0 0 0.5rem;
        font-size: 0.875rem;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      .scroll {
        overflow-x: auto;
        max-width: 100%;
      }
      .grid {
        display: grid;
        gap: 3px;
        align-items: center;
        font-size: 0.7rem;
        width: max-content;
      }
      .grid .col {
        writing-mode: vertical-rl;
        transform: rotate(180deg);
        justify-self: center;
        max-height: 7rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .grid .row {
        font-weight: 600;
        padding-right: 0.4rem;
      }
      canvas {
        width: 76px;
        height: 76px;
        border: 1px solid var(--_border);
        display: block;
      }
      .results {
        display: grid;
        gap: 1rem;
        margin-top: 1rem;
      }
      figcaption {
        font-size: 0.85rem;
      }
      figcaption p {
        margin: 0.4rem 0 0;
        max-width: 40rem;
      }
      figure {
        margin: 0;
      }
      th[scope='row'] {
        text-align: left;
      }
    `,
  ];

  /** Registry ids of the methods compared, separated by spaces. */
  @property() methods = SANITY_METHODS;

  /** Cascading (the top i layers random at step i) or independent (only the i-th layer from the top). */
  @property() mode: RandomizationMode = 'cascading';

  @state() private phase: Phase = 'idle';
  @state() private steps: SanityStep[] = [];
  /** The mode the shown steps were computed in. */
  @state() private stepsMode: RandomizationMode = 'cascading';
  /** Layers randomised in order, top first, and how many steps have finished. */
  @state() private order: string[] = [];
  @state() private progress = 0;
  @state() private error: string | null = null;
  @state() private notice: string | null = null;
  @state() private elapsed = 0;

  private readonly runs = new RunSlot();
  private ranFor: unknown[] = [];
  private readonly workbench = new WorkbenchLink(this, () => this.runOnNewInput(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, 'the sanity check', { mode: oneOf('cascading', 'independent') }) : {};
    if (saved['mode']) this.mode = saved['mode'] as RandomizationMode;
    this.runOnNewInput();
  }

  /** Runs when the network or image is not the one the shown steps are about. */
  private runOnNewInput(): void {
    const { net, sample } = this.workbench.state;
    if (net && sample && (this.ranFor[0] !== net || this.ranFor[1] !== sample)) void this.run();
  }

  private get chosen(): AttributionMethod[] {
    const net = this.workbench.state.net;
    return this.methods
      .split(/\s+/)
      .filter(isAttributionMethodId)
      .map((id) => ATTRIBUTION_METHODS[id] as AttributionMethod)
      .filter((m) => !net || (m.requires ?? []).every((c) => net.capabilities[c]));
  }

  private async run(): Promise<void> {
    const { net, sample } = this.workbench.state;
    if (!net || !sample) return;
    this.runs.abort();
    this.ranFor = [net, sample];
    Object.assign(this, { steps: [], progress: 0, error: null, notice: null });
    if (!hasWeightAccess(net)) {
      this.phase = 'idle';
      this.notice =
        `${net.title} does not expose its layers' weights, so they cannot be randomised ` +
        'and the sanity check cannot run. Choose one of the book’s networks, a tfjs-layers model or a graph model.';
      return;
    }
    const signal = this.runs.start();
    const methods = this.chosen;
    const mode = this.mode;
    this.order = randomizationOrder(net);
    this.phase = 'running';
    // The cascade computes the trained maps, then each step's maps, method by method: count the calls for
    // progress, and let the page paint and take input between them (the maps themselves are synchronous work).
    let calls = 0;
    const counted = methods.map((m) => ({
      ...m,
      attribute: async (input: Parameters<AttributionMethod['attribute']>[0]) => {
        await yieldToEventLoop();
        signal.throwIfAborted();
        const map = await m.attribute(input);
        if (++calls % methods.length === 0 && !signal.aborted) this.progress = calls / methods.length - 1;
        return map;
      },
    }));
    const image = sampleTensor(net, sample);
    const t0 = performance.now();
    try {
      const { predicted } = await classScores(net, image);
      const steps = await parameterRandomization({ net, image, target: { kind: 'class', index: predicted } }, counted, {
        mode,
        seed: 1,
        signal,
      });
      if (!this.runs.isCurrent(signal)) return;
      Object.assign(this, { steps, stepsMode: mode, phase: 'done', elapsed: performance.now() - t0 });
    } catch (err) {
      if (!this.runs.isCurrent(signal)) return;
      if (signal.aborted) this.phase = 'cancelled';
      else Object.assign(this, { phase: 'idle', error: errorMessage(err) });
    } finally {
      image.dispose();
    }
  }

  private setMode(mode: RandomizationMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (this.id) writeUrlState(this.id, mode === 'cascading' ? null : { mode });
    if (this.workbench.state.net && this.workbench.state.sample) void this.run();
  }

  private cancel(): void {
    this.runs.abort();
  }

  protected override updated(): void {
    this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-step]').forEach((canvas) => {
      const map = this.steps[Number(canvas.dataset['step'])]?.maps[canvas.dataset['method']!];
      if (!map) return;
      canvas.width = map.width;
      canvas.height = map.height;
      canvas.getContext('2d')!.putImageData(mapPixels(map), 0, 0);
    });
  }

  private columnLabel(step: SanityStep): string {
    return step.randomized[step.randomized.length - 1] ?? 'trained';
  }

  /** What a step's network is, in words. */
  private stepDescription(step: SanityStep): string {
    const layer = this.columnLabel(step);
    if (!step.randomized.length) return 'trained network';
    return this.stepsMode === 'cascading' ? `randomised down to ${layer}` : `only ${layer} randomised`;
  }

  private renderGrid() {
    const methods = this.chosen;
    return html`<div class="scroll">
      <div class="grid" style="grid-template-columns: auto repeat(${this.steps.length}, 78px)" role="group" aria-label="Maps after each randomisation step">
        <span></span>
        ${this.steps.map((s) => html`<span class="col" title=${this.columnLabel(s)}>${this.columnLabel(s)}</span>`)}
        ${methods.map(
          (m) => html`<span class="row">${m.title}</span>
            ${this.steps.map(
              (s, i) =>
                html`<canvas data-step=${i} data-method=${m.id} role="img" aria-label="${m.title}, ${this.stepDescription(s)}"></canvas>`,
            )}`,
        )}
      </div>
    </div>`;
  }

  /** ρ per method over the steps; an undefined score (a constant map) leaves a gap in its line. */
  private renderChart() {
    const series: LineSeries[] = this.chosen.map((m, k) => ({
      label: m.title,
      points: this.steps.map((s, i) => ({ x: i, y: s.spearman[m.id]! })),
      ...STROKES[k % STROKES.length]!,
    }));
    const cascading = this.stepsMode === 'cascading';
    return html`<figure>
      <cnn-line-chart
        label="Spearman rank correlation with the trained network's map, per method, over the randomisation steps"
        x-title=${cascading ? 'layers randomised, from the top' : 'layer randomised, counted from the top'}
        y-title="Spearman ρ"
        .series=${series}
        .xTickFormat=${(x: number) => (x === 0 ? 'trained' : String(x))}
        .xDomain=${[0, Math.max(1, this.steps.length - 1)] as const}
        .yInclude=${[0, 1]}
      ></cnn-line-chart>
      <figcaption>
        <p class="muted">
          ${cascading
            ? 'A map that explains the network should lose its resemblance (ρ falls towards 0) as soon as the top layers are randomised; a line that stays near 1 shows a method that depends on the image more than on what the network learned.'
            : 'Each step randomises one layer and keeps every other layer trained: a dip shows a layer the method depends on; a line near 1 at a step shows a layer the map ignores.'}
        </p>
      </figcaption>
    </figure>`;
  }

  private renderTable() {
    const methods = this.chosen;
    return html`<div class="scroll">
      <table data-testid="spearman">
        <caption>
          Spearman rank correlation of |map| with the trained network's map, per method and step
        </caption>
        <thead>
          <tr>
            <th scope="col">method</th>
            ${this.steps.map((s) => html`<th scope="col">${this.columnLabel(s)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${methods.map(
            (m) => html`<tr>
              <th scope="row">${m.title}</th>
              ${this.steps.map(
                (s) => html`<td title=${s.unscored[m.id] ?? nothing}>${formatDecimals(s.spearman[m.id]!, 2)}</td>`,
              )}
            </tr>`,
          )}
        </tbody>
      </table>
      ${this.renderUnscored()}
    </div>`;
  }

  /** Why some scores read "undefined": a constant map ranks nothing, so "alike" and "different" mean nothing. */
  private renderUnscored() {
    const reasons = this.chosen.flatMap((m) => {
      const at = this.steps.map((s, i) => [i, s.unscored[m.id]] as const).filter(([, why]) => why);
      if (!at.length) return [];
      const where = at.length === this.steps.length ? 'at every step' : `at ${at.map(([i]) => this.columnLabel(this.steps[i]!)).join(', ')}`;
      return [html`<li>${m.title}, ${where}: ${at[0]![1]}.</li>`];
    });
    return reasons.length
      ? html`<div class="muted" data-testid="unscored">
          <p>“undefined”: the score cannot be computed, and is not a sign that the map stayed alike.</p>
          <ul>${reasons}</ul>
        </div>`
      : nothing;
  }

  override render() {
    const total = this.order.length + 1;
    let status = '';
    if (this.workbench.state.loading || (!this.workbench.state.net && !this.workbench.state.error)) status = 'Loading the network…';
    else if (this.phase === 'running')
      status =
        this.progress === 0
          ? `Computing the trained network's maps…`
          : this.mode === 'cascading'
            ? `Randomised ${this.progress - 1} of ${this.order.length} layers${this.progress > 1 ? ` (down to ${this.order[this.progress - 2]})` : ''}: step ${this.progress} of ${total} done…`
            : `Step ${this.progress} of ${total} done${this.progress > 1 ? ` (only ${this.order[this.progress - 2]} randomised)` : ''}…`;
    else if (this.phase === 'cancelled') status = 'Cancelled: the maps of the remaining steps were not computed.';
    else if (this.phase === 'done')
      status = `Done: ${this.order.length} layers randomised ${this.stepsMode === 'cascading' ? 'cumulatively, top down' : 'one at a time'}, in ${(this.elapsed / 1000).toFixed(1)} s.`;
    const running = this.phase === 'running';
    return html`<div class="panel" aria-busy=${running ? 'true' : 'false'} data-phase=${this.phase}>
      <cnn-input-bar></cnn-input-bar>
      ${this.workbench.state.error ? html`<p class="error" role="alert">${this.workbench.state.error}</p>` : nothing}
      ${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice
        ? nothing
        : html`<fieldset class="mode">
              <legend>Randomise</legend>
              ${(
                [
                  ['cascading', 'cascading: the top layers, cumulatively'],
                  ['independent', 'independent: one layer at a time'],
                ] as const
              ).map(
                ([value, label]) =>
                  html`<label
                    ><input
                      type="radio"
                      name="mode"
                      value=${value}
                      .checked=${this.mode === value}
                      @change=${() => this.setMode(value)}
                    />
                    ${label}</label
                  >`,
              )}
            </fieldset>
            <div class="buttons">
            <button type="button" aria-disabled=${running || !this.workbench.state.net} @click=${() => running || void this.run()}>Run again</button>
            <button type="button" aria-disabled=${!running} @click=${this.cancel}>Cancel</button>
          </div>`}
      <p class="status" role="status" aria-live="polite">${status}</p>
      ${this.steps.length
        ? html`${this.renderGrid()}
            <div class="results">${this.renderChart()} ${this.renderTable()}</div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-sanity-check': CnnSanityCheck;
  }
}
