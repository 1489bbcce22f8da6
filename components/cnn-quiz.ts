/**
 * `<cnn-quiz>`: a short quiz made of `<cnn-predict>` questions, each checked
 * as soon as it is answered, with a running score so the reader sees how
 * much of the chapter has settled.
 */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ANSWER_EVENT, type AnswerDetail } from './cnn-predict';
import { baseStyles } from './theme';

/**
 * @summary A quiz of `cnn-predict` questions with a running score.
 * @slot - The `cnn-predict` questions.
 */
@customElement('cnn-quiz')
export class CnnQuiz extends LitElement {
  static override styles = [
    baseStyles,
    css`
      .score {
        font-weight: 600;
      }
      ::slotted(cnn-predict) {
        margin: 0.75rem 0;
      }
    `,
  ];

  /** Whether each question answered so far was last answered right, by question. */
  @state() private answers = new Map<EventTarget, boolean>();

  private readonly onAnswer = (event: Event): void => {
    if (!event.target) return;
    this.answers = new Map(this.answers).set(event.target, (event as CustomEvent<AnswerDetail>).detail.correct);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener(ANSWER_EVENT, this.onAnswer);
  }

  override disconnectedCallback(): void {
    this.removeEventListener(ANSWER_EVENT, this.onAnswer);
    super.disconnectedCallback();
  }

  override render() {
    const total = this.querySelectorAll(':scope > cnn-predict').length;
    const right = [...this.answers.values()].filter(Boolean).length;
    return html`<slot></slot>
      <p class="score" role="status" aria-live="polite" data-answered=${this.answers.size} data-right=${right}>
        ${this.answers.size ? `${right} of ${total} right (${this.answers.size} answered).` : `${total} questions.`}
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-quiz': CnnQuiz;
  }
}
