import { execFileSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

/**
 * Node 20 runs WebAssembly's relaxed SIMD (the fused multiply-add of the book's
 * convolution kernel) only behind a V8 flag; later versions ship it. The flag
 * is passed to the test processes only where this Node accepts it.
 */
function relaxedSimdFlag(): string[] {
  const flag = '--experimental-wasm-relaxed-simd';
  try {
    execFileSync(process.execPath, [flag, '-e', ''], { stdio: 'ignore' });
    return [flag];
  } catch {
    return [];
  }
}

export default defineConfig({
  test: {
    include: ['tests/core/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // tfjs keeps one global engine per process: files run in separate forks.
    pool: 'forks',
    poolOptions: { forks: { execArgv: relaxedSimdFlag() } },
  },
});
