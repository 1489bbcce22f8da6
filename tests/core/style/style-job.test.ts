import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../../src/core/convnet';
import type { RasterImage } from '../../../src/core/image';
import { buildTextureFeatures } from '../../../src/core/models/architectures';
import { PauseControl } from '../../../src/core/optvis/render';
import { TEXTURE_FEATURES_RANGE, featureNet } from '../../../src/core/style/feature-net';
import { type GramJob, type JobStep, type TransferJob, CONVERGED, converged, SNAPSHOT_EVERY, STYLE_LAYERS, StyleNets, coarseToFine, runStyleJob } from '../../../src/core/style/style-job';
import { expectNoLeak, seededRandom, useBackend } from '../backends';

/** A random RGB picture of `side` pixels, 0–255. */
function picture(side: number, seed: number): RasterImage {
  const rand = seededRandom(seed);
  return { width: side, height: side, channels: 3, data: Uint8ClampedArray.from({ length: side * side * 3 }, () => Math.floor(256 * rand())) };
}

const layers = STYLE_LAYERS.map((layer) => ({ layer, weight: 1 }));

describe('coarse-to-fine stages', () => {
  it('large images spend the coarse share of their steps at half the size; small ones run in one stage', () => {
    const c2f = { minSize: 96, coarseShare: 0.75 };
    expect(coarseToFine(128, 300, c2f)).toEqual([
      { size: 64, steps: 225 },
      { size: 128, steps: 75 },
    ]);
    expect(coarseToFine(64, 300, c2f)).toEqual([{ size: 64, steps: 300 }]);
    // Too few steps for two stages, or none at all (a job that only reports its inputs).
    expect(coarseToFine(128, 1, c2f)).toEqual([{ size: 128, steps: 1 }]);
    expect(coarseToFine(128, 0, c2f)).toEqual([{ size: 128, steps: 0 }]);
  });
});

describe('converged', () => {
  it('at the fraction of the first loss that CONVERGED names for each kind', () => {
    expect(converged('gram', [])).toBe(false);
    expect(converged('gram', [1, 0.5, CONVERGED.gram * 1.01])).toBe(false);
    expect(converged('gram', [1, 0.5, CONVERGED.gram])).toBe(true);
    expect(converged('transfer', [200, 10, CONVERGED.transfer * 201])).toBe(false);
    expect(converged('transfer', [200, 10, CONVERGED.transfer * 199])).toBe(true);
  });
});

describe.each(['wasm'] as const)('style jobs on %s', (backend) => {
  let net: ConvNet;
  beforeAll(async () => {
    await useBackend(backend);
    net = featureNet(buildTextureFeatures(), { id: 'texture-features', inputShape: [16, 16, 3], inputRange: TEXTURE_FEATURES_RANGE });
  });
  afterAll(() => net.dispose());

  it('Gram synthesis, coarse to fine: the loss falls in each stage, steps report their size, no leak', async () => {
    const job: GramJob = { kind: 'gram', sample: picture(40, 1), layers, term: 'stats', size: 32, steps: 20, seed: 2, stages: [{ size: 16, steps: 10 }, { size: 32, steps: 10 }] };
    const steps: JobStep[] = [];
    const inputs: number[] = [];
    const result = await expectNoLeak(() => runStyleJob(net, job, { onStep: (s) => steps.push(s), onInputs: (i) => inputs.push(i.picture.width) }));
    expect(result.aborted).toBe(false);
    expect(result.history).toHaveLength(20);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(steps.map((s) => s.size)).toEqual([...Array(10).fill(16), ...Array(10).fill(32)]);
    expect(inputs).toEqual([16, 32]);
    expect(steps[9]!.loss).toBeLessThan(0.7 * steps[0]!.loss);
    expect(steps[19]!.loss).toBeLessThan(steps[10]!.loss);
    // Images every few steps and at each stage's end, the last at full size.
    expect(steps.filter((s) => s.image).map((s) => s.step)).toEqual([5, 10, 15, 20]);
    expect(SNAPSHOT_EVERY).toBe(5);
    expect(result.image!.width).toBe(32);
    expect(steps.every((s) => s.ms >= 0 && s.steps === 20)).toBe(true);
  });

  it('Gram synthesis: a job of no steps only reports the sample and its targets at the size', async () => {
    let targets = 0;
    const result = await expectNoLeak(() => runStyleJob(net, { kind: 'gram', sample: picture(40, 1), layers, term: 'gram', size: 16, steps: 0, seed: 0 }, { onInputs: (i) => (targets = i.targets.length) }));
    expect(targets).toBe(STYLE_LAYERS.length);
    expect(result.history).toEqual([]);
  });

  it('style transfer: the total loss falls, the weighted terms come with each image, no leak', async () => {
    const job: TransferJob = {
      kind: 'transfer',
      content: picture(20, 3),
      styles: [
        { image: picture(24, 4), weight: 1 },
        { image: picture(24, 5), weight: 0.5 },
      ],
      scale: 0.5,
      contentLayer: 'relu3_1',
      contentWeight: 1,
      styleWeight: 1000,
      tvWeight: 0.01,
      size: 16,
      steps: 10,
      seed: 1,
    };
    const steps: JobStep[] = [];
    let styles: number[] = [];
    const result = await expectNoLeak(() => runStyleJob(net, job, { onStep: (s) => steps.push(s), onInputs: (i) => (styles = i.styles.map((s) => s.width)) }));
    expect(result.history).toHaveLength(10);
    expect(result.history[9]!).toBeLessThan(result.history[0]!);
    expect(styles).toEqual([8, 8]);
    const withTerms = steps.filter((s) => s.terms);
    expect(withTerms.map((s) => s.step)).toEqual([5, 10]);
    for (const { terms } of withTerms) expect(terms!.content + terms!.style + terms!.tv).toBeGreaterThan(0);
  });

  it('cancel: the job stops after the step under way and releases every tensor; pause holds it between steps', async () => {
    const controller = new AbortController();
    let held = 0;
    const pause = new PauseControl(() => held++);
    const job: GramJob = { kind: 'gram', sample: picture(40, 1), layers, term: 'stats', size: 32, steps: 50, seed: 0, stages: [{ size: 16, steps: 25 }, { size: 32, steps: 25 }] };
    const seen: number[] = [];
    const result = await expectNoLeak(() =>
      runStyleJob(net, job, {
        signal: controller.signal,
        pause,
        onStep: (s) => {
          seen.push(s.step);
          if (s.step === 3) {
            pause.pause();
            // While held, no step runs: cancel from outside, as a figure's button would.
            setTimeout(() => controller.abort(), 20);
          }
        },
      }),
    );
    expect(held).toBe(1);
    expect(result.aborted).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(result.history).toHaveLength(3);
  });

  it('bad settings are refused with a clear message', async () => {
    await expect(runStyleJob(net, { kind: 'gram', sample: picture(8, 1), layers: [], term: 'gram', size: 16, steps: 5, seed: 0 })).rejects.toThrow(/at least one layer/);
    const transfer: TransferJob = { kind: 'transfer', content: picture(8, 1), styles: [{ image: picture(8, 2), weight: 0 }], scale: 1, contentLayer: 'relu3_1', contentWeight: 1, styleWeight: 1, tvWeight: 0, size: 16, steps: 5, seed: 0 };
    await expect(runStyleJob(net, transfer)).rejects.toThrow(/blend weight/);
    await expect(expectNoLeak(() => runStyleJob(net, { ...transfer, styles: [{ image: picture(8, 2), weight: 1 }], size: 999 }))).rejects.toThrow(/16 to 128/);
  });
});

describe('StyleNets', () => {
  it('forgets a load that failed, so the next job loads again', async () => {
    const nets = new StyleNets();
    // Nothing listens on port 1: the load fails at once.
    const first = nets.get('texture-features', 'http://127.0.0.1:1/');
    await expect(first).rejects.toThrow();
    const second = nets.get('texture-features', 'http://127.0.0.1:1/');
    expect(second).not.toBe(first);
    await expect(second).rejects.toThrow();
    nets.dispose();
  });

  it('shares one load between jobs of the same network and base URL, and keeps other bases apart', () => {
    const nets = new StyleNets();
    const a = nets.get('texture-features', 'http://127.0.0.1:1/');
    const b = nets.get('scenes-cnn', 'http://127.0.0.1:1/');
    expect(nets.get('texture-features', 'http://127.0.0.1:1/')).toBe(a);
    expect(nets.get('texture-features', 'http://127.0.0.1:1/other/')).not.toBe(a);
    expect(b).not.toBe(a);
    for (const p of [a, b]) p.catch(() => undefined);
    nets.dispose();
  });
});
