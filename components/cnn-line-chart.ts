/**
 * `<cnn-line-chart>`: lines over a numbered x axis (steps of a run, layers
 * randomised), drawn as SVG, with a title on each axis, ticks at round values
 * (src/core/ticks.ts) and a legend that tells the lines apart by dash and
 * marker as well as by colour. The adversarial and sanity-check figures draw
 * their progress with it; each keeps the numbers in a table beside it.
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber } from '../src/core/format';
import { niceDomain, niceTicks } from '../src/core/ticks';
import { baseStyles } from './theme';

/** One line: its points (a point whose y is not finite leaves a gap), how it is drawn, and its legend text. */
export interface LineSeries {
  label: string;
  points: readonly { x: number; y: number }[];
  /** A CSS colour, e.g. 'var(--_accent)'. */
  colour: string;
  /** An SVG stroke-dasharray; solid when left out. */
  dash?: string;
  /** A marker at every point, so the line reads without colour and single points show. */
  marker?: 'circle' | 'square';
}

/** Size of the drawing in SVG units, and the margins that hold the tick labels and axis titles. */
const BOX = { width: 380, height: 210, left: 52, right: 12, top: 10, bottom: 42 } as const;

/**
 * @summary Lines over a numbered x axis, drawn as SVG, with axis titles, round ticks and a legend.
 */
@customElement('cnn-line-chart')
export class CnnLineChart extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        margin: 0;
      }
      svg.chart {
        display: block;
        width: 100%;
        max-width: 28rem;
        height: auto;
        font-size: 11px;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0.25rem 0 0;
        padding: 0;
        list-style: none;
        font-size: 0.85rem;
      }
      .legend svg {
        width: 28px;
        height: 10px;
        vertical-align: middle;
      }
    `,
  ];

  /** What the chart shows, for screen readers (the SVG's accessible name). */
  @property() label = '';
  /** Title of the x axis, e.g. 'step'. */
  @property({ attribute: 'x-title' }) xTitle = '';
  /** Title of the y axis, e.g. 'logit'. */
  @property({ attribute: 'y-title' }) yTitle = '';
  /** The lines, drawn in order. */
  @property({ attribute: false }) series: readonly LineSeries[] = [];
  /** The x range the axis spans (e.g. every planned step, not only those done so far). */
  @property({ attribute: false }) xDomain: readonly [number, number] = [0, 1];
  /** Values the y axis must include besides the data (e.g. 0 and 1 for a correlation). */
  @property({ attribute: false }) yInclude: readonly number[] = [];
  /** Text of an x tick; the number itself by default. */
  @property({ attribute: false }) xTickFormat: (x: number) => string = (x) => formatNumber(x);

  private yDomain(): [number, number] {
    const ys = [...this.series.flatMap((s) => s.points.map((p) => p.y)), ...this.yInclude].filter(Number.isFinite);
    return ys.length ? niceDomain(Math.min(...ys), Math.max(...ys)) : [0, 1];
  }

  private marker(kind: LineSeries['marker'], cx: number, cy: number, colour: string) {
    if (kind === 'circle') return svg`<circle cx=${cx} cy=${cy} r="2.5" fill=${colour} />`;
    if (kind === 'square') return svg`<rect x=${cx - 3} y=${cy - 3} width="6" height="6" fill=${colour} />`;
    return nothing;
  }

  override render() {
    const { width: W, height: H, left, right, top, bottom } = BOX;
    const [x0, x1] = this.xDomain[1] > this.xDomain[0] ? this.xDomain : [this.xDomain[0], this.xDomain[0] + 1];
    const [y0, y1] = this.yDomain();
    const x = (v: number) => left + ((W - left - right) * (v - x0)) / (x1 - x0);
    const y = (v: number) => top + ((H - top - bottom) * (y1 - v)) / (y1 - y0);
    // A point without a finite y lifts the pen, so the line shows a gap there.
    const path = (s: LineSeries) => {
      let [d, pen] = ['', 'M'];
      for (const p of s.points) {
        if (!Number.isFinite(p.y)) {
          pen = 'M';
          continue;
        }
        d += `${pen}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
        pen = 'L';
      }
      return d;
    };
    return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label=${this.label}>
        ${niceTicks(y0, y1).map(
          (t) => svg`<line x1=${left} x2=${W - right} y1=${y(t)} y2=${y(t)} stroke="var(--_border)" stroke-width="0.5" />
            <text x=${left - 4} y=${y(t) + 4} text-anchor="end" fill="currentColor">${formatNumber(t)}</text>`,
        )}
        ${niceTicks(x0, x1, { integer: true }).map(
          (t) => svg`<line x1=${x(t)} x2=${x(t)} y1=${H - bottom} y2=${H - bottom + 4} stroke="currentColor" stroke-width="0.75" />
            <text class="x-tick" x=${x(t)} y=${H - bottom + 15} text-anchor="middle" fill="currentColor">${this.xTickFormat(t)}</text>`,
        )}
        <line x1=${left} x2=${W - right} y1=${H - bottom} y2=${H - bottom} stroke="currentColor" stroke-width="0.75" />
        <text class="x-title" x=${(left + W - right) / 2} y=${H - 6} text-anchor="middle" fill="currentColor">${this.xTitle}</text>
        <text class="y-title" transform="rotate(-90)" x=${-(top + (H - top - bottom) / 2)} y="12" text-anchor="middle" fill="currentColor"
          >${this.yTitle}</text
        >
        ${this.series.map(
          (s) => svg`<path d=${path(s)} fill="none" stroke=${s.colour} stroke-width="2" stroke-dasharray=${s.dash ?? ''} />
            ${s.points.filter((p) => Number.isFinite(p.y)).map((p) => this.marker(s.marker, x(p.x), y(p.y), s.colour))}`,
        )}
      </svg>
      <ul class="legend">
        ${this.series.map(
          (s) => html`<li>
            <svg viewBox="0 0 28 10" aria-hidden="true">
              <line x1="0" x2="28" y1="5" y2="5" stroke=${s.colour} stroke-width="2" stroke-dasharray=${s.dash ?? ''} />
              ${this.marker(s.marker, 14, 5, s.colour)}
            </svg>
            ${s.label}
          </li>`,
        )}
      </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-line-chart': CnnLineChart;
  }
}
