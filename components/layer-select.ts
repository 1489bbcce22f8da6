/**
 * The "Layer" menu of the figures that study one layer of the network: one
 * template, so every such figure labels, orders and reports the choice alike.
 */
import { html, type TemplateResult } from 'lit';

/** A labelled menu of `layers` with `chosen` selected; `onPick` gets the reader's choice. */
export function layerSelect(layers: readonly string[], chosen: string | null | undefined, onPick: (layer: string) => void): TemplateResult {
  return html`<label
    >Layer
    <select @change=${(e: Event) => onPick((e.target as HTMLSelectElement).value)}>
      ${layers.map((l) => html`<option value=${l} ?selected=${l === chosen}>${l}</option>`)}
    </select></label
  >`;
}
