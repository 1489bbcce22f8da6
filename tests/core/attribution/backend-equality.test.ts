/**
 * Every registered method gives the same map on the CPU and WASM backends, on
 * the book's trained networks, for random images and for images full of ties
 * (flat regions, constant windows, units at ReLU's kink), where a kernel's tie
 * rule or its handling of non-positive values shows. Then once more after a
 * second copy of the WASM backend has registered its kernels into the running
 * engine. Agreement: within 1e-5 of the map's largest absolute value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_METHODS } from '../../../src/core/attribution/registry';
import type { AttributionMap, AttributionMethod, Target } from '../../../src/core/attribution/types';
import type { ConvNet } from '../../../src/core/convnet';
import { classScores } from '../../../src/core/convnet';
import { expectNoLeak, loadSecondWasmBackend, useBackend } from '../backends';
import { type ImageData, TRAINED, imageTensor, loadTrained, relativeToMax, tieImages } from '../trained';

const TOLERANCE = 1e-5;
/** SmoothGrad averages maps that are each checked here; two samples show that it keeps their agreement. */
const OPTIONS = { samples: 2, seed: 7 };
const METHODS = Object.entries(ATTRIBUTION_METHODS) as [string, AttributionMethod][];

const nets = new Map<string, ConvNet>();
beforeAll(async () => {
  await useBackend('cpu');
  for (const id of TRAINED) nets.set(id, await loadTrained(id));
});
afterAll(() => nets.forEach((net) => net.dispose()));

/** The method's map of `image` for the class the CPU backend predicts, on `backend`. */
async function mapOn(backend: 'cpu' | 'wasm', method: AttributionMethod, net: ConvNet, image: ImageData, target: Target) {
  await useBackend(backend);
  const x = imageTensor(net, image);
  try {
    return await expectNoLeak(() => method.attribute({ net, image: x, target, options: OPTIONS }));
  } finally {
    x.dispose();
  }
}

async function predicted(net: ConvNet, image: ImageData): Promise<Target> {
  await useBackend('cpu');
  const x = imageTensor(net, image);
  const { predicted: index } = await classScores(net, x);
  x.dispose();
  return { kind: 'class', index };
}

function expectSameMap(wasm: AttributionMap, cpu: AttributionMap, what: string): void {
  expect([wasm.width, wasm.height], what).toEqual([cpu.width, cpu.height]);
  expect(relativeToMax(wasm.data, cpu.data), what).toBeLessThan(TOLERANCE);
  if (cpu.channels) expect(relativeToMax(wasm.channels!.data, cpu.channels.data), `${what}, channels`).toBeLessThan(TOLERANCE);
}

/** Runs every method on both backends for every net and test image. */
function everyMethodAgrees(): void {
  it.each(METHODS.map(([id]) => id))('%s', async (id) => {
    const method = ATTRIBUTION_METHODS[id as keyof typeof ATTRIBUTION_METHODS] as AttributionMethod;
    for (const [netId, net] of nets) {
      for (const image of tieImages(net)) {
        const target = await predicted(net, image);
        const cpu = await mapOn('cpu', method, net, image, target);
        const wasm = await mapOn('wasm', method, net, image, target);
        expectSameMap(wasm, cpu, `${netId}, ${image.name}`);
      }
    }
  });
}

describe('every registered method gives the same map on CPU and WASM', everyMethodAgrees);

describe('and still after a second copy of the WASM backend registers its kernels', () => {
  beforeAll(loadSecondWasmBackend);
  everyMethodAgrees();
});
