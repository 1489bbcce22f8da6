/**
 * Where the book's run-time assets are served from: the trained models
 * (`models/`), the test sets (`data/`), the gallery (`images/`) and the
 * TensorFlow.js WASM binaries (`wasm/`), all under one base URL.
 *
 * The book's own pages use the site's base path. The embeddable bundle
 * (`npm run build:embed`) sets its own folder as the default, so a course site
 * that loads it from another origin gets the assets from there too. A page can
 * name another place with `<meta name="cnn-asset-base" content="https://…/">`,
 * read when the first asset is needed.
 */

/** Name of the `<meta>` element that overrides the asset base. */
export const ASSET_BASE_META = 'cnn-asset-base';

let fallback: string = import.meta.env.BASE_URL;

/** Replaces the default base (the site's base path); the page's `<meta>` still wins. */
export function setDefaultAssetBase(url: string): void {
  fallback = url;
}

/** The absolute asset base URL, ending in `/`. */
export function assetBase(): string {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${ASSET_BASE_META}"]`)?.content.trim();
  return new URL((meta || fallback).replace(/\/?$/, '/'), document.baseURI).href;
}

/** The absolute URL of one asset, `path` being relative to the base (e.g. `models/scenes-cnn/model.json`). */
export function assetUrl(path: string): string {
  return new URL(path.replace(/^\/+/, ''), assetBase()).href;
}
