/**
 * `<cnn-model-picker>`: choose the network the page's figures explain — one of
 * the book's own models, or the reader's, by the URL of its model.json or by
 * dropping / choosing its files — and see what the book found in it.
 *
 * Public contract:
 * - attribute `model`: id of a book model to load when the element appears (optional);
 * - event `cnn-model-change` (bubbles, composed), `detail.net` the loaded ConvNet.
 *   The picker owns it: it is disposed when another model replaces it and when
 *   the element leaves the page, so listeners must not keep it beyond that;
 * - property `convNet`: the current ConvNet, or null;
 * - a book model it loads is remembered for the tab's later pages (src/browser/input-memory.ts).
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConvNet } from '../src/core/convnet';
import { type FileLike, type LoadOptions, ModelLoadError, PROJECT_MODELS, loadConvNet, loadProjectModel } from '../src/core/model-loader';
import { assetBase } from '../src/browser/assets';
import { getEngine } from '../src/browser/engine';
import { rememberInput } from '../src/browser/input-memory';
import { RunSlot } from './run-slot';
import { baseStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** Name of the event fired when a model has loaded. */
export const MODEL_CHANGE_EVENT = 'cnn-model-change';

/** Pixel ranges readers' models commonly expect (Keras applications use [-1, 1] or [0, 255]). */
const RANGES: Record<string, [number, number]> = { '0,1': [0, 1], '-1,1': [-1, 1], '0,255': [0, 255] };

/** What was last asked for, so a layer choice can reload it. */
type Request = { kind: 'book'; id: string } | { kind: 'url'; url: string } | { kind: 'files'; files: FileLike[] };

/** A layer choice the reader must make when detection failed. */
interface Choice {
  role: 'convLayers' | 'logitLayer';
  candidates: readonly string[];
}

/**
 * @summary The network the figures explain: one of the book's, or the reader's by the URL of its model.json or by its files.
 * @fires cnn-model-change - A network finished loading; `detail.net` is the loaded network.
 */
@customElement('cnn-model-picker')
export class CnnModelPicker extends LitElement {
  static override styles = [
    baseStyles,
    css`
      /* Flex, not a grid: a source that wraps onto a row of its own widens to fill it, leaving no empty cell. */
      .sources {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
      }
      .sources > fieldset {
        flex: 1 1 15rem;
        min-width: 0;
      }
      fieldset {
        border: 1px solid var(--_border);
        border-radius: 6px;
        margin: 0;
        display: flex;
        flex-direction: column;
        gap: 0.4rem;
      }
      legend {
        font-weight: 600;
      }
      input[type='text'] {
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 0.35rem 0.5rem;
        background: var(--itc-bg, #fff);
      }
      .drop {
        border: 2px dashed var(--_border);
        border-radius: 6px;
        padding: 0.5rem;
      }
      .drop[data-over] {
        border-color: var(--_accent);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2rem 1rem;
        margin: 0.75rem 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      table {
        border-collapse: collapse;
        font-size: 0.875rem;
      }
      th,
      td {
        border: 1px solid var(--_border);
        padding: 0.15rem 0.4rem;
        text-align: left;
        overflow-wrap: anywhere;
      }
      .options {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-top: 0.75rem;
      }
    `,
  ];

  /** Id of a book model to load when the element appears. */
  @property() model = '';

  @state() private net: ConvNet | null = null;
  @state() private pending: string | null = null;
  @state() private error: string | null = null;
  @state() private choice: Choice | null = null;
  @state() private dragOver = false;

  private request: Request | null = null;
  private overrides: Pick<LoadOptions, 'convLayers' | 'logitLayer'> = {};
  private readonly loads = new RunSlot();
  private connected = false;

  /** The current network, or null. Owned by the picker. */
  get convNet(): ConvNet | null {
    return this.net;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.connected = true;
    if (this.model && !this.net) void this.load({ kind: 'book', id: this.model });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.connected = false;
    this.loads.abort();
    this.net?.dispose();
    this.net = null;
  }

  private async load(request: Request, overrides: Pick<LoadOptions, 'convLayers' | 'logitLayer'> = {}): Promise<void> {
    const signal = this.loads.start();
    this.request = request;
    this.overrides = overrides;
    this.error = null;
    this.choice = null;
    this.pending = request.kind === 'book' ? `Loading ${request.id}…` : 'Loading your model…';
    try {
      await getEngine();
      const range = RANGES[this.renderRoot.querySelector<HTMLSelectElement>('select[name="range"]')?.value ?? '0,1'];
      const options: LoadOptions = { ...overrides, signal, ...(range ? { inputRange: range } : {}) };
      const net =
        request.kind === 'book'
          ? await loadProjectModel(request.id, assetBase(), { signal })
          : await loadConvNet(request.kind === 'url' ? request.url : request.files, options);
      if (signal.aborted || !this.connected) {
        net.dispose();
        return;
      }
      this.net?.dispose();
      this.net = net;
      if (request.kind === 'book') rememberInput({ model: request.id });
      this.dispatchEvent(new CustomEvent(MODEL_CHANGE_EVENT, { detail: { net }, bubbles: true, composed: true }));
    } catch (err) {
      if (signal.aborted) return;
      this.error = errorMessage(err);
      if (err instanceof ModelLoadError && (err.code === 'no-conv' || err.code === 'no-logits') && err.candidates.length) {
        this.choice = { role: err.code === 'no-conv' ? 'convLayers' : 'logitLayer', candidates: err.candidates };
      }
    } finally {
      if (this.loads.isCurrent(signal)) this.pending = null;
    }
  }

  private loadBook(): void {
    const id = this.renderRoot.querySelector<HTMLSelectElement>('select[name="book"]')!.value;
    void this.load({ kind: 'book', id });
  }

  private loadUrl(e: Event): void {
    e.preventDefault();
    const text = this.renderRoot.querySelector<HTMLInputElement>('input[name="url"]')!.value.trim();
    if (!text) {
      this.error = 'Type the address of a model.json first.';
      return;
    }
    void this.load({ kind: 'url', url: new URL(text, location.href).href });
  }

  private loadFiles(list: FileList | null | undefined): void {
    if (!list || list.length === 0) return;
    void this.load({ kind: 'files', files: Array.from(list) });
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragOver = false;
    this.loadFiles(e.dataTransfer?.files);
  }

  private useLayer(): void {
    const choice = this.choice;
    if (!choice || !this.request) return;
    const name = this.renderRoot.querySelector<HTMLSelectElement>('select[name="layer"]')!.value;
    const overrides = { ...this.overrides, [choice.role]: choice.role === 'convLayers' ? [name] : name };
    void this.load(this.request, overrides);
  }

  private renderSources() {
    return html`<div class="sources">
      <fieldset>
        <legend>The book's models</legend>
        <label for="book">Model</label>
        <select id="book" name="book">
          ${PROJECT_MODELS.map((m) => html`<option value=${m.id} ?selected=${m.id === this.model}>${m.title}</option>`)}
        </select>
        <button type="button" @click=${this.loadBook}>Load this model</button>
      </fieldset>
      <fieldset>
        <legend>Your model, by address</legend>
        <form @submit=${this.loadUrl}>
          <label for="url">Address of its model.json</label>
          <input id="url" name="url" type="text" inputmode="url" autocomplete="url" spellcheck="false" placeholder="https://…/model.json" />
          <button type="submit">Load from address</button>
        </form>
      </fieldset>
      <fieldset
        class="drop"
        ?data-over=${this.dragOver}
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.dragOver = true;
        }}
        @dragleave=${() => (this.dragOver = false)}
        @drop=${this.onDrop}
      >
        <legend>Your model, from files</legend>
        <label for="files">Choose or drop model.json, its .bin weight files and, if you have one, a class list (.txt, one name a line)</label>
        <input id="files" name="files" type="file" multiple accept=".json,.bin,.txt" @change=${(e: Event) => this.loadFiles((e.target as HTMLInputElement).files)} />
      </fieldset>
    </div>
    <div class="options">
      <label for="range">Pixel range your model expects</label>
      <select id="range" name="range">
        <option value="0,1">0 to 1</option>
        <option value="-1,1">−1 to 1</option>
        <option value="0,255">0 to 255</option>
      </select>
    </div>`;
  }

  private renderChoice(choice: Choice) {
    const what = choice.role === 'convLayers' ? 'the layer whose feature maps the methods should use' : 'the layer that gives the class scores';
    return html`<div class="options">
      <label for="layer">Choose ${what}</label>
      <select id="layer" name="layer">${choice.candidates.map((c) => html`<option>${c}</option>`)}</select>
      <button type="button" @click=${this.useLayer}>Use this layer</button>
    </div>`;
  }

  private renderSummary(net: ConvNet) {
    const caps = net.capabilities;
    const classes = net.classNames.length > 12 ? `${net.classNames.slice(0, 12).join(', ')}, …` : net.classNames.join(', ');
    return html`<section aria-label="Loaded model" data-model=${net.id}>
      <h3>${net.title}</h3>
      <dl>
        <dt>Format</dt>
        <dd>${net.format === 'layers' ? 'layers model (Keras-style)' : 'graph model (converted TensorFlow graph)'}</dd>
        <dt>Input</dt>
        <dd>${net.inputShape.join(' × ')}, pixel values ${net.inputRange[0]} to ${net.inputRange[1]}</dd>
        <dt>Parameters</dt>
        <dd data-field="params">${net.params.toLocaleString('en')}</dd>
        <dt>Classes</dt>
        <dd data-field="classes">${net.classNames.length}: ${classes}</dd>
        <dt>Conv layers</dt>
        <dd data-field="conv">${net.convLayers.length}: ${net.convLayers.join(', ')}</dd>
        <dt>Logit layer</dt>
        <dd data-field="logits">${net.logitLayer}</dd>
        <dt>Guided backprop and deconvnet</dt>
        <dd data-field="relu-rules">${caps.reluRules ? 'yes' : 'no'}</dd>
        <dt>CAM</dt>
        <dd data-field="cam">${caps.cam ? `yes, on ${net.camLayer}` : 'no'}</dd>
      </dl>
      ${caps.notes.length ? html`<ul>${caps.notes.map((n) => html`<li>${n}</li>`)}</ul>` : nothing}
      <details>
        <summary>All ${net.layers.length} layers</summary>
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Type</th><th scope="col">Output</th><th scope="col">Parameters</th></tr></thead>
          <tbody>
            ${net.layers.map((l) => html`<tr><td>${l.name}</td><td>${l.kind}</td><td>${l.type}</td><td>${l.outputShape.join(' × ')}</td><td>${l.params}</td></tr>`)}
          </tbody>
        </table>
      </details>
    </section>`;
  }

  override render() {
    return html`<div class="panel">
      ${this.renderSources()}
      <p role="status" aria-live="polite" class=${this.pending ? 'muted' : 'visually-hidden'}>${this.pending ?? (this.net ? `${this.net.title} is loaded.` : 'No model loaded yet.')}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.choice ? this.renderChoice(this.choice) : nothing}
      ${this.net ? this.renderSummary(this.net) : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-model-picker': CnnModelPicker;
  }
}
