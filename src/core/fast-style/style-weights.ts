/**
 * Per-style weights of the style loss for a network that learns several styles at once (conditional
 * instance normalisation, Dumoulin, Shlens & Kudlur 2017, https://arxiv.org/abs/1610.07629).
 *
 * The style term of one style s is Σ_l E_l / (Σ Â_l² / 4N²) (scripts/train-fast-style.ts): each layer's
 * Gram loss relative to the target's own energy. That unit puts styles on very different scales. A dark
 * style image (the Hubble galaxies: black with a few bright points) has a tiny Gram matrix, so a
 * photograph is over a thousand of its units away from it (1318 on average for the training crops,
 * against 3.4 for wood and 2.5 for brick). With one shared style weight λ_s that style's gradient outweighs
 * everything else, and since the convolutions are shared, the network learnt to flatten every picture,
 * for every style, into the colours of its style (measured in content/models/fast-style-cin.md).
 *
 * The fix measures each style's scale where training starts from, the content itself: ℓ̄^s, the mean
 * style term of the content crops as they are (what a network that copied its input would score), and
 * weighs style s (a superscript, as for its γ^s and β^s) by
 *
 *   λ^s = λ_s / ℓ̄^s
 *
 * so every style's weighted term is λ_s for a copy of the input, and the content term (0 for a copy, about
 * 1 for an output with nothing of the photograph) meets every style on the same scale. For one style this
 * only rescales λ_s.
 */

/** The scale of one style: the mean of its style term over the content images taken as they are. */
export function styleScale(copyLosses: readonly number[]): number {
  if (copyLosses.length === 0) throw new Error('A style scale needs the style loss of at least one content image.');
  if (copyLosses.some((l) => !Number.isFinite(l) || l <= 0)) throw new Error('Style losses must be positive numbers.');
  return copyLosses.reduce((s, l) => s + l, 0) / copyLosses.length;
}

/** λ^s = λ_s / ℓ̄^s for each style, from each style's copy losses (one list per style). */
export function perStyleWeights(base: number, copyLosses: readonly (readonly number[])[]): number[] {
  if (!Number.isFinite(base) || base <= 0) throw new Error(`The style weight must be a positive number; got ${base}.`);
  return copyLosses.map((losses) => base / styleScale(losses));
}
