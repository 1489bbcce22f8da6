/**
 * "Copy link" for sections and for the views of interactive figures. A
 * figure with an `id` keeps its state in the URL under that id
 * (`url-state.ts`); the link to its view carries that state alone, so a
 * student opening it sees exactly that figure as it was set, and the section
 * anchor above the figure, so the page opens there.
 */

/** Elements in a chapter that carry an id but are exercises, not figures with a view to link to. */
const NOT_FIGURES = new Set(['cnn-predict', 'cnn-quiz']);

/** The interactive figures of `root` whose view can be linked: `cnn-*` elements with an id. */
export function linkableFigures(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('[id]')].filter((el) => el.localName.startsWith('cnn-') && !NOT_FIGURES.has(el.localName));
}

/** The link to `figure`'s current view: this page, the figure's state from the address bar, and the anchor of the section it is in. */
export function figureViewUrl(figure: HTMLElement): string {
  const url = new URL(location.pathname, location.href);
  const state = new URLSearchParams(location.search).get(figure.id);
  if (state !== null) url.searchParams.set(figure.id, state);
  const headings = [...document.querySelectorAll<HTMLElement>('article h2[id], article h3[id]')];
  const section = headings.filter((h) => h.compareDocumentPosition(figure) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
  url.hash = section?.id ?? figure.id;
  return url.href;
}

/**
 * Copies `href` to the clipboard and says so in `status`; where the browser
 * refuses the clipboard, puts the link in the address bar instead, where the
 * reader can copy it.
 */
export async function copyLink(href: string, status: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(href);
    status.textContent = 'Link copied.';
  } catch {
    history.replaceState(history.state, '', href);
    status.textContent = 'The link is now in the address bar.';
  }
}
