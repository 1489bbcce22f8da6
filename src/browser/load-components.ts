/**
 * Loads each `cnn-*` element's module only when the element comes near the
 * viewport, so a chapter starts no computation the reader has not scrolled
 * to. Elements in the page's chrome (the backend status) load at once; they
 * must stay light, since TensorFlow.js comes with the first figure.
 */
import { errorMessage } from '../core/errors';
import { FIRST_FIGURE_MARK } from './page-marks';

const modules = import.meta.glob<unknown>('../../components/cnn-*.ts');

const byTag = new Map(
  Object.entries(modules).map(([path, load]) => [path.split('/').pop()!.replace(/\.ts$/, ''), load] as const),
);

/** Distance from the viewport at which a component starts loading. */
const PRELOAD_MARGIN = '400px 0px';

function load(tag: string): void {
  const loader = byTag.get(tag);
  if (!loader || customElements.get(tag)) return;
  byTag.delete(tag);
  loader().catch((err: unknown) => {
    document.querySelectorAll(tag).forEach((el) => {
      el.textContent = `This interactive figure could not load (${errorMessage(err)}). Reload the page to try again.`;
      el.setAttribute('role', 'alert');
    });
  });
}

/** Starts watching the document for `cnn-*` elements. */
export function loadComponents(root: ParentNode = document): void {
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        if (!performance.getEntriesByName(FIRST_FIGURE_MARK).length) performance.mark(FIRST_FIGURE_MARK);
        load(entry.target.localName);
      }
    },
    { rootMargin: PRELOAD_MARGIN },
  );
  for (const tag of byTag.keys()) {
    root.querySelectorAll(tag).forEach((el) => {
      if (el.hasAttribute('eager')) load(tag);
      else observer.observe(el);
    });
  }
}
