/**
 * `<cnn-relu-backward>`: editable forward input and upstream gradient, and
 * what backprop, deconvnet and guided backprop send back through a ReLU,
 * recomputed as the reader types.
 *
 * Public contract (instructors embed it with their own numbers):
 * - attributes `forward` and `upstream`: JSON 2-D arrays of equal shape;
 * - result tables carry `data-rule="backprop" | "deconvnet" | "guided"`, with
 *   one `<td>` per value in row-major order and the number as the cell's text;
 * - with an `id`, the edited numbers are kept in the URL under that id.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { type Grid, GridError, assertSameShape, parseGrid } from '../src/core/grid';
import { RELU_RULES, type ReluRule } from '../src/core/relu-rules';
import { type BlockReason, type ReluTables, blockReason, computeReluTables } from '../src/core/relu-tables';
import { getEngine } from '../src/browser/engine';
import { readUrlState, rejectUrlState, writeUrlState } from '../src/browser/url-state';
import { baseStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** The example every course uses (Springenberg et al. 2015, fig. 1; CS231n). */
export const DEFAULT_FORWARD: Grid = [
  [1, -1, 5],
  [2, -5, -7],
  [-3, 2, 4],
];
/** Upstream gradient of the same example. */
export const DEFAULT_UPSTREAM: Grid = [
  [-2, 3, -1],
  [6, -3, 1],
  [2, -1, 3],
];

const RULE_TEXT: Record<ReluRule, { title: string; formula: string; passes: string }> = {
  backprop: { title: 'Backpropagation', formula: 'R · [x > 0]', passes: 'where the forward input was positive' },
  deconvnet: { title: 'Deconvnet', formula: 'R · [R > 0]', passes: 'where the upstream gradient is positive' },
  guided: {
    title: 'Guided backpropagation',
    formula: 'R · [x > 0] · [R > 0]',
    passes: 'only where both the forward input and the upstream gradient are positive',
  },
};

const REASON_TEXT: Record<Exclude<BlockReason, null>, string> = {
  forward: 'forward input x ≤ 0',
  gradient: 'upstream gradient R ≤ 0',
  both: 'x ≤ 0 and R ≤ 0',
};

type GridName = 'forward' | 'upstream';

const sameShape = (a: Grid, b: Grid) => a.length === b.length && a[0]!.length === b[0]!.length;

/** Shortest faithful text for a value: no "-0", at most six significant digits. */
export function formatCell(v: number): string {
  return Math.abs(v) < 1e-12 ? '0' : String(Number(v.toPrecision(6)));
}

/**
 * @summary What backprop, deconvnet and guided backprop send back through a ReLU, on numbers the reader (or the page) sets.
 * @cssprop [--itc-mono=ui-monospace, monospace] - Font of the number tables.
 */
@customElement('cnn-relu-backward')
export class CnnReluBackward extends LitElement {
  static override styles = [
    baseStyles,
    css`
      .grids {
        display: flex;
        flex-wrap: wrap;
        gap: 1.25rem;
      }
      figure {
        margin: 0;
      }
      figcaption {
        font-weight: 600;
        margin-bottom: 0.35rem;
      }
      .formula {
        font-family: var(--itc-mono, ui-monospace, monospace);
        font-weight: 400;
        display: block;
        color: var(--_muted);
      }
      table {
        border-collapse: collapse;
        font-variant-numeric: tabular-nums;
      }
      td {
        border: 1px solid var(--_border);
        min-width: 2.75rem;
        height: 2.5rem;
        text-align: center;
        padding: 0;
        background: var(--itc-bg, #fff);
        position: relative;
      }
      td input {
        width: 3.25rem;
        height: 2.5rem;
        box-sizing: border-box;
        border: 0;
        text-align: center;
        background: transparent;
      }
      td input[aria-invalid='true'] {
        outline: 3px dashed var(--_warn);
        outline-offset: -3px;
      }
      td[data-blocked] {
        color: var(--_muted);
        background: repeating-linear-gradient(
          135deg,
          transparent 0 5px,
          color-mix(in srgb, var(--_muted) 22%, transparent) 5px 7px
        );
      }
      td[data-blocked]::after {
        position: absolute;
        top: 1px;
        right: 3px;
        font-size: 0.65rem;
        font-weight: 700;
      }
      td[data-blocked='forward']::after {
        content: 'x';
      }
      td[data-blocked='gradient']::after {
        content: 'R';
      }
      td[data-blocked='both']::after {
        content: 'xR';
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin: 0.75rem 0;
      }
      .results {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
        gap: 1.25rem;
      }
      .readout {
        font-size: 0.875rem;
      }
      .readout p {
        margin: 0.5rem 0 0.25rem;
      }
      .legend {
        font-size: 0.875rem;
      }
      .readout ul {
        padding-left: 1.1rem;
        margin: 0.25rem 0;
      }
    `,
  ];

  /** Forward input x, a JSON 2-D array. */
  @property() forward = JSON.stringify(DEFAULT_FORWARD);
  /** Upstream gradient R, a JSON 2-D array of the same shape as `forward`. */
  @property() upstream = JSON.stringify(DEFAULT_UPSTREAM);

  @state() private grids: Record<GridName, Grid> | null = null;
  /** Cell texts that do not parse as numbers yet, keyed "grid:row:col". */
  @state() private invalid = new Map<string, string>();
  @state() private tables: ReluTables | null = null;
  @state() private error: string | null = null;

  private run = 0;
  private fromUrl = true;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (!changed.has('forward') && !changed.has('upstream')) return;
    const restored = this.fromUrl && this.restoreFromUrl();
    this.fromUrl = false;
    if (restored) return;
    try {
      const forward = parseGrid(this.forward, 'forward');
      const upstream = parseGrid(this.upstream, 'upstream');
      assertSameShape(forward, upstream, ['forward', 'upstream']);
      this.setGrids({ forward, upstream });
    } catch (err) {
      // A page that sets `forward` and then `upstream` passes through a mismatch: no result may land meanwhile.
      this.run++;
      this.grids = null;
      this.tables = null;
      this.error = err instanceof GridError ? `${err.message} The tables appear once forward and upstream are valid and of one shape.` : String(err);
    }
  }

  /** The numbers a link kept, when they are usable; a link whose numbers are not is reported and dropped. */
  private restoreFromUrl(): boolean {
    if (!this.id) return false;
    const saved = readUrlState(this.id);
    if (saved === undefined) return false;
    try {
      const { forward, upstream } = (saved ?? {}) as Record<string, unknown>;
      const grids = { forward: parseGrid(forward, 'forward'), upstream: parseGrid(upstream, 'upstream') };
      assertSameShape(grids.forward, grids.upstream, ['forward', 'upstream']);
      this.setGrids(grids);
      return true;
    } catch (err) {
      const why = err instanceof GridError ? err.message : String(err);
      rejectUrlState(this.id, `The link's numbers for the ReLU tables could not be used (${why}), so the figure shows its own.`);
      return false;
    }
  }

  private setGrids(grids: Record<GridName, Grid>): void {
    this.grids = grids;
    this.invalid = new Map();
    this.error = null;
    void this.compute();
  }

  private async compute(): Promise<void> {
    const grids = this.grids;
    if (!grids) return;
    const run = ++this.run;
    try {
      await getEngine();
      const tables = await computeReluTables(grids.forward, grids.upstream);
      if (run === this.run) this.tables = tables;
    } catch (err) {
      if (run === this.run) this.error = `The tables could not be computed: ${errorMessage(err)}`;
    }
  }

  private onCellInput(name: GridName, i: number, j: number, e: Event): void {
    const text = (e.target as HTMLInputElement).value;
    const key = `${name}:${i}:${j}`;
    const value = Number(text.trim().replace('−', '-'));
    const invalid = new Map(this.invalid);
    if (text.trim() === '' || !Number.isFinite(value)) {
      invalid.set(key, text);
      this.invalid = invalid;
      return;
    }
    invalid.delete(key);
    this.invalid = invalid;
    const grids = this.grids!;
    const grid = grids[name].map((row) => [...row]);
    grid[i]![j] = value;
    this.grids = { ...grids, [name]: grid };
    if (this.id) writeUrlState(this.id, this.grids);
    void this.compute();
  }

  /** Arrow keys move between cells of a grid; Enter moves down, as in a spreadsheet. */
  private onCellKey(name: GridName, i: number, j: number, e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      Enter: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const move = moves[e.key];
    if (!move) return;
    const input = e.target as HTMLInputElement;
    const horizontal = move[1] !== 0;
    if (horizontal && input.selectionStart !== (move[1] < 0 ? 0 : input.value.length)) return;
    const next = this.renderRoot.querySelector<HTMLInputElement>(
      `input[data-cell="${name}:${i + move[0]}:${j + move[1]}"]`,
    );
    if (next) {
      e.preventDefault();
      next.focus();
      next.select();
    }
  }

  private randomize(): void {
    const { forward } = this.grids ?? { forward: DEFAULT_FORWARD };
    const rand = () => forward.map((row) => row.map(() => Math.round(Math.random() * 18 - 9)));
    this.setGrids({ forward: rand(), upstream: rand() });
    if (this.id) writeUrlState(this.id, this.grids);
  }

  private reset(): void {
    if (this.id) writeUrlState(this.id, null);
    try {
      this.setGrids({ forward: parseGrid(this.forward, 'forward'), upstream: parseGrid(this.upstream, 'upstream') });
    } catch {
      this.setGrids({ forward: DEFAULT_FORWARD, upstream: DEFAULT_UPSTREAM });
    }
  }

  private renderInputGrid(name: GridName, caption: string, formula: string) {
    const grid = this.grids![name];
    const label = name === 'forward' ? 'Forward input x' : 'Upstream gradient R';
    return html`<figure>
      <figcaption>${caption}<span class="formula">${formula}</span></figcaption>
      <table data-grid=${name} aria-label=${label}>
        ${grid.map(
          (row, i) => html`<tr>
            ${row.map((v, j) => {
              const key = `${name}:${i}:${j}`;
              const draft = this.invalid.get(key);
              return html`<td>
                <input
                  type="text"
                  inputmode="decimal"
                  data-cell=${key}
                  aria-label="${label}, row ${i + 1}, column ${j + 1}"
                  aria-invalid=${draft !== undefined ? 'true' : 'false'}
                  .value=${draft ?? formatCell(v)}
                  @input=${(e: Event) => this.onCellInput(name, i, j, e)}
                  @keydown=${(e: KeyboardEvent) => this.onCellKey(name, i, j, e)}
                />
              </td>`;
            })}
          </tr>`,
        )}
      </table>
    </figure>`;
  }

  private renderResult(rule: ReluRule, result: Grid) {
    const { forward, upstream } = this.grids!;
    const text = RULE_TEXT[rule];
    const reasons = result.map((row, i) =>
      row.map((_, j) => (upstream[i]![j] === 0 ? null : blockReason(rule, forward[i]![j]!, upstream[i]![j]!))),
    );
    const blocked = reasons.flatMap((row, i) =>
      row.flatMap((reason, j) => (reason ? [{ i, j, reason }] : [])),
    );
    return html`<figure>
      <figcaption>${text.title}<span class="formula">${text.formula}</span></figcaption>
      <table data-rule=${rule} aria-label="${text.title} result">
        ${result.map(
          (row, i) => html`<tr>
            ${row.map(
              (v, j) => html`<td
                data-blocked=${reasons[i]![j] ?? nothing}
                title=${reasons[i]![j] ? `zeroed: ${REASON_TEXT[reasons[i]![j]!]}` : nothing}
              >${formatCell(v)}</td>`,
            )}
          </tr>`,
        )}
      </table>
      <div class="readout">
        <p>Passes R ${text.passes}; ${blocked.length === 0 ? 'here it blocks nothing' : `it blocks ${blocked.length} of ${result.length * result[0]!.length} values`}.</p>
        ${blocked.length
          ? html`<details>
              <summary>Which values, and why</summary>
              <ul>
                ${blocked.map(
                  ({ i, j, reason }) =>
                    html`<li>row ${i + 1}, column ${j + 1}: R = ${formatCell(upstream[i]![j]!)} stopped (${REASON_TEXT[reason]})</li>`,
                )}
              </ul>
            </details>`
          : nothing}
      </div>
    </figure>`;
  }

  override render() {
    if (this.error && !this.grids) return html`<p class="error" role="alert">${this.error}</p>`;
    if (!this.grids) return html`<p class="muted">Loading…</p>`;
    const invalidCount = this.invalid.size;
    // Tables of the previous grids stay up while new ones compute, unless their shape no longer fits.
    const tables = this.tables && sameShape(this.tables.output, this.grids.forward) ? this.tables : null;
    return html`<div class="panel">
      <div class="grids">
        ${this.renderInputGrid('forward', 'Forward input', 'x')}
        ${tables
          ? html`<figure>
              <figcaption>Forward output<span class="formula">max(x, 0)</span></figcaption>
              <table data-output aria-label="Forward output">
                ${tables.output.map((row) => html`<tr>${row.map((v) => html`<td>${formatCell(v)}</td>`)}</tr>`)}
              </table>
            </figure>`
          : nothing}
        ${this.renderInputGrid('upstream', 'Upstream gradient', 'R = ∂L/∂ReLU(x)')}
      </div>
      <div class="actions">
        <button type="button" @click=${this.randomize}>Random numbers</button>
        <button type="button" @click=${this.reset}>Reset</button>
      </div>
      <p role="status" aria-live="polite" class=${invalidCount ? 'error' : 'visually-hidden'}>
        ${invalidCount
          ? `${invalidCount} cell${invalidCount > 1 ? 's do' : ' does'} not hold a number yet; the results below use the last valid value.`
          : 'Results are up to date.'}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <p class="muted legend">
        Hatched cells are zeroed by the rule: <b>x</b> marks a forward input that was not positive, <b>R</b> an
        upstream value that was not positive.
      </p>
      <div class="results" aria-live="polite">
        ${tables ? RELU_RULES.map((rule) => this.renderResult(rule, tables.results[rule])) : html`<p class="muted">Computing…</p>`}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-relu-backward': CnnReluBackward;
  }
}
