/**
 * Winograd's minimal filtering F(2×2, 3×3) for a 3×3 convolution (Lavin &
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), in
 * WebAssembly SIMD, compiled with the other kernels (simd.as.ts).
 *
 * Each 2×2 block of output pixels (a tile) comes from the 4×4 input patch d
 * around it as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A: 16 products per channel pair
 * where the direct convolution does 36. Over channels the 16 elementwise
 * products become 16 matrix products, [tiles × Cin] · [Cin × Cout], each run
 * by the direct kernel as a 1×1 convolution. The transforms are additions and halvings
 * only, so the result is as accurate as the direct sum (measured: 2–6·10⁻⁷ of
 * the largest output against a float64 reference, the direct kernel 5–13·10⁻⁷).
 * One difference: the transforms cancel terms by subtraction, so an infinite
 * input makes NaN (∞ − ∞) in the outputs of the tiles that read it, where the
 * direct sum gives ±∞ in the outputs its window reaches. Images and the
 * activations of the book's networks are finite.
 *
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 *
 * Layouts: x is the zero-padded input `[H + 2][Wp][Cin]` (Wp ≥ W + 2), y is
 * `[H][W][Cout]`, b is `Cout` biases or 0, u is `winogradFilter`'s output,
 * scratch is `winogradScratchBytes` bytes. Cin is a multiple of 4 and Cout of
 * 8. Tiles go TB at a time through the input transform, the products and the
 * output transform; planes are 64 bytes longer than their data, because with
 * power-of-two strides the planes alias in the L1 cache (4K aliasing), which
 * cost up to 1.8× on 32×32 32→16.
 */

import { conv2d } from './conv2d.as';

/** u = G g Gᵀ for every (input, output) channel pair of the filter g (`[3][3][Cin][Cout]`), as `[16][Cout/8][Cin][8]`. */
export function winogradFilter(g: usize, u: usize, Cin: i32, Cout: i32): void {
  const nb = Cout >> 3;
  for (let ci = 0; ci < Cin; ci++) {
    for (let co = 0; co < Cout; co++) {
      let g00 = load<f32>(g + ((<usize>(0 * 3 + 0) * Cin + ci) * Cout + co) * 4);
      let g01 = load<f32>(g + ((<usize>(0 * 3 + 1) * Cin + ci) * Cout + co) * 4);
      let g02 = load<f32>(g + ((<usize>(0 * 3 + 2) * Cin + ci) * Cout + co) * 4);
      let g10 = load<f32>(g + ((<usize>(1 * 3 + 0) * Cin + ci) * Cout + co) * 4);
      let g11 = load<f32>(g + ((<usize>(1 * 3 + 1) * Cin + ci) * Cout + co) * 4);
      let g12 = load<f32>(g + ((<usize>(1 * 3 + 2) * Cin + ci) * Cout + co) * 4);
      let g20 = load<f32>(g + ((<usize>(2 * 3 + 0) * Cin + ci) * Cout + co) * 4);
      let g21 = load<f32>(g + ((<usize>(2 * 3 + 1) * Cin + ci) * Cout + co) * 4);
      let g22 = load<f32>(g + ((<usize>(2 * 3 + 2) * Cin + ci) * Cout + co) * 4);
      // rows: t = G g  (4x3)
      const t00 = g00, t01 = g01, t02 = g02;
      const t10 = <f32>0.5 * (g00 + g10 + g20), t11 = <f32>0.5 * (g01 + g11 + g21), t12 = <f32>0.5 * (g02 + g12 + g22);
      const t20 = <f32>0.5 * (g00 - g10 + g20), t21 = <f32>0.5 * (g01 - g11 + g21), t22 = <f32>0.5 * (g02 - g12 + g22);
      const t30 = g20, t31 = g21, t32 = g22;
      const base = u + ((<usize>(co >> 3) * Cin + ci) * 8 + (co & 7)) * 4;
      const plane = <usize>nb * Cin * 32; // bytes per xi plane
      // columns: U = t G^T (4x4)
      store<f32>(base + 0 * plane, t00);
      store<f32>(base + 1 * plane, <f32>0.5 * (t00 + t01 + t02));
      store<f32>(base + 2 * plane, <f32>0.5 * (t00 - t01 + t02));
      store<f32>(base + 3 * plane, t02);
      store<f32>(base + 4 * plane, t10);
      store<f32>(base + 5 * plane, <f32>0.5 * (t10 + t11 + t12));
      store<f32>(base + 6 * plane, <f32>0.5 * (t10 - t11 + t12));
      store<f32>(base + 7 * plane, t12);
      store<f32>(base + 8 * plane, t20);
      store<f32>(base + 9 * plane, <f32>0.5 * (t20 + t21 + t22));
      store<f32>(base + 10 * plane, <f32>0.5 * (t20 - t21 + t22));
      store<f32>(base + 11 * plane, t22);
      store<f32>(base + 12 * plane, t30);
      store<f32>(base + 13 * plane, <f32>0.5 * (t30 + t31 + t32));
      store<f32>(base + 14 * plane, <f32>0.5 * (t30 - t31 + t32));
      store<f32>(base + 15 * plane, t32);
    }
  }
}

/**
 * V = Bᵀ d B of tiles t0 … t0 + nt − 1 into vb, `[16][TB][Cin]`. Rows and
 * columns past the padded input (an odd H or W, in the last tile) read the
 * last one instead: they reach only V's row or column 3, which reaches only
 * the output row or column 1 that the tile drops.
 */
@inline function inputTransform(x: usize, vb: usize, t0: i32, nt: i32, tW: i32, H: i32, W: i32, Cin: i32, Wp: i32, TB: i32): void {
  const pixel = <usize>Cin << 2;
  const row = <usize>Wp * pixel;
  const vs = <usize>TB * pixel + 64; // bytes between xi planes (+64: avoid 4K aliasing)
  for (let l = 0; l < nt; l++) {
    const t = t0 + l;
    const ty = t / tW, tx = t - ty * tW;
    const r0 = ty << 1, c0 = tx << 1;
    const r3 = min(r0 + 3, H + 1), c3 = min(c0 + 3, W + 1);
    const p0 = x + <usize>r0 * row, p1 = p0 + row, p2 = p1 + row, p3 = x + <usize>r3 * row;
    const q0 = <usize>c0 * pixel, q1 = q0 + pixel, q2 = q1 + pixel, q3 = <usize>c3 * pixel;
    const dst = vb + <usize>l * pixel;
    for (let c: usize = 0; c < pixel; c += 16) {
      // rows: e_j = B^T column j
      let a0 = v128.load(p0 + q0 + c), a1 = v128.load(p1 + q0 + c), a2 = v128.load(p2 + q0 + c), a3 = v128.load(p3 + q0 + c);
      const e00 = f32x4.sub(a0, a2), e10 = f32x4.add(a1, a2), e20 = f32x4.sub(a2, a1), e30 = f32x4.sub(a1, a3);
      a0 = v128.load(p0 + q1 + c); a1 = v128.load(p1 + q1 + c); a2 = v128.load(p2 + q1 + c); a3 = v128.load(p3 + q1 + c);
      const e01 = f32x4.sub(a0, a2), e11 = f32x4.add(a1, a2), e21 = f32x4.sub(a2, a1), e31 = f32x4.sub(a1, a3);
      a0 = v128.load(p0 + q2 + c); a1 = v128.load(p1 + q2 + c); a2 = v128.load(p2 + q2 + c); a3 = v128.load(p3 + q2 + c);
      const e02 = f32x4.sub(a0, a2), e12 = f32x4.add(a1, a2), e22 = f32x4.sub(a2, a1), e32 = f32x4.sub(a1, a3);
      a0 = v128.load(p0 + q3 + c); a1 = v128.load(p1 + q3 + c); a2 = v128.load(p2 + q3 + c); a3 = v128.load(p3 + q3 + c);
      const e03 = f32x4.sub(a0, a2), e13 = f32x4.add(a1, a2), e23 = f32x4.sub(a2, a1), e33 = f32x4.sub(a1, a3);
      const d = dst + c;
      v128.store(d + 0 * vs, f32x4.sub(e00, e02)); v128.store(d + 1 * vs, f32x4.add(e01, e02));
      v128.store(d + 2 * vs, f32x4.sub(e02, e01)); v128.store(d + 3 * vs, f32x4.sub(e01, e03));
      v128.store(d + 4 * vs, f32x4.sub(e10, e12)); v128.store(d + 5 * vs, f32x4.add(e11, e12));
      v128.store(d + 6 * vs, f32x4.sub(e12, e11)); v128.store(d + 7 * vs, f32x4.sub(e11, e13));
      v128.store(d + 8 * vs, f32x4.sub(e20, e22)); v128.store(d + 9 * vs, f32x4.add(e21, e22));
      v128.store(d + 10 * vs, f32x4.sub(e22, e21)); v128.store(d + 11 * vs, f32x4.sub(e21, e23));
      v128.store(d + 12 * vs, f32x4.sub(e30, e32)); v128.store(d + 13 * vs, f32x4.add(e31, e32));
      v128.store(d + 14 * vs, f32x4.sub(e32, e31)); v128.store(d + 15 * vs, f32x4.sub(e31, e33));
    }
  }
}

/**
 * mb[ξ] = vb[ξ] · u[ξ] for the 16 ξ, each a [tiles × Cin] · [Cin × Cout]
 * product: a 1×1 convolution of a one-row image of `ntr` pixels, which the
 * direct kernel runs with its register tile (u[ξ] is laid out as its packed
 * filter, blocks of 8 output channels).
 */
@inline function products(vb: usize, u: usize, mb: usize, ntr: i32, Cin: i32, Cout: i32, TB: i32): void {
  const vPlane = <usize>TB * (<usize>Cin << 2) + 64;
  const uPlane = <usize>Cin * (<usize>Cout << 2);
  const mPlane = <usize>TB * (<usize>Cout << 2) + 64;
  for (let xi = 0; xi < 16; xi++) {
    conv2d(vb + <usize>xi * vPlane, u + <usize>xi * uPlane, 0, mb + <usize>xi * mPlane, 1, ntr, Cin, Cout, 1, 1, ntr, 0);
  }
}

/** Y = Aᵀ M A (+ bias, rectified if `relu`) of tiles t0 … t0 + nt − 1, the part of each inside y. */
@inline function outputTransform(mb: usize, b: usize, y: usize, t0: i32, nt: i32, tW: i32, H: i32, W: i32, Cout: i32, TB: i32, relu: i32): void {
  const outPixel = <usize>Cout << 2;
  const ms = <usize>TB * outPixel + 64;
  const zero = f32x4.splat(0);
  for (let l = 0; l < nt; l++) {
    const t = t0 + l;
    const ty = t / tW, tx = t - ty * tW;
    const oy = ty << 1, ox = tx << 1;
    const full = oy + 2 <= H && ox + 2 <= W;
    const y00 = y + (<usize>oy * W + ox) * outPixel;
    const src = mb + <usize>l * outPixel;
    for (let c: usize = 0; c < outPixel; c += 16) {
      const s = src + c;
      // rows of A^T: r0 = m0 + m1 + m2, r1 = m1 - m2 - m3 (per column j)
      let m0 = v128.load(s + 0 * ms), m1 = v128.load(s + 4 * ms), m2 = v128.load(s + 8 * ms), m3 = v128.load(s + 12 * ms);
      const r00 = f32x4.add(f32x4.add(m0, m1), m2), r10 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 1 * ms); m1 = v128.load(s + 5 * ms); m2 = v128.load(s + 9 * ms); m3 = v128.load(s + 13 * ms);
      const r01 = f32x4.add(f32x4.add(m0, m1), m2), r11 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 2 * ms); m1 = v128.load(s + 6 * ms); m2 = v128.load(s + 10 * ms); m3 = v128.load(s + 14 * ms);
      const r02 = f32x4.add(f32x4.add(m0, m1), m2), r12 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 3 * ms); m1 = v128.load(s + 7 * ms); m2 = v128.load(s + 11 * ms); m3 = v128.load(s + 15 * ms);
      const r03 = f32x4.add(f32x4.add(m0, m1), m2), r13 = f32x4.sub(f32x4.sub(m1, m2), m3);
      const bv = b != 0 ? v128.load(b + c) : zero;
      let o00 = f32x4.add(f32x4.add(f32x4.add(r00, r01), r02), bv);
      let o01 = f32x4.add(f32x4.sub(f32x4.sub(r01, r02), r03), bv);
      let o10 = f32x4.add(f32x4.add(f32x4.add(r10, r11), r12), bv);
      let o11 = f32x4.add(f32x4.sub(f32x4.sub(r11, r12), r13), bv);
      if (relu) { o00 = f32x4.max(o00, zero); o01 = f32x4.max(o01, zero); o10 = f32x4.max(o10, zero); o11 = f32x4.max(o11, zero); }
      const yp = y00 + c;
      if (full) {
        v128.store(yp, o00); v128.store(yp + outPixel, o01);
        v128.store(yp + <usize>W * outPixel, o10); v128.store(yp + <usize>W * outPixel + outPixel, o11);
      } else {
        v128.store(yp, o00);
        if (ox + 1 < W) v128.store(yp + outPixel, o01);
        if (oy + 1 < H) {
          v128.store(yp + <usize>W * outPixel, o10);
          if (ox + 1 < W) v128.store(yp + <usize>W * outPixel + outPixel, o11);
        }
      }
    }
  }
}

/** Tiles transformed together: their V and M planes stay in the L1 and L2 caches. */
const TB = 16;

/** Bytes of scratch `winograd` needs for these channels. */
export function winogradScratchBytes(Cin: i32, Cout: i32): i32 {
  return 16 * (TB * (Cin + Cout) * 4 + 128);
}

/** y = conv(x, g) + b, rectified if `relu` is not 0, from u = winogradFilter(g). */
export function winograd(x: usize, u: usize, b: usize, y: usize, H: i32, W: i32, Cin: i32, Cout: i32, Wp: i32, relu: i32, scratch: usize): void {
  const tH = (H + 1) >> 1, tW = (W + 1) >> 1, T = tH * tW;
  const vb = scratch;
  const mb = scratch + <usize>16 * (<usize>TB * Cin * 4 + 64);
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nt = min(TB, T - t0);
    inputTransform(x, vb, t0, nt, tW, H, W, Cin, Wp, TB);
    products(vb, u, mb, nt, Cin, Cout, TB);
    outputTransform(mb, b, y, t0, nt, tW, H, W, Cout, TB, relu);
  }
}
