/**
 * The TensorFlow.js WASM binaries, served under `wasm/` at the asset base
 * (src/browser/assets.ts) by both builds: the book (the Astro integration
 * below) and the embeddable bundle (vite.embed.config.mjs). They are copied
 * from the installed @tensorflow/tfjs-backend-wasm, so they always match the
 * JavaScript that loads them.
 */
import { copyFileSync, createReadStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binaries' file names: plain, SIMD, and SIMD with threads (used when the page is cross-origin isolated). */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

const source = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

/** Copies the binaries into `<outDir>/wasm/`. */
export function copyWasmBinaries(outDir) {
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  for (const name of WASM_BINARIES) copyFileSync(join(source, name), join(outDir, 'wasm', name));
}

/** Astro integration: the binaries in `dist/wasm/` after a build, and at `<base>wasm/` on the development server. */
export function wasmBinaries() {
  let base = '/';
  return {
    name: 'tfjs-wasm-binaries',
    hooks: {
      'astro:config:done': ({ config }) => {
        base = config.base.replace(/\/?$/, '/');
      },
      'astro:server:setup': ({ server }) => {
        server.middlewares.use((req, res, next) => {
          const name = req.url?.split('?')[0]?.slice(`${base}wasm/`.length);
          if (!req.url?.startsWith(`${base}wasm/`) || !WASM_BINARIES.includes(name ?? '')) return next();
          res.setHeader('Content-Type', 'application/wasm');
          createReadStream(join(source, name)).pipe(res);
        });
      },
      'astro:build:done': ({ dir }) => copyWasmBinaries(fileURLToPath(dir)),
    },
  };
}
