/**
 * The custom elements manifest: every `cnn-*` element's attributes, events and
 * CSS custom properties, read from the Lit sources and their JSDoc tags
 * (`@summary`, `@attr`, `@fires`, `@cssprop`). `npm run build` writes it first;
 * the reference page (src/pages/reference.astro) is rendered from it.
 */
import { readFileSync } from 'node:fs';

/** The theme's custom properties, from the `@cssprop` tags of components/theme.ts, with the fallbacks its CSS gives them. */
function themeProperties() {
  const source = readFileSync('components/theme.ts', 'utf8');
  return [...source.matchAll(/@cssprop (--[\w-]+) - (.+)/g)].map(([, name, description]) => {
    const fallback = source.match(new RegExp(`var\\(${name}, ([^)]+)\\)`))?.[1];
    return { name, description, ...(fallback ? { default: fallback } : {}) };
  });
}

/** The text of a module's opening doc comment, without its `*` margins. */
function headerComment(source) {
  const comment = source.match(/^\s*\/\*\*([\s\S]*?)\*\//)?.[1] ?? '';
  return comment
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/**
 * Completes each element from its module: the opening doc comment (where the book describes an element)
 * becomes its description, and the theme's properties are added to every element styled with baseStyles.
 */
function bookConventions() {
  const theme = themeProperties();
  return {
    name: 'book-conventions',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        const source = readFileSync(mod.path, 'utf8');
        for (const element of mod.declarations ?? []) {
          if (!element.customElement) continue;
          if (!element.description) element.description = headerComment(source);
          // An event dispatched under a constant is listed by the constant's name; its @fires tag gives the real one.
          if (element.events) element.events = element.events.filter((e) => !/^[A-Z][A-Z0-9_]*$/.test(e.name));
          if (/\bbaseStyles\b/.test(source)) {
            const own = element.cssProperties ?? [];
            element.cssProperties = [...own, ...theme.filter((t) => !own.some((p) => p.name === t.name))];
          }
        }
      }
    },
  };
}

export default {
  globs: ['components/cnn-*.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [bookConventions()],
};
