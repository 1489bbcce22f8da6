// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import remarkMath from 'remark-math';
import rehypeKatex from 'rehype-katex';
import { wasmBinaries } from './scripts/wasm-binaries.mjs';

/**
 * Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
 * The same two headers must be sent by whatever host serves the built site;
 * see README.md and public/_headers. Where a host cannot set headers,
 * the book's service worker (src/service-worker.js) adds them.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  site: process.env.BOOK_SITE ?? 'http://localhost:4321',
  base: process.env.BOOK_BASE ?? '/',
  trailingSlash: 'ignore',
  integrations: [mdx(), wasmBinaries()],
  markdown: {
    remarkPlugins: [remarkMath],
    rehypePlugins: [[rehypeKatex, { strict: 'error', throwOnError: true }]],
  },
  server: { headers: ISOLATION_HEADERS },
  vite: {
    server: { headers: ISOLATION_HEADERS },
    preview: { headers: ISOLATION_HEADERS },
    optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
    assetsInclude: ['**/*.wasm'],
  },
});
