/**
 * `<cnn-input-bar>`: the network and image a figure studies, shared by every
 * figure on the page through the workbench. Part of the technique figures; it
 * computes nothing itself.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { PROJECT_MODELS } from '../src/core/model-loader';
import { testSample, workbench } from '../src/browser/workbench';
import { WorkbenchLink } from './workbench-link';
import type { ImageChangeDetail } from './cnn-image-picker';
import './cnn-image-picker';
import './cnn-model-picker';
import { baseStyles } from './theme';

/**
 * @summary The network and image a figure studies, shared by every figure on the page.
 */
@customElement('cnn-input-bar')
export class CnnInputBar extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        margin: 0 0 0.75rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.75rem;
        align-items: center;
      }
      select {
        max-width: 100%;
      }
      label {
        max-width: 100%;
      }
      input[type='number'] {
        width: 5.5rem;
        padding: 0.3rem;
        border: 1px solid var(--_border);
        border-radius: 6px;
        background: var(--itc-bg, #fff);
      }
      details {
        margin-top: 0.5rem;
      }
    `,
  ];

  /** The pickers are created only once the reader opens them. */
  @state() private pickersOpen = false;
  /** Follows the workbench to show its input; the figures on the page hold the network. */
  private readonly link = new WorkbenchLink(this, () => {}, [], { share: false });

  private get index(): number {
    const ref = this.link.state.sample?.ref;
    return ref?.startsWith('test:') ? Number(ref.slice(5)) : 0;
  }

  private async showTest(index: number): Promise<void> {
    const i = Math.max(0, Math.min(1999, Math.round(index) || 0));
    workbench.useSample(await testSample(this.link.state.modelId, i));
  }

  private onImage(e: CustomEvent<ImageChangeDetail>): void {
    e.stopPropagation();
    const { image, title } = e.detail;
    workbench.useSample({ image: { ...image, channels: 4 }, title, ref: e.detail.id ? `gallery:${e.detail.id}` : undefined });
  }

  private onModel(e: CustomEvent<{ net: import('../src/core/convnet').ConvNet }>): void {
    e.stopPropagation();
    workbench.useNet(e.detail.net);
  }

  override render() {
    const { net, sample, modelId } = this.link.state;
    const own = !PROJECT_MODELS.some((m) => m.id === modelId);
    const label = sample?.label !== undefined && net ? net.classNames[sample.label] : undefined;
    return html`<div class="row">
        <label
          >Network
          <select
            @change=${(e: Event) => void workbench.selectModel((e.target as HTMLSelectElement).value)}
          >
            ${PROJECT_MODELS.map((m) => html`<option value=${m.id} ?selected=${m.id === modelId}>${m.title}</option>`)}
            ${own && net ? html`<option selected value=${modelId}>${net.title} (yours)</option>` : nothing}
          </select>
        </label>
        ${own
          ? nothing
          : html`<button type="button" aria-label="Previous test image" @click=${() => this.showTest(this.index - 1)}>←</button>
              <label
                >Test image
                <input
                  type="number"
                  min="0"
                  max="1999"
                  .value=${String(this.index)}
                  @change=${(e: Event) => this.showTest(Number((e.target as HTMLInputElement).value))}
              /></label>
              <button type="button" aria-label="Next test image" @click=${() => this.showTest(this.index + 1)}>→</button>
              <button type="button" @click=${() => this.showTest(Math.floor(Math.random() * 2000))}>Random</button>`}
        <span class="muted">${sample ? sample.title : ''}${label ? ` · true class: ${label}` : ''}</span>
      </div>
      <details @toggle=${(e: Event) => (this.pickersOpen ||= (e.target as HTMLDetailsElement).open)}>
        <summary>Your own image or network</summary>
        ${this.pickersOpen
          ? html`<cnn-image-picker @cnn-image-change=${this.onImage} no-initial></cnn-image-picker>
              <cnn-model-picker @cnn-model-change=${this.onModel}></cnn-model-picker>`
          : nothing}
      </details>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-input-bar': CnnInputBar;
  }
}
