/**
 * The in-page half of bench/profile-maps.ts, served by the development server
 * and imported into a page that has not started TensorFlow.js yet (so the
 * WASM backend's thread count can still be set).
 */
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getKernel } from '@tensorflow/tfjs-core';
import { ATTRIBUTION_METHODS } from '../src/core/attribution/registry';
import type { Target } from '../src/core/attribution/types';
import { loadProjectModel } from '../src/core/model-loader';
import { median } from '../src/core/stats';
import { tf } from '../src/core/tf';
import { setSimdBuild, simdVariant, type SimdBuild } from '../src/core/kernels/simd-module';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assetBase, assetUrl } from '../src/browser/assets';
import { sampleTensor, testSample } from '../src/browser/workbench';

/** One kernel's share of a map: how often it runs and its median total time. */
interface KernelShare {
  calls: number;
  ms: number;
}

/** Profiles of the maps whose ids match `methods` on the book's networks whose ids match `models`. */
export async function profileMaps({ methods, models, runs, threads, detail, conv }: { methods: string; models: string; runs: number; threads: number; detail: boolean; conv: SimdBuild }) {
  setSimdBuild(conv);
  setWasmPaths(assetUrl('wasm/'));
  if (threads > 0) setThreadsCount(threads);
  await tf.setBackend('wasm');
  const maps = [];
  for (const modelId of ['scenes-cnn', 'fashion-vgg'].filter((m) => new RegExp(models).test(m))) {
    const net = await loadProjectModel(modelId, assetBase());
    const image = sampleTensor(net, await testSample(modelId, 0));
    const index = tf.tidy(() => net.forward(image).logits.argMax(1));
    const target: Target = { kind: 'class', index: (await index.data())[0]! };
    index.dispose();
    const input = { net, image, target };
    for (const method of Object.values(ATTRIBUTION_METHODS).filter((m) => new RegExp(methods).test(m.id))) {
      const attribute = () => method.attribute(input);
      for (let i = 0; i < 5; i++) await attribute();
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await attribute();
        wall.push(performance.now() - t0);
      }
      const perRun = new Map<string, number[]>();
      const calls = new Map<string, number>();
      const perCall: { name: string; shapes: string; ms: number[] }[] = [];
      for (let r = 0; r < 5; r++) {
        const info = await tf.profile(async () => (await attribute(), []));
        const sums = new Map<string, number>();
        info.kernels.forEach((k, i) => {
          perCall[i] ??= { name: k.name, shapes: `${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`, ms: [] };
          perCall[i]!.ms.push(k.kernelTimeMs as number);
        });
        for (const k of info.kernels) {
          sums.set(k.name, (sums.get(k.name) ?? 0) + (k.kernelTimeMs as number));
          if (r === 0) calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
        }
        for (const [name, ms] of sums) perRun.set(name, [...(perRun.get(name) ?? []), ms]);
      }
      const kernels: Record<string, KernelShare> = Object.fromEntries(
        [...perRun]
          .map(([name, ms]) => [name, { calls: calls.get(name) ?? 0, ms: +median(ms).toFixed(3) }] as const)
          .sort((a, b) => b[1].ms - a[1].ms),
      );
      // A custom gradient's forward function is profiled as a "kernel" of its own around the kernels it runs.
      const kernelMs = Object.entries(kernels).reduce((s, [name, k]) => s + (getKernel(name, 'wasm') ? k.ms : 0), 0);
      const wallMs = median(wall);
      maps.push({
        model: modelId,
        method: method.id,
        wallMs: +wallMs.toFixed(3),
        minMs: +Math.min(...wall).toFixed(3),
        kernelMs: +kernelMs.toFixed(3),
        outsideKernelsMs: +(wallMs - kernelMs).toFixed(3),
        kernels,
        ...(detail ? { calls: perCall.map((c) => `${median(c.ms).toFixed(3)} ms ${c.name} ${c.shapes}`) } : {}),
      });
    }
    image.dispose();
    net.dispose();
  }
  return {
    crossOriginIsolated,
    multithreadSupport: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threads: getThreadsCount(),
    convKernel: simdVariant(tf.backend() as BackendWasm) ?? 'stock',
    numTensors: tf.memory().numTensors,
    maps,
  };
}
