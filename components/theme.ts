/**
 * Styles shared by every `cnn-*` element. Colours come from the page's custom
 * properties (`--itc-*`), so the book's light and dark themes, and any site
 * that embeds a component, restyle them without touching the shadow DOM.
 * The custom elements manifest lists these on every element that uses
 * {@link baseStyles} (custom-elements-manifest.config.mjs reads the tags):
 *
 * @cssprop --itc-fg - Text colour.
 * @cssprop --itc-bg - Background of buttons, menus and messages.
 * @cssprop --itc-panel - Background of a figure's panel.
 * @cssprop --itc-border - Borders of panels and controls.
 * @cssprop --itc-muted - Secondary text (captions, notes).
 * @cssprop --itc-accent - Focus rings and highlights.
 * @cssprop --itc-warn - The edge of error and warning messages.
 */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    display: block;
    margin: 1.5rem 0;
    color: var(--itc-fg, #1b1b1f);
    font: inherit;
    --_border: var(--itc-border, #b9bac4);
    --_muted: var(--itc-muted, #555866);
    --_panel: var(--itc-panel, #f4f4f7);
    --_accent: var(--itc-accent, #0b62c4);
    --_warn: var(--itc-warn, #9a4a00);
  }
  :host([hidden]) {
    display: none;
  }
  .panel {
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_panel);
    padding: 1rem;
  }
  button,
  select,
  input {
    font: inherit;
    color: inherit;
  }
  button,
  select {
    border: 1px solid var(--_border);
    border-radius: 6px;
    background: var(--itc-bg, #fff);
    padding: 0.35rem 0.7rem;
    min-height: 2.25rem;
    cursor: pointer;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .error {
    border-left: 4px solid var(--_warn);
    padding: 0.5rem 0.75rem;
    background: var(--itc-bg, #fff);
  }
  .muted {
    color: var(--_muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

/** A row of labelled controls that wraps on narrow screens, each label above its control. */
export const controlRowStyles = css`
  .controls {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: end;
    margin-bottom: 0.75rem;
  }
  .controls label {
    display: grid;
    gap: 0.2rem;
    font-size: 0.875rem;
  }
`;

/** The Run / Pause / Cancel row of a figure with long runs. */
export const runButtonStyles = css`
  .buttons {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  /* aria-disabled, not disabled: a button keeps the keyboard's focus when it cannot act for a moment. */
  button[aria-disabled='true'] {
    cursor: default;
    opacity: 0.5;
  }
`;

/** Tables of numbers: ruled cells, figures right-aligned in tabular digits. */
export const numberTableStyles = css`
  table {
    border-collapse: collapse;
    font-size: 0.8rem;
    font-variant-numeric: tabular-nums;
  }
  td,
  th {
    border: 1px solid var(--_border);
    padding: 0.15rem 0.4rem;
    text-align: right;
  }
`;

/**
 * Number inputs, fieldsets of related controls, notes and the live status line of a figure with long
 * runs. A figure sets `--_number-width` on its host for wider number inputs.
 */
export const fieldStyles = css`
  input[type='number'] {
    width: var(--_number-width, 5.5rem);
    padding: 0.3rem;
    border: 1px solid var(--_border);
    border-radius: 6px;
    background: var(--itc-bg, #fff);
  }
  fieldset {
    border: 1px solid var(--_border);
    border-radius: 6px;
    margin: 0 0 0.75rem;
  }
  legend,
  .note {
    font-size: 0.875rem;
  }
  .status {
    font-size: 0.875rem;
    min-height: 1.3rem;
  }
`;
