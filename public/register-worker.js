/*
 * Registers the book's service worker (coi-worker.js, built from src/service-worker.js), which stores the
 * book for offline reading and, on hosts that cannot send headers, makes pages cross-origin isolated.
 *
 * - Not isolated yet (a host without the headers): reload once when the worker controls the page, so the
 *   page starts isolated. Without service workers the book still works, on one WASM thread.
 * - `<html data-offline="ready">` once a worker is active, that is, once everything is stored.
 * - A new build's worker waits; the page then offers "A new version of the book is available — Reload",
 *   and the reload lets the new worker take over.
 */
(() => {
  const script = document.currentScript;
  const reloadedKey = 'inside-the-convnet:coi-reloaded';
  if (!window.isSecureContext || !('serviceWorker' in navigator) || !script || !script.dataset.worker) return;
  const sw = navigator.serviceWorker;
  let accepted = false;

  /** The notice of a waiting new version; its button hands over to `worker` and reloads. */
  function offerUpdate(worker) {
    if (document.getElementById('book-update-notice')) return;
    const notice = document.createElement('div');
    notice.id = 'book-update-notice';
    notice.setAttribute('role', 'status');
    notice.style.cssText =
      'position:fixed;inset:auto 1rem 1rem auto;max-width:calc(100vw - 2rem);z-index:50;display:flex;gap:.75rem;' +
      'align-items:center;flex-wrap:wrap;padding:.6rem .9rem;border:1px solid var(--itc-border);border-radius:6px;' +
      'background:var(--itc-panel);color:var(--itc-fg);box-shadow:0 2px 8px rgb(0 0 0 / 25%)';
    const text = document.createElement('span');
    text.textContent = 'A new version of the book is available.';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload';
    button.addEventListener('click', () => {
      accepted = true;
      button.disabled = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    });
    notice.append(text, button);
    if (document.body) document.body.append(notice);
    else document.addEventListener('DOMContentLoaded', () => document.body.append(notice), { once: true });
  }

  sw.addEventListener('controllerchange', () => {
    if (accepted) location.reload();
  });

  sw.register(script.dataset.worker, { scope: script.dataset.scope || './' }).then(
    (registration) => {
      // Playwright's serviceWorkers: 'block' (and some privacy tools) resolve register() with nothing.
      if (!registration) return;
      sw.ready.then(() => document.documentElement.setAttribute('data-offline', 'ready'));
      // A waiting worker is a new version only where an older one controls the page.
      const waiting = (worker) => worker.state === 'installed' && sw.controller && offerUpdate(worker);
      if (registration.waiting) waiting(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => waiting(worker));
      });

      if (window.crossOriginIsolated || sessionStorage.getItem(reloadedKey)) return;
      const reload = () => {
        sessionStorage.setItem(reloadedKey, '1'); // tried once this session: stay on one thread if it fails
        location.reload();
      };
      if (sw.controller) return reload();
      sw.ready.then(() => (sw.controller ? reload() : sw.addEventListener('controllerchange', reload, { once: true })));
    },
    () => {
      // Registration refused (private mode, policy, the development server): the book runs online only.
    },
  );
})();
