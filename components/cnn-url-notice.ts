/**
 * `<cnn-url-notice>`: the page's one notice about its link. When a figure, the
 * workbench or the engine finds a value in the URL it cannot use (a class
 * that does not exist, a backend the book does not have, text that is not
 * JSON), it replaces the value with its default and reports it through
 * `rejectUrlState` (src/browser/url-state.ts); this element lists those
 * reports at the foot of the window until the reader dismisses them.
 * Placed once in the page frame, with `eager`.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { URL_NOTICE_EVENT, type UrlNotice, urlNotices } from '../src/browser/url-state';
import { baseStyles } from './theme';

/**
 * @summary The page's one notice about values in its link that it could not use, and what it showed instead.
 */
@customElement('cnn-url-notice')
export class CnnUrlNotice extends LitElement {
  static override styles = [
    baseStyles,
    css`
      :host {
        margin: 0;
        position: fixed;
        z-index: 20;
        inset: auto 0.75rem 0.75rem auto;
        max-width: min(32rem, calc(100vw - 1.5rem));
      }
      .panel {
        box-shadow: 0 4px 16px rgb(0 0 0 / 25%);
        background: var(--itc-bg, #fff);
        border-left: 4px solid var(--_warn);
        font-size: 0.875rem;
      }
      ul {
        margin: 0 0 0.5rem;
        padding-left: 1.1rem;
      }
      p {
        margin: 0 0 0.35rem;
        font-weight: 600;
      }
    `,
  ];

  /** The reports not yet dismissed, oldest first. */
  @state() private shown: UrlNotice[] = [...urlNotices()];

  private readonly onNotice = (e: Event) => {
    this.shown = [...this.shown, (e as CustomEvent<UrlNotice>).detail];
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener(URL_NOTICE_EVENT, this.onNotice);
  }

  override disconnectedCallback(): void {
    window.removeEventListener(URL_NOTICE_EVENT, this.onNotice);
    super.disconnectedCallback();
  }

  override render() {
    return html`<div role="status" aria-live="polite">
      ${this.shown.length
        ? html`<div class="panel" data-notices=${this.shown.length}>
            <p>This link asked for something the page could not show</p>
            <ul>
              ${this.shown.map((n) => html`<li data-key=${n.key}>${n.message}</li>`)}
            </ul>
            <button type="button" @click=${() => (this.shown = [])}>Dismiss</button>
          </div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-url-notice': CnnUrlNotice;
  }
}
