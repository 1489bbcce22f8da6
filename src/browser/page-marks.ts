/**
 * Names of the performance marks the book sets while a page starts, read by
 * the benchmark (bench/page-weight.ts) and visible in the browser's
 * performance tools. Free of browser globals, so Node can import it.
 */

/** Set when the first figure of the text starts loading: what the page fetched before it is the page's own weight. */
export const FIRST_FIGURE_MARK = 'cnn-first-figure';
