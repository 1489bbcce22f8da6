/**
 * `<cnn-heatmap>`: an image with a heatmap over it, the colour scale with its
 * values, an opacity slider, a colormap choice, a text readout and PNG export.
 * A building block of the technique components: it computes nothing itself.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  COLORMAPS,
  type ColormapName,
  DIVERGING,
  applyColormap,
  autoScale,
  colormapTable,
} from '../src/core/colormap';
import { formatNumber } from '../src/core/format';
import { baseStyles } from './theme';

/** RGBA pixels, as canvases and ImageData hold them. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A map of values on a grid (any size: it is stretched over the image). */
export interface ValueMap {
  width: number;
  height: number;
  data: Float32Array;
  /** Whether negative values mean something (drawn with a diverging map). */
  signed?: boolean;
}

const COLORMAP_LABELS: Record<ColormapName, string> = {
  viridis: 'Viridis',
  cividis: 'Cividis',
  puor: 'Purple–orange (signed)',
};

function toCanvas(image: RgbaImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  return canvas;
}

/**
 * @summary An image with a map of values over it: colour scale, opacity, colormap, text readout and PNG export.
 * @cssprop [--cnn-heatmap-size=320px] - Largest width of the picture.
 */
@customElement('cnn-heatmap')
export class CnnHeatmap extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        margin: 0;
      }
      figure {
        margin: 0;
        display: grid;
        gap: 0.5rem;
        max-width: 100%;
      }
      canvas.view {
        width: 100%;
        max-width: var(--cnn-heatmap-size, 320px);
        aspect-ratio: 1;
        image-rendering: auto;
        border: 1px solid var(--_border);
        border-radius: 4px;
        background: var(--itc-bg, #fff);
      }
      .scale {
        display: grid;
        grid-template-columns: auto 1fr auto;
        gap: 0.4rem;
        align-items: center;
        font-size: 0.8rem;
        max-width: var(--cnn-heatmap-size, 320px);
        font-variant-numeric: tabular-nums;
      }
      canvas.bar {
        width: 100%;
        height: 0.8rem;
        border: 1px solid var(--_border);
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        font-size: 0.875rem;
      }
      .readout {
        font-size: 0.875rem;
        margin: 0;
        padding-left: 1.1rem;
      }
      figcaption {
        font-weight: 600;
      }
    `,
  ];

  /** The image under the map. */
  @property({ attribute: false }) image: RgbaImage | null = null;
  /** The values to colour; null shows the image alone. */
  @property({ attribute: false }) map: ValueMap | null = null;
  /** Caption, also the accessible name of the picture. */
  @property() label = 'Heatmap';
  /** Lines of text that describe the map for readers who cannot see it. */
  @property({ attribute: false }) readout: string[] = [];
  /** Overlay opacity, 0–1. */
  @property({ type: Number }) opacity = 0.6;
  /** Colormap; signed maps default to the diverging one. */
  @property() colormap: ColormapName | '' = '';
  /** Hide the controls (for small multiples). */
  @property({ type: Boolean, attribute: 'no-controls' }) noControls = false;

  @state() private chosenMap: ColormapName | null = null;

  private get activeColormap(): ColormapName {
    return this.chosenMap ?? (this.colormap || (this.map?.signed ? 'puor' : 'viridis'));
  }

  private get scale() {
    return this.map ? autoScale(this.map.data, DIVERGING[this.activeColormap]) : { min: 0, max: 1 };
  }

  protected override updated(): void {
    this.draw();
  }

  private draw(): void {
    const view = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.view');
    const bar = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.bar');
    if (!view || !this.image) return;
    const { width, height } = this.image;
    view.width = width;
    view.height = height;
    const ctx = view.getContext('2d')!;
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(toCanvas(this.image), 0, 0);
    if (this.map) {
      const colours = applyColormap(this.map.data, this.activeColormap, this.scale);
      ctx.globalAlpha = this.opacity;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(toCanvas({ width: this.map.width, height: this.map.height, data: colours }), 0, 0, width, height);
      ctx.globalAlpha = 1;
    }
    if (bar) {
      const table = colormapTable(this.activeColormap);
      const rgba = new Uint8ClampedArray(256 * 4);
      for (let i = 0; i < 256; i++) rgba.set([table[i * 3]!, table[i * 3 + 1]!, table[i * 3 + 2]!, 255], i * 4);
      bar.width = 256;
      bar.height = 1;
      bar.getContext('2d')!.putImageData(new ImageData(rgba, 256, 1), 0, 0);
    }
  }

  /** Saves what the reader sees (image and overlay) as a PNG file. */
  private exportPng(): void {
    const view = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.view');
    view?.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${this.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  }

  override render() {
    if (!this.image) return html`<p class="muted">No image yet.</p>`;
    const { min, max } = this.scale;
    return html`<figure>
      <figcaption>${this.label}</figcaption>
      <canvas class="view" role="img" aria-label=${`${this.label}. ${this.readout.join(' ')}`}></canvas>
      ${this.map
        ? html`<div class="scale" aria-label="Colour scale">
            <span>${formatNumber(min)}</span><canvas class="bar" aria-hidden="true"></canvas><span>${formatNumber(max)}</span>
          </div>`
        : nothing}
      ${this.readout.length
        ? html`<ul class="readout" aria-label="Text readout of the map">
            ${this.readout.map((line) => html`<li>${line}</li>`)}
          </ul>`
        : nothing}
      ${this.noControls || !this.map
        ? nothing
        : html`<div class="controls">
            <label
              >Opacity
              <input
                type="range"
                min="0"
                max="1"
                step="0.05"
                .value=${String(this.opacity)}
                @input=${(e: Event) => (this.opacity = Number((e.target as HTMLInputElement).value))}
            /></label>
            <label
              >Colours
              <select @change=${(e: Event) => (this.chosenMap = (e.target as HTMLSelectElement).value as ColormapName)}>
                ${COLORMAPS.map(
                  (c) => html`<option value=${c} ?selected=${c === this.activeColormap}>${COLORMAP_LABELS[c]}</option>`,
                )}
              </select></label
            >
            <button type="button" @click=${this.exportPng}>Save PNG</button>
          </div>`}
    </figure>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-heatmap': CnnHeatmap;
  }
}
