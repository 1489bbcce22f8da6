/*
 * Cross-origin isolation for hosts that cannot send headers.
 *
 * WASM threads need SharedArrayBuffer, which browsers grant only to pages
 * served with Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp. Where the host sends them (the
 * book's dev and preview servers, public/_headers on Netlify or Cloudflare
 * Pages), this file does nothing. Elsewhere (GitHub Pages, say) the page
 * registers this same file as a service worker that adds the headers to every
 * response, then reloads once so the page starts isolated. Without service
 * workers the book still works, on one WASM thread.
 */
if (typeof window === 'undefined') {
  self.addEventListener('install', () => self.skipWaiting());
  self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
  self.addEventListener('fetch', (event) => {
    const request = event.request;
    if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
    event.respondWith(
      fetch(request).then((response) => {
        if (response.status === 0) return response;
        const headers = new Headers(response.headers);
        headers.set('Cross-Origin-Opener-Policy', 'same-origin');
        headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
        if (!headers.has('Cross-Origin-Resource-Policy')) headers.set('Cross-Origin-Resource-Policy', 'same-origin');
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      }),
    );
  });
} else {
  (() => {
    const script = document.currentScript;
    const reloadedKey = 'inside-the-convnet:coi-reloaded';
    if (window.crossOriginIsolated || !window.isSecureContext || !('serviceWorker' in navigator) || !script) return;
    if (sessionStorage.getItem(reloadedKey)) return; // tried once this session: stay on one thread
    navigator.serviceWorker.register(script.src, { scope: script.dataset.scope || './' }).then(
      (registration) => {
        const reload = () => {
          sessionStorage.setItem(reloadedKey, '1');
          location.reload();
        };
        if (navigator.serviceWorker.controller) return reload();
        const worker = registration.installing || registration.waiting || registration.active;
        if (worker && worker.state === 'activated') return reload();
        worker?.addEventListener('statechange', () => worker.state === 'activated' && reload());
      },
      () => {
        // Registration refused (private mode, policy): the book runs without threads.
      },
    );
  })();
}
