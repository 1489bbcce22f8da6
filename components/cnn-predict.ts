/**
 * `<cnn-predict>`: one exercise. The reader commits a guess (one of the
 * choices, or a number), then the answer is revealed with its explanation;
 * where the question is about a live figure, a button sets that figure to
 * the state that shows the answer.
 *
 * Written in the chapter, so the question can use the chapter's maths:
 * ```html
 * <cnn-predict id="relu-agree" answer="1" figure="relu" figure-attributes='{"upstream":"[[1]]"}'>
 *   <p slot="question">…</p>
 *   <span slot="choice">…</span> <span slot="choice">…</span>
 *   <div slot="explanation">…</div>
 * </cnn-predict>
 * ```
 * With choices, `answer` is the index of the right one (from 0); without,
 * the reader types a number and `answer` is that number, within `tolerance`.
 * Answering records the exercise, by its `id`, in the reader's progress.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { markDone } from '../src/browser/progress';
import { baseStyles } from './theme';

/** Event fired (bubbling, composed) when the reader checks an answer; detail says whether it was right. */
export const ANSWER_EVENT = 'cnn-predict-answer';

/** Detail of {@link ANSWER_EVENT}. */
export interface AnswerDetail {
  correct: boolean;
}

/** Whether a typed number counts as the answer; empty or unparseable text is null (not a guess yet). */
export function checkNumber(text: string, answer: number, tolerance: number): boolean | null {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value)) return null;
  return Math.abs(value - answer) <= tolerance;
}

let serial = 0;

/**
 * @summary A predict-then-reveal exercise: the reader commits a guess, then sees the answer, its explanation and, where there is one, the figure set to show it.
 * @slot question - The question.
 * @slot choice - One possible answer (repeat for each); without any, the reader types a number.
 * @slot explanation - Why the answer is right, shown once the reader has answered.
 * @fires cnn-predict-answer - The reader checked an answer; `detail.correct` says whether it was right.
 */
@customElement('cnn-predict')
export class CnnPredict extends LitElement {
  static override styles = [
    baseStyles,
    css`
      fieldset {
        border: 1px solid var(--_border);
        border-radius: 8px;
        background: var(--_panel);
        padding: 0.75rem 1rem;
        margin: 0;
      }
      legend {
        font-weight: 600;
        padding: 0 0.25rem;
      }
      .choices {
        display: grid;
        gap: 0.35rem;
        margin: 0.5rem 0;
      }
      .choices label {
        display: flex;
        gap: 0.5rem;
        align-items: baseline;
        min-height: 2rem;
      }
      input[type='number'] {
        width: 8rem;
        min-height: 2.25rem;
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 0 0.5rem;
        background: var(--itc-bg, #fff);
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.5rem;
      }
      .feedback {
        font-weight: 600;
        margin: 0.5rem 0 0;
      }
      .explanation {
        margin-top: 0.25rem;
      }
    `,
  ];

  /** Index of the right choice (from 0), or the number that answers a question without choices. */
  @property() answer = '';
  /** How far a typed number may be from `answer` and still count (number questions only). */
  @property({ type: Number }) tolerance = 0;
  /** Id of the figure on the page that can show the answer. */
  @property() figure = '';
  /** JSON object of the attributes that make `figure` show the answer. */
  @property({ attribute: 'figure-attributes' }) figureAttributes = '';

  @state() private choiceCount = 0;
  @state() private result: boolean | null = null;
  @state() private message = '';

  private readonly name = `cnn-predict-${++serial}`;
  private guess = '';

  override connectedCallback(): void {
    super.connectedCallback();
    // Each choice gets its own slot, so each sits in the label of its own radio button.
    const choices = [...this.querySelectorAll(':scope > [slot^="choice"]')];
    choices.forEach((el, i) => el.setAttribute('slot', `choice-${i}`));
    this.choiceCount = choices.length;
  }

  private get figureState(): Record<string, string> | null {
    if (!this.figure || !this.figureAttributes) return null;
    try {
      const parsed = JSON.parse(this.figureAttributes) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      return null;
    }
  }

  private check(event: Event): void {
    event.preventDefault();
    const right = Number(this.answer);
    let correct: boolean | null;
    if (this.choiceCount) correct = this.guess === '' ? null : Number(this.guess) === right;
    else correct = checkNumber(this.guess, right, this.tolerance);
    if (correct === null) {
      this.message = this.choiceCount ? 'Choose an answer first.' : 'Type a number first.';
      return;
    }
    this.result = correct;
    const answerText = this.choiceCount ? `choice ${right + 1}, marked above` : this.answer;
    this.message = correct ? 'Right.' : `Not quite: the answer is ${answerText}.`;
    if (this.id) markDone('exercises', this.id);
    this.dispatchEvent(new CustomEvent<AnswerDetail>(ANSWER_EVENT, { detail: { correct }, bubbles: true, composed: true }));
  }

  private showInFigure(): void {
    const target = document.getElementById(this.figure);
    const attributes = this.figureState;
    if (!target || !attributes) {
      this.message = 'The figure this exercise refers to is not on this page.';
      return;
    }
    for (const [name, value] of Object.entries(attributes)) target.setAttribute(name, value);
    target.scrollIntoView({ block: 'center' });
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
  }

  private renderGuess() {
    if (!this.choiceCount) {
      return html`<p>
        <label>Your answer <input type="number" step="any" inputmode="decimal" @input=${(e: Event) => (this.guess = (e.target as HTMLInputElement).value)} /></label>
      </p>`;
    }
    return html`<div class="choices">
      ${Array.from({ length: this.choiceCount }, (_, i) => html`<label>
        <input type="radio" name=${this.name} value=${i} @change=${() => (this.guess = String(i))} />
        <span><slot name=${`choice-${i}`}></slot>${this.result !== null && i === Number(this.answer)
          ? html` <strong class="right">(the answer)</strong>`
          : nothing}</span>
      </label>`)}
    </div>`;
  }

  override render() {
    const revealed = this.result !== null;
    return html`<form @submit=${this.check}>
      <fieldset>
        <legend><slot name="question"></slot></legend>
        ${this.renderGuess()}
        <div class="actions">
          <button type="submit">${revealed ? 'Check again' : 'Check my answer'}</button>
          ${revealed && this.figureState
            ? html`<button type="button" data-action="show" @click=${this.showInFigure}>Show it in the figure</button>`
            : nothing}
        </div>
        <p class="feedback" role="status" aria-live="polite" data-result=${revealed ? String(this.result) : nothing}>${this.message}</p>
        <div class="explanation" ?hidden=${!revealed}><slot name="explanation"></slot></div>
      </fieldset>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-predict': CnnPredict;
  }
}
