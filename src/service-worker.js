/*
 * The book's service worker, built into dist/coi-worker.js by scripts/build-service-worker.mjs.
 *
 * It does two things, in one worker because a scope holds only one:
 *
 * 1. Offline reading. The build lists every page, script, style, network, image, data sprite, WASM binary
 *    and search index file with its revision (Workbox's injectManifest); the worker stores them all while it
 *    installs, after the page has loaded. Pages come from the network first and from that store when the
 *    network fails; everything else comes from the store. A new build is a new worker: it installs beside the
 *    old one and waits until the reader accepts the page's "new version" notice (a SKIP_WAITING message), so a
 *    page never mixes files of two builds.
 * 2. Cross-origin isolation. WASM threads need SharedArrayBuffer, which browsers grant only to pages served
 *    with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp. Where the
 *    host cannot send them (GitHub Pages, say), the worker adds them to every response it gives, from the
 *    network or from the store.
 *
 * Workbox is served from the site itself (copied beside this file at build time), never from a CDN.
 */
/* global workbox */
importScripts('__WORKBOX_DIR__/workbox-sw.js');
workbox.setConfig({ modulePathPrefix: '__WORKBOX_DIR__/', debug: false });

/** The headers that make a page cross-origin isolated (the same as astro.config.mjs's ISOLATION_HEADERS). */
function isolated(response) {
  // Opaque responses cannot be rebuilt; they are cross-origin and carry no headers to add to.
  if (!response || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  if (!headers.has('Cross-Origin-Resource-Policy')) headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** A Workbox plugin: every response a strategy gives passes through `isolated`. */
const isolation = { handlerWillRespond: async ({ response }) => isolated(response) };

/** The stored copy of a page: its URL without query or fragment (URL state), `index.html` for a folder. */
function storedPageURL(url) {
  const page = new URL(url);
  page.search = '';
  page.hash = '';
  if (page.pathname.endsWith('/')) page.pathname += 'index.html';
  return page.href;
}

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});
// The first worker controls the page that registered it at once (no reload needed to read offline later).
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.addPlugins([isolation]);

// Pages: network first, so a reader online always gets the current page; the stored page offline.
workbox.routing.registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.origin === self.location.origin,
  async ({ request }) => {
    try {
      return isolated(await fetch(request));
    } catch (error) {
      const stored = await workbox.precaching.matchPrecache(storedPageURL(request.url));
      if (stored) return isolated(stored);
      throw error;
    }
  },
);

// Everything the build lists: from the store. The figures' URL state is in the query, so it is ignored.
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });

// Anything else: the network, with the isolation headers added.
workbox.routing.registerRoute(
  ({ request }) => !(request.cache === 'only-if-cached' && request.mode !== 'same-origin'),
  async ({ request }) => isolated(await fetch(request)),
);
