/**
 * The reader's progress through the book, kept in this browser only: which
 * sections of each chapter they have scrolled through and which exercises
 * they have answered. The table of contents shows it; a control there resets
 * it. Storage can be unavailable (private modes, blocked storage): progress
 * is then simply not kept, and nothing fails.
 */

/** The localStorage key, beside the theme's own. */
export const PROGRESS_KEY = 'inside-the-convnet:progress';

/** Event fired on `window` whenever progress changes, so every view of it can redraw. */
export const PROGRESS_EVENT = 'itc-progress';

/** What one chapter's reader has done: ids of sections read and of exercises answered. */
export interface ChapterProgress {
  sections: string[];
  exercises: string[];
}

/** Progress of every chapter, keyed by the chapter's path. */
export type Progress = Record<string, ChapterProgress>;

const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The stored progress; anything stored that is not of the expected shape counts as none. */
export function readProgress(): Progress {
  let parsed: unknown;
  try {
    parsed = JSON.parse(localStorage.getItem(PROGRESS_KEY) ?? '{}');
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const progress: Progress = {};
  for (const [path, entry] of Object.entries(parsed)) {
    const { sections, exercises } = (entry ?? {}) as Record<string, unknown>;
    if (isIdList(sections) && isIdList(exercises)) progress[path] = { sections, exercises };
  }
  return progress;
}

function store(progress: Progress): void {
  try {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify(progress));
  } catch {
    // Storage refused (quota, privacy settings): this visit's progress is not kept.
  }
  window.dispatchEvent(new CustomEvent(PROGRESS_EVENT));
}

/** The chapter a page belongs to: its path, without a trailing `index.html`. */
export function chapterKey(pathname = location.pathname): string {
  return pathname.replace(/index\.html$/, '');
}

/** Records that the section or exercise `id` of the chapter at `path` is done; recording it twice changes nothing. */
export function markDone(kind: keyof ChapterProgress, id: string, path = chapterKey()): void {
  const progress = readProgress();
  const entry = (progress[path] ??= { sections: [], exercises: [] });
  if (entry[kind].includes(id)) return;
  entry[kind].push(id);
  store(progress);
}

/** Forgets all progress. */
export function resetProgress(): void {
  try {
    localStorage.removeItem(PROGRESS_KEY);
  } catch {
    // Nothing could be stored either, so nothing is left to forget.
  }
  window.dispatchEvent(new CustomEvent(PROGRESS_EVENT));
}

/**
 * Counts each `h2` section of `article` as read once the reader has scrolled
 * to its end (the next section's heading, or the end of the article, is in
 * view). Returns the function that stops watching.
 */
export function trackSectionsRead(article: HTMLElement): () => void {
  const headings = [...article.querySelectorAll<HTMLHeadingElement>('h2[id]')];
  const done = new Set(readProgress()[chapterKey()]?.sections ?? []);
  let frame = 0;
  const check = () => {
    frame = 0;
    headings.forEach((h, i) => {
      if (done.has(h.id)) return;
      const end = headings[i + 1]?.getBoundingClientRect().top ?? article.getBoundingClientRect().bottom;
      if (end > innerHeight) return;
      done.add(h.id);
      markDone('sections', h.id);
    });
  };
  const schedule = () => {
    frame ||= requestAnimationFrame(check);
  };
  addEventListener('scroll', schedule, { passive: true });
  addEventListener('resize', schedule);
  schedule();
  return () => {
    removeEventListener('scroll', schedule);
    removeEventListener('resize', schedule);
    cancelAnimationFrame(frame);
  };
}
