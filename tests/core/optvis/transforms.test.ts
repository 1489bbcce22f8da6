import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../../src/core/tf';
import { alongHeight, alongWidth, gaussianBlur, gaussianRows, interpolationRows } from '../../../src/core/optvis/resample';
import { composeTransforms, jitter, randomRotate, randomScale, rotateImage, scaleImage, standardTransforms, translate } from '../../../src/core/optvis/transforms';
import { NODE_BACKENDS, expectNoLeak, seededRandom as seeded, useBackend } from '../backends';
import { centralDifferences, scalarOf } from '../attribution/toys';

const RANGE = [0, 1] as const;

/** A grey n×n image with a Gaussian blob of σ = 1.5 at (y, x), plus the fill 0.5 elsewhere. */
function blob(n: number, y: number, x: number): Tensor4D {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = 0.5 + 0.5 * Math.exp(-((i - y) ** 2 + (j - x) ** 2) / (2 * 1.5 ** 2));
  return tf.tensor4d(data, [1, n, n, 1]);
}

/** Centre of mass of the image's excess over the fill 0.5. */
function centreOfMass(image: Tensor): [number, number] {
  const [, , n] = image.shape as number[];
  const v = image.dataSync();
  let [m, sy, sx] = [0, 0, 0];
  v.forEach((p, k) => {
    const w = p - 0.5;
    m += w;
    sy += w * Math.floor(k / n!);
    sx += w * (k % n!);
  });
  return [sy / m, sx / m];
}

describe.each(NODE_BACKENDS)('resampling and transforms on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('interpolation rows by hand: half-pixel shift, out-of-range reads zero', () => {
    // Row i reads position i − 0.5: halves of pixels i − 1 and i; row 0 only half of pixel 0.
    expect(Array.from(interpolationRows(3, (i) => i - 0.5))).toEqual([0.5, 0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5]);
    expect(Array.from(interpolationRows(3, (i) => i + 1))).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('Gaussian blur: rows sum to one, a delta becomes the normalised Gaussian, a constant stays', () => {
    const rows = gaussianRows(9, 1);
    const e = [1, Math.exp(-0.5), Math.exp(-2), Math.exp(-4.5)];
    const z = e[0]! + 2 * (e[1]! + e[2]! + e[3]!);
    expect(rows[4 * 9 + 4]).toBeCloseTo(1 / z, 6);
    expect(rows[4 * 9 + 5]).toBeCloseTo(e[1]! / z, 6);
    expect(rows[4 * 9 + 8]).toBeCloseTo(0, 6); // beyond 3σ
    for (let i = 0; i < 9; i++) expect(rows.subarray(i * 9, i * 9 + 9).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const delta = tf.tensor4d(Float32Array.from({ length: 81 }, (_, k) => (k === 40 ? 1 : 0)), [1, 9, 9, 1]);
    const out = tf.tidy(() => gaussianBlur(delta, 1)).dataSync();
    expect(out[40]).toBeCloseTo(1 / z ** 2, 6);
    expect(out[41]).toBeCloseTo(e[1]! / z ** 2, 6);
    expect(out[50]).toBeCloseTo(e[1]! ** 2 / z ** 2, 6);
    const constant = tf.fill([1, 9, 9, 3], 0.3) as Tensor4D;
    tf.tidy(() => gaussianBlur(constant, 2)).dataSync().forEach((v) => expect(v).toBeCloseTo(0.3, 5));
    tf.dispose([delta, constant]);
  });

  it('translation by whole pixels moves the content and fills with the centre of the range', () => {
    const image = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    // Down one row and left one column: out[i][j] = in[i − 1][j + 1], and 5 (the centre of [0, 10]) where that is outside.
    expect(Array.from(tf.tidy(() => translate(image, 1, -1, [0, 10])).dataSync())).toEqual([5, 5, 5, 2, 3, 5, 5, 6, 5]);
    image.dispose();
  });

  it('a whole-pixel translation gives the interpolation matrices’ numbers and gradient, shifts past the edge included', () => {
    const rand = seeded(5);
    const image = tf.tensor4d(Float32Array.from({ length: 6 * 5 * 3 }, () => rand()), [1, 6, 5, 3]);
    const weights = tf.tensor4d(Float32Array.from({ length: 6 * 5 * 3 }, () => rand() - 0.5), [1, 6, 5, 3]);
    const byMatrices = (x: Tensor4D, dy: number, dx: number) =>
      tf.add(alongWidth(alongHeight(tf.sub(x, 0.5), tf.tensor2d(interpolationRows(6, (i) => i - dy), [6, 6])), tf.tensor2d(interpolationRows(5, (i) => i - dx), [5, 5])), 0.5) as Tensor4D;
    for (const [dy, dx] of [[2, -1], [-3, 4], [0, 0], [7, 0], [0, -5]] as const) {
      const [shifted, expected] = tf.tidy(() => [translate(image, dy, dx, RANGE), byMatrices(image, dy, dx)]);
      expect(Array.from(shifted!.dataSync())).toEqual(Array.from(expected!.dataSync()));
      const grad = (move: (x: Tensor4D) => Tensor4D) => tf.tidy(() => tf.grad((x) => tf.sum(tf.mul(move(x as Tensor4D), weights)))(image)).dataSync();
      expect(Array.from(grad((x) => translate(x, dy, dx, RANGE)))).toEqual(Array.from(grad((x) => byMatrices(x, dy, dx))));
      tf.dispose([shifted!, expected!]);
    }
    tf.dispose([image, weights]);
  });

  it('zoom by 1 and a turn by 0° are the identity; zoom moves a blob away from the centre', () => {
    const image = blob(17, 8, 11);
    const same = tf.tidy(() => tf.max(tf.abs(tf.sub(scaleImage(image, 1, RANGE), image))));
    expect(same.dataSync()[0]).toBeLessThan(1e-6);
    const [y, x] = centreOfMass(tf.tidy(() => scaleImage(image, 1.5, RANGE)));
    expect(y).toBeCloseTo(8, 1);
    expect(x).toBeCloseTo(8 + 3 * 1.5, 0);
    tf.dispose([image, same]);
  });

  it('a turn by θ moves a blob at (cx + r, cy) to (cx + r cos θ, cy + r sin θ), and back by −θ', () => {
    const n = 21;
    const c = 10;
    const image = blob(n, c, c + 5);
    for (const degrees of [30, -45, 90]) {
      const t = (degrees * Math.PI) / 180;
      const turned = tf.tidy(() => rotateImage(image, degrees, RANGE));
      const [y, x] = centreOfMass(turned);
      expect(x).toBeCloseTo(c + 5 * Math.cos(t), 0);
      expect(y).toBeCloseTo(c + 5 * Math.sin(t), 0);
      const back = tf.tidy(() => rotateImage(turned, -degrees, RANGE));
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, image))));
      expect(err.dataSync()[0]).toBeLessThan(0.15); // two bilinear resamplings blur a little
      tf.dispose([turned, back, err]);
    }
    image.dispose();
  });

  it('the transforms are differentiable: gradients match central differences', () => {
    const rand = (() => {
      let s = 1;
      return () => ((s = (s * 16807) % 2147483647) / 2147483647);
    })();
    const image = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 3 }, () => rand()), [1, 8, 8, 3]);
    const weights = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 3 }, () => rand() - 0.5), [1, 8, 8, 3]);
    for (const move of [(x: Tensor4D) => rotateImage(x, 17, RANGE), (x: Tensor4D) => scaleImage(x, 1.2, RANGE), (x: Tensor4D) => translate(x, 0.5, -1.25, RANGE)]) {
      const f = (x: Tensor) => tf.sum(tf.mul(move(x as Tensor4D), weights));
      const g = tf.tidy(() => tf.grad(f)(image));
      const at = [0, 30, 97, 130, 191];
      const fd = centralDifferences((x) => scalarOf(() => f(x)), image, at, 1e-2);
      at.forEach((i, k) => expect(g.dataSync()[i]).toBeCloseTo(fd[k]!, 2));
      g.dispose();
    }
    tf.dispose([image, weights]);
  });

  it('composed random transforms keep the size and leak nothing', async () => {
    const image = blob(16, 5, 9);
    let s = 0;
    const random = () => ((s = (s + 0.618034) % 1));
    const all = composeTransforms([...standardTransforms(16), jitter(1), randomScale([0.9, 1.1]), randomRotate([5])]);
    await expectNoLeak(() => {
      const out = tf.tidy(() => all(image, random, RANGE));
      expect(out.shape).toEqual([1, 16, 16, 1]);
      out.dispose();
    });
    image.dispose();
  });
});
