/**
 * `<cnn-adversarial>`: a fooling image made live (I-FGSM, Kurakin et al. 2016)
 * on the page's network and image. The reader picks the target class (the
 * second most likely by default), the budget ε and the step size in pixel
 * levels (1/255 of the input range) and the number of steps, and can run,
 * pause, resume and cancel. The figure shows the original, the fooling image
 * and the perturbation amplified around grey, the target logit step by step
 * (chart and table), and the prediction with its softmax probability before
 * and after.
 *
 * With an `id`, the reader's settings are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ADVERSARIAL_DEFAULTS, type AdversarialResult, type AdversarialStep, foolingImage } from '../src/core/attribution/adversarial';
import { type RgbaImage, tensorToImage, toRgba } from '../src/core/image';
import { classScores } from '../src/core/convnet';
import { formatNumber } from '../src/core/format';
import { checkUrlFields, indexText, intIn, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { PauseControl } from '../src/core/optvis/render';
import { RunPhases } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import './cnn-line-chart';
import type { LineSeries } from './cnn-line-chart';
import { baseStyles, controlRowStyles, runButtonStyles, numberTableStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** The settings in pixel levels (1/255 of the input range), from ADVERSARIAL_DEFAULTS (Kurakin et al. 2016, §2.2). */
export const ADVERSARIAL_LEVELS = {
  epsilon: Math.round(ADVERSARIAL_DEFAULTS.epsilon * 255),
  stepSize: Math.round(ADVERSARIAL_DEFAULTS.stepSize * 255),
  steps: ADVERSARIAL_DEFAULTS.steps,
} as const;

/** Bounds of the controls: ε and α in pixel levels, and the number of steps. */
const LIMITS = { epsilon: [0.5, 64], stepSize: [0.25, 16], steps: [1, 100] } as const;
type Setting = keyof typeof LIMITS;

/** The images a finished (or cancelled) run leaves: fooling image, perturbation shown around grey, and its scale. */
interface Outcome {
  result: AdversarialResult;
  adversarial: RgbaImage;
  perturbation: RgbaImage;
  /** The largest |δ| in pixel levels, and the gain that shows it as black or white. */
  maxLevels: number;
  gain: number;
  /** The original class's logit on the fooling image. */
  originalLogit: number;
}

const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));

/**
 * @summary A fooling image made live with I-FGSM on the page's network and image, with pause and cancel.
 */
@customElement('cnn-adversarial')
export class CnnAdversarial extends LitElement {
  static override styles = [
    baseStyles,
    numberTableStyles,
    runButtonStyles,
    controlRowStyles,
    css`
      input[type='number'] {
        width: 5.5rem;
        padding: 0.3rem;
        border: 1px solid var(--_border);
        border-radius: 6px;
        background: var(--itc-bg, #fff);
      }
      .images {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
        gap: 1rem;
        --cnn-heatmap-size: 220px;
      }
      .images p {
        font-size: 0.8rem;
        margin: 0.25rem 0 0;
      }
      .progress {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 1rem;
        align-items: start;
        margin-top: 1rem;
      }
      .table-wrap {
        max-height: 16rem;
        overflow: auto;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      .readout {
        font-size: 0.875rem;
        padding-left: 1.1rem;
      }
    `,
  ];

  @state() private original: RgbaImage | null = null;
  @state() private logits: number[] | null = null;
  /** Target class index; the second most likely when empty. */
  @state() private target = '';
  @state() private settings: Record<Setting, number> = { ...ADVERSARIAL_LEVELS };
  @state() private history: AdversarialStep[] = [];
  @state() private outcome: Outcome | null = null;
  @state() private error: string | null = null;
  @state() private msPerStep = 0;

  /** The link's fields, until the target class is checked against the network's classes and the image's prediction. */
  private unchecked: Record<string, unknown> | null = null;
  /** Holds a finished step's report until Resume, and says when it does: Pause shows 'pausing' until then. */
  private readonly pauseControl = new PauseControl(() => this.runs.held());
  // Added before the workbench link, so that leaving the page cancels the run (and lets a paused one go) first.
  private readonly runs = new RunPhases(this, this.pauseControl, { confirmPause: true });
  /** The network and image the prepared view is about, to tell a new input from a repeated event. */
  private preparedFor: unknown[] = [];
  private readonly workbench = new WorkbenchLink(this, () => void this.prepare());

  override connectedCallback(): void {
    super.connectedCallback();
    const inLimits = (key: Setting) =>
      key === 'steps' ? intIn(...LIMITS.steps) : (v: unknown) => typeof v === 'number' && v >= LIMITS[key][0] && v <= LIMITS[key][1];
    const saved = this.id
      ? readUrlFields(this.id, 'the fooling-image figure', {
          target: indexText,
          ...Object.fromEntries((Object.keys(LIMITS) as Setting[]).map((key) => [key, inLimits(key)])),
        })
      : {};
    if (typeof saved['target'] === 'string') this.target = saved['target'];
    for (const key of Object.keys(LIMITS) as Setting[]) {
      const v = saved[key];
      if (typeof v === 'number') this.settings = { ...this.settings, [key]: v };
    }
    this.unchecked = saved['target'] ? saved : null;
    void this.prepare();
  }

  private saveState(): void {
    if (this.id) writeUrlState(this.id, { target: this.target, ...this.settings });
  }

  /** The original image and its logits; a new input cancels a run on the old one. */
  private async prepare(): Promise<void> {
    const { net, sample } = this.workbench.state;
    if (!net || !sample || (this.preparedFor[0] === net && this.preparedFor[1] === sample)) return;
    this.preparedFor = [net, sample];
    if (this.runs.busy) this.runs.cancel('The run was cancelled: the input changed.');
    Object.assign(this, { history: [], outcome: null, error: null, logits: null });
    const image = sampleTensor(net, sample);
    try {
      const { logits: values } = await classScores(net, image);
      const shown = await tensorToImage(image, { range: net.inputRange });
      if (this.preparedFor[0] !== net || this.preparedFor[1] !== sample) return;
      Object.assign(this, { logits: values, original: shown });
      if (this.unchecked && this.id) {
        // A target must be another class than the one predicted, so that the image has to change.
        const predicted = this.ranked[0];
        const ok = checkUrlFields(this.id, 'the fooling-image figure on this image', this.unchecked, {
          target: (v) => v === '' || (typeof v === 'string' && Number(v) < values.length && Number(v) !== predicted),
        });
        if (ok['target'] === undefined) this.target = '';
        this.unchecked = null;
      }
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      image.dispose();
    }
  }

  private get ranked(): number[] {
    const l = this.logits ?? [];
    return l.map((_, i) => i).sort((a, b) => l[b]! - l[a]!);
  }

  private get targetClass(): number {
    const ranked = this.ranked;
    const chosen = this.target === '' ? NaN : Number(this.target);
    return ranked.includes(chosen) && chosen !== ranked[0] ? chosen : (ranked[1] ?? 0);
  }

  private async run(): Promise<void> {
    const { net, sample } = this.workbench.state;
    if (!net || !sample || !this.logits || this.runs.busy) return;
    const signal = this.runs.start();
    const { epsilon, stepSize, steps } = this.settings;
    const originalClass = this.ranked[0]!;
    Object.assign(this, { history: [], outcome: null, error: null });
    const image = sampleTensor(net, sample);
    const t0 = performance.now();
    try {
      const result = await foolingImage(net, image, {
        targetClass: this.targetClass,
        epsilon: epsilon / 255,
        stepSize: stepSize / 255,
        steps,
        signal,
        onStep: async (step) => {
          // A step that finishes after Pause is held back until Resume (and dropped on Cancel): the paused
          // figure shows the step it was paused on, however long the step under way took to compute.
          await this.pauseControl.wait(signal);
          if (signal.aborted) return;
          this.history = [...this.history, step];
          if (step.step > 0) this.msPerStep = (performance.now() - t0) / step.step;
        },
      });
      if (!this.runs.isCurrent(signal)) return;
      this.outcome = this.describe(result, originalClass);
      this.runs.finish(signal, `The run was cancelled after ${result.history.length - 1} of ${steps} steps.`);
    } catch (err) {
      if (this.runs.fail(signal)) this.error = errorMessage(err);
    } finally {
      image.dispose();
    }
  }

  /** The images and numbers a run leaves, for display. */
  private describe(result: AdversarialResult, originalClass: number): Outcome {
    const net = this.workbench.state.net!;
    const [lo, hi] = net.inputRange;
    const { width, height } = result;
    const channels = result.channels as 1 | 3;
    const levels = (v: number) => (v / (hi - lo)) * 255;
    const maxLevels = result.perturbation.reduce((m, d) => Math.max(m, Math.abs(levels(d))), 0);
    // Symmetric around grey: the largest |δ| is drawn as black or white, with a whole-number gain.
    const gain = maxLevels > 0 ? Math.max(1, Math.floor(127.5 / maxLevels)) : 1;
    const adversarial = toRgba({ width, height, channels, data: result.image.map((v) => levels(v - lo)) });
    const perturbation = toRgba({ width, height, channels, data: result.perturbation.map((d) => 127.5 + gain * levels(d)) });
    const originalLogit = result.history[result.history.length - 1]!.logits[originalClass]!;
    return { result, adversarial, perturbation, maxLevels, gain, originalLogit };
  }

  private setSetting(key: Setting, value: number): void {
    if (!Number.isFinite(value)) return;
    this.settings = { ...this.settings, [key]: clamp(value, LIMITS[key]) };
    this.saveState();
  }

  private renderControls() {
    const net = this.workbench.state.net;
    if (!net || !this.logits) return nothing;
    const busy = this.runs.busy;
    const ranked = this.ranked;
    const number = (key: Setting, label: string, step: number) =>
      html`<label
        >${label}
        <input
          type="number"
          min=${LIMITS[key][0]}
          max=${LIMITS[key][1]}
          step=${step}
          .value=${String(this.settings[key])}
          ?disabled=${busy}
          @change=${(e: Event) => this.setSetting(key, Number((e.target as HTMLInputElement).value))}
      /></label>`;
    return html`<div class="controls">
      <label
        >Target class
        <select
          ?disabled=${busy}
          @change=${(e: Event) => {
            this.target = (e.target as HTMLSelectElement).value;
            this.saveState();
          }}
        >
          ${ranked.slice(1).map(
            (i) => html`<option value=${i} ?selected=${i === this.targetClass}>${net.classNames[i]} (logit ${formatNumber(this.logits![i]!)})</option>`,
          )}
        </select>
      </label>
      ${number('epsilon', 'ε (pixel levels of 255)', 0.5)} ${number('stepSize', 'Step size (levels)', 0.25)}
      ${number('steps', 'Steps', 1)}
      <div class="buttons">
        <button type="button" aria-disabled=${busy} @click=${() => void this.run()}>Run</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
      </div>
    </div>`;
  }

  private renderStatus() {
    const net = this.workbench.state.net;
    const last = this.history[this.history.length - 1];
    const steps = this.settings.steps;
    const name = (i: number) => net?.classNames[i] ?? `class ${i}`;
    const phase = this.runs.phase;
    let text = '';
    if (this.workbench.state.loading || (!this.logits && !this.error && !this.workbench.state.error)) text = 'Loading the network…';
    else if (phase === 'running') text = `Running: step ${last?.step ?? 0} of ${steps}${this.msPerStep ? `, ${this.msPerStep.toFixed(0)} ms a step` : ''}.`;
    // Once computed, the step under way is held back unshown: the count is of the steps shown before Pause.
    else if (phase === 'pausing') text = `Pausing after the step under way (${last?.step ?? 0} of ${steps} done)…`;
    else if (phase === 'paused') text = `Paused after step ${last?.step ?? 0} of ${steps}.`;
    else if (phase === 'cancelled') text = this.runs.message || 'The run was cancelled.';
    else if (phase === 'done' && last) {
      const fooled = last.predicted === this.outcome?.result.pushedClass;
      text = `Done: ${steps} steps, ${this.msPerStep.toFixed(0)} ms a step. The network ${fooled ? 'now predicts' : 'still does not predict'} “${name(this.outcome!.result.pushedClass)}”.`;
    } else if (this.logits) text = 'Choose a target and press Run.';
    return html`<p class="status" role="status" aria-live="polite">${text}</p>`;
  }

  private renderImages() {
    const net = this.workbench.state.net;
    if (!net || !this.original) return nothing;
    const o = this.outcome;
    const first = this.history[0];
    const last = o?.result.history[o.result.history.length - 1];
    const name = (i: number) => net.classNames[i] ?? `class ${i}`;
    const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
    return html`<div class="images">
        <div>
          <cnn-heatmap .image=${this.original} .map=${null} label="Original" no-controls></cnn-heatmap>
          ${first ? html`<p>Predicted: ${name(first.predicted)}, ${pct(first.probability)}</p>` : nothing}
        </div>
        ${o
          ? html`<div>
                <cnn-heatmap .image=${o.adversarial} .map=${null} label="Fooling image" no-controls></cnn-heatmap>
                <p>Predicted: ${name(last!.predicted)}, ${pct(last!.probability)}</p>
              </div>
              <div>
                <cnn-heatmap .image=${o.perturbation} .map=${null} label="Perturbation δ, amplified" no-controls></cnn-heatmap>
                <p data-testid="perturbation-scale">×${o.gain} amplification, max |δ| = ${formatNumber(o.maxLevels)}/255</p>
              </div>`
          : nothing}
      </div>
      ${o && first && last
        ? html`<ul class="readout" aria-label="Prediction before and after">
            <li>Before: “${name(first.predicted)}” with probability ${pct(first.probability)}.</li>
            <li>
              After ${o.result.history.length - 1} steps: “${name(last.predicted)}” with probability ${pct(last.probability)}${last.predicted ===
              o.result.pushedClass
                ? ' (the target)'
                : ''}.
            </li>
            <li>
              Logit of the target “${name(o.result.pushedClass)}”: ${formatNumber(first.classLogit)} → ${formatNumber(last.classLogit)};
              of the original class “${name(this.ranked[0]!)}”: ${formatNumber(this.logits![this.ranked[0]!]!)} → ${formatNumber(o.originalLogit)}.
            </li>
          </ul>`
        : nothing}`;
  }

  /** The target logit and the original class's logit at every step, over the planned number of steps. */
  private renderChart() {
    const h = this.history;
    if (h.length === 0 || !this.logits) return nothing;
    const original = this.ranked[0]!;
    const series: LineSeries[] = [
      { label: 'target logit after each step', points: h.map((s) => ({ x: s.step, y: s.classLogit })), colour: 'var(--_accent)', marker: 'circle' },
      {
        label: 'logit of the class first predicted',
        points: h.map((s) => ({ x: s.step, y: s.logits[original]! })),
        colour: 'var(--_warn)',
        dash: '5 3',
        marker: 'square',
      },
    ];
    return html`<cnn-line-chart
      label="Target logit and original class's logit over the steps"
      x-title="step"
      y-title="logit"
      .series=${series}
      .xDomain=${[0, Math.max(this.settings.steps, h.length - 1, 1)] as const}
    ></cnn-line-chart>`;
  }

  private renderTable() {
    const net = this.workbench.state.net;
    if (this.history.length === 0 || !net) return nothing;
    return html`<div class="table-wrap">
      <table data-testid="steps">
        <caption>
          Each step
        </caption>
        <thead>
          <tr><th scope="col">step</th><th scope="col">target logit</th><th scope="col">predicted</th><th scope="col">probability</th></tr>
        </thead>
        <tbody>
          ${this.history.map(
            (s) => html`<tr>
              <td>${s.step}</td>
              <td data-logit>${formatNumber(s.classLogit, 5)}</td>
              <td style="text-align: left">${net.classNames[s.predicted]}</td>
              <td>${(s.probability * 100).toFixed(1)}%</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    return html`<div class="panel" aria-busy=${this.runs.busy ? 'true' : 'false'} data-phase=${this.runs.phase}>
      <cnn-input-bar></cnn-input-bar>
      ${this.workbench.state.error ? html`<p class="error" role="alert">${this.workbench.state.error}</p>` : nothing}
      ${this.renderControls()} ${this.renderStatus()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing} ${this.renderImages()}
      <div class="progress">${this.renderChart()} ${this.renderTable()}</div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-adversarial': CnnAdversarial;
  }
}
