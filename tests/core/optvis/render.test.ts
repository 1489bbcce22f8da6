import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { channel, classLogit, imageL2 } from '../../../src/core/optvis/objectives';
import { fourierImage, pixelImage } from '../../../src/core/optvis/param';
import { clipToRange, yosinskiRegularisers, YOSINSKI_PRESETS } from '../../../src/core/optvis/regularisers';
import { PauseControl, adam, gradientAscent, normalisedAscent, render } from '../../../src/core/optvis/render';
import { standardTransforms } from '../../../src/core/optvis/transforms';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { twoConvNet } from '../attribution/toys';

describe.each(NODE_BACKENDS)('the render loop on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('with every default, climbs a class logit and reports each step', async () => {
    const net = twoConvNet();
    const seen: number[] = [];
    const result = await render(net, { objective: classLogit(1), steps: 12, onStep: (s) => void seen.push(s.step) });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(result.history).toHaveLength(12);
    expect(result.history[11]!).toBeGreaterThan(result.history[0]!);
    expect(result.aborted).toBe(false);
    expect([result.image.height, result.image.width, result.image.channels]).toEqual([8, 8, 3]);
    result.image.data.forEach((v) => expect(v >= 0 && v <= 1).toBe(true));
    net.dispose();
  });

  it('each stage can be replaced: pixels, transforms, update rules, regularisers', async () => {
    const net = twoConvNet();
    const objective = channel('relu2', 2).minus(imageL2().times(0.01));
    for (const update of [() => gradientAscent(0.5), () => normalisedAscent(0.02), () => adam(0.05)]) {
      const result = await render(net, {
        objective,
        steps: 8,
        param: () => pixelImage(net.inputShape, { range: net.inputRange, seed: 2, sd: 0.05 }),
        transforms: standardTransforms(8),
        update,
        regularisers: [...yosinskiRegularisers(YOSINSKI_PRESETS[2]), clipToRange()],
        seed: 4,
      });
      expect(result.history[7]!).toBeGreaterThan(result.history[0]!);
    }
    net.dispose();
  });

  it('the same seed gives the same image; another seed another', async () => {
    const net = twoConvNet();
    const run = (seed: number) => render(net, { objective: classLogit(0), steps: 3, transforms: standardTransforms(8), seed });
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.image.data)).not.toEqual(Array.from(c.image.data));
    net.dispose();
  });

  it('snapshots the image every N steps and at the last', async () => {
    const net = twoConvNet();
    const withImage: number[] = [];
    await render(net, { objective: classLogit(0), steps: 7, snapshotEvery: 3, onStep: (s) => void (s.image && withImage.push(s.step)) });
    expect(withImage).toEqual([3, 6, 7]);
    net.dispose();
  });

  it('pause holds the loop between steps, resume continues, abort stops it and returns what it has', async () => {
    const net = twoConvNet();
    const pause = new PauseControl();
    const controller = new AbortController();
    const seen: number[] = [];
    const done = render(net, {
      objective: classLogit(2),
      steps: 50,
      pause,
      signal: controller.signal,
      onStep: (s) => {
        seen.push(s.step);
        if (s.step === 3) pause.pause();
      },
    });
    await expect.poll(() => seen.length).toBe(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(3);
    expect(pause.paused).toBe(true);
    pause.resume();
    await expect.poll(() => seen.length).toBeGreaterThan(4);
    controller.abort();
    const result = await done;
    expect(result.aborted).toBe(true);
    expect(result.history.length).toBeLessThan(50);
    expect(result.history).toHaveLength(seen.length);
    // Aborting while paused ends the wait at once.
    const held = new PauseControl();
    held.pause();
    const stop = new AbortController();
    const waiting = render(net, { objective: classLogit(2), steps: 5, pause: held, signal: stop.signal });
    stop.abort();
    expect((await waiting).history).toHaveLength(0);
    net.dispose();
  });

  it('PauseControl calls onHeld each time a wait actually holds, never when it passes through', async () => {
    let held = 0;
    const pause = new PauseControl(() => held++);
    await pause.wait();
    expect(held).toBe(0);
    pause.pause();
    const first = pause.wait();
    expect(held).toBe(1);
    pause.resume();
    await first;
    const aborted = new AbortController();
    aborted.abort();
    pause.pause();
    await pause.wait(aborted.signal);
    expect(held).toBe(1);
    const second = pause.wait();
    expect(held).toBe(2);
    pause.resume();
    await second;
  });

  it('releases every tensor of a step in that step, and all at the end, on abort and on error', async () => {
    const net = twoConvNet();
    const counts: number[] = [];
    const objective = classLogit(0).minus(imageL2().times(0.1));
    const options = { objective, transforms: standardTransforms(8), regularisers: yosinskiRegularisers(YOSINSKI_PRESETS[3]) };
    await expectNoLeak(() =>
      render(net, { ...options, steps: 6, snapshotEvery: 2, onStep: () => void counts.push(tf.memory().numTensors) }),
    );
    expect(new Set(counts).size).toBe(1);
    await expectNoLeak(() => render(net, { ...options, steps: 4, param: () => fourierImage([8, 8, 3], { range: [0, 1] }) }));
    for (const update of [() => gradientAscent(0.1), () => normalisedAscent(0.01)]) await expectNoLeak(() => render(net, { ...options, steps: 3, update }));
    const controller = new AbortController();
    await expectNoLeak(() => render(net, { ...options, steps: 20, signal: controller.signal, onStep: (s) => void (s.step === 2 && controller.abort()) }));
    await expect(
      expectNoLeak(() => render(net, { ...options, steps: 5, onStep: (s) => { if (s.step === 2) throw new Error('view failed'); } })),
    ).rejects.toThrow(/view failed/);
    net.dispose();
  });
});
