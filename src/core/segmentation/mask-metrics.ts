/**
 * Agreement between a predicted binary mask and a ground-truth one (1 = object),
 * as localisation papers report it: intersection over union, precision, recall.
 */

/**
 * Intersection over union |a ∧ b| / |a ∨ b| of two masks of equal length
 * (the PASCAL VOC overlap criterion). Two empty masks agree fully: 1.
 */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  assertSameLength(a, b);
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0, y = b[i]! > 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Precision (the share of predicted pixels that are truly object) and recall
 * (the share of object pixels that were predicted). Each is 1 when its
 * denominator is empty: nothing predicted makes no false claim, and an empty
 * truth is missed by nothing.
 */
export function maskPrecisionRecall(predicted: Uint8Array, truth: Uint8Array): { precision: number; recall: number } {
  assertSameLength(predicted, truth);
  let tp = 0, p = 0, t = 0;
  for (let i = 0; i < predicted.length; i++) {
    const x = predicted[i]! > 0, y = truth[i]! > 0;
    if (x) p++;
    if (y) t++;
    if (x && y) tp++;
  }
  return { precision: p === 0 ? 1 : tp / p, recall: t === 0 ? 1 : tp / t };
}

function assertSameLength(a: Uint8Array, b: Uint8Array): void {
  if (a.length !== b.length) throw new RangeError(`Masks differ in size: ${a.length} and ${b.length} pixels.`);
}
