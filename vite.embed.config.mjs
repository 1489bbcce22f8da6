/**
 * The embeddable bundle: `npm run build:embed` writes dist-embed/ with
 * cnn-elements.js (every `cnn-*` element, Lit and TensorFlow.js in one ES
 * module) beside the assets it fetches at run time: models/, data/, images/
 * and wasm/. Serve the folder from any static host with CORS allowed
 * (`Access-Control-Allow-Origin: *`), since the module and its assets are
 * fetched cross-origin by the embedding page; see README.md.
 */
import { cpSync } from 'node:fs';
import { defineConfig } from 'vite';
import { copyWasmBinaries } from './scripts/wasm-binaries.mjs';

const OUT_DIR = 'dist-embed';

/** The run-time assets, copied next to the bundle after it is written. */
function embedAssets() {
  return {
    name: 'embed-assets',
    closeBundle() {
      for (const folder of ['models', 'data', 'images']) cpSync(`public/${folder}`, `${OUT_DIR}/${folder}`, { recursive: true });
      copyWasmBinaries(OUT_DIR);
    },
  };
}

export default defineConfig({
  publicDir: false,
  plugins: [embedAssets()],
  build: {
    outDir: OUT_DIR,
    // One module by design: an embedding page includes a single script.
    chunkSizeWarningLimit: 3000,
    emptyOutDir: true,
    target: 'es2022',
    // An application build rather than library mode, so that the module is minified like the book's own code.
    rollupOptions: {
      input: 'src/browser/embed.ts',
      output: { format: 'es', entryFileNames: 'cnn-elements.js', inlineDynamicImports: true },
    },
  },
});
