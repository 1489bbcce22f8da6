/**
 * Compiles the book's WebAssembly SIMD kernels (src/core/kernels/simd/simd.as.ts
 * and the files it exports from) with AssemblyScript and writes the module as
 * base64 into a TypeScript module beside its source, so that Node and every bundle load the same bytes without a
 * fetch. The modules are committed; tests/core/simd-conv.test.ts rebuilds them
 * and requires the same bytes.
 *
 *   npx tsx scripts/build-kernels.ts
 *
 * The module is built four ways: with and without relaxed SIMD (for the fused
 * multiply-add, where the engine has it), and for an unshared or a shared
 * memory (the WASM backend's threaded build runs on a SharedArrayBuffer).
 * Every build imports its memory and declares no data segment, so it reads and
 * writes only the addresses it is given.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import asc from 'assemblyscript/asc';

export const KERNEL_DIR = join(import.meta.dirname, '../src/core/kernels/simd');
export const KERNELS = ['simd'] as const;

/** The four builds of a kernel, by the name the runtime picks them by. */
export const VARIANTS = {
  plain: ['--enable', 'simd'],
  relaxed: ['--enable', 'simd', '--enable', 'relaxed-simd'],
  plainShared: ['--enable', 'simd', '--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
  relaxedShared: ['--enable', 'simd', '--enable', 'relaxed-simd', '--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
} as const;

/** One build of `source` (an .as.ts file) as bytes. */
async function compile(source: string, flags: readonly string[]): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const { error } = await asc.main(
    [basename(source), '--baseDir', KERNEL_DIR, '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', ...flags, '-o', 'out.wasm'],
    {
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
      stderr: { write: (s: string | Uint8Array) => (errors.push(String(s)), true) } as never,
    },
  );
  if (error || binary === undefined) throw new Error(`asc failed on ${source}: ${error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

/** The generated module's text for one kernel. */
export async function generatedModule(kernel: (typeof KERNELS)[number]): Promise<string> {
  const source = join(KERNEL_DIR, `${kernel}.as.ts`);
  const lines = [
    `/**`,
    ` * ${kernel}.as.ts compiled by AssemblyScript ${asc.version} (scripts/build-kernels.ts), as base64.`,
    ` * Generated: edit the source and rebuild, never this file.`,
    ` */`,
    `export const ${kernel.toUpperCase()}_WASM = {`,
  ];
  for (const [variant, flags] of Object.entries(VARIANTS)) {
    lines.push(`  ${variant}: '${Buffer.from(await compile(source, flags)).toString('base64')}',`);
  }
  lines.push(`} as const;`, '');
  return lines.join('\n');
}

export const generatedPath = (kernel: string) => join(KERNEL_DIR, `${kernel}-wasm.ts`);

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  for (const kernel of KERNELS) {
    const text = await generatedModule(kernel);
    const path = generatedPath(kernel);
    const changed = (() => { try { return readFileSync(path, 'utf8') !== text; } catch { return true; } })();
    if (changed) writeFileSync(path, text);
    console.log(`${path}: ${changed ? 'written' : 'unchanged'}`);
  }
}
