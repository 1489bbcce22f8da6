/**
 * A direct 2-D convolution in WebAssembly SIMD, compiled with the other
 * kernels (simd.as.ts).
 *
 * Channels last, stride 1, no dilation, on an input already padded with
 * zeros: x is `[H + KH - 1][Wp][Cin]` with `Wp = W + KW - 1`, y is
 * `[H][W][Cout]`. The weights are packed by the caller, for `Cout` rounded up
 * to a multiple of 4 with zeros: for each block of 8 output channels, then
 * for each block of 4 left, the block's `[KH][KW][Cin][block]` values, in
 * that order. `b` is the address of `Cout` biases, or 0 for none. Nothing is
 * read or written past the `Cout` channels of a pixel. Every pointer is a
 * byte address in the imported memory (TensorFlow.js's WASM heap), 16-byte
 * alignment not required.
 *
 * Each tile keeps 4 pixels by 8 channels (8 by 4 in the blocks of 4) in
 * registers: per input value of a window row (its KW pixels' channels, one
 * contiguous run in x, so a layer with few input channels still runs long
 * inner loops) it loads one splat of each pixel and the block's weights and
 * does one multiply-add per accumulator. Built with
 * relaxed SIMD, the multiply-add is `f32x4.relaxed_madd` (a fused FMA where
 * the CPU has one); built without it, a multiply then an add, in the order
 * XNNPACK's kernels use. The module has no data segment and allocates
 * nothing: it only reads and writes the addresses it is given.
 */

/** a·b + c. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The first `lanes` floats at `p` (the rest 0), reading nothing past them. */
@inline function loadLanes(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first `lanes` floats of `v` at `p`, writing nothing past them. */
@inline function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** The accumulator as stored: rectified if `relu`. */
@inline function out(a: v128, relu: bool): v128 {
  return relu ? f32x4.max(a, f32x4.splat(0)) : a;
}

/** Output channels [co, co + 8) of every pixel, from the block's packed weights at `wb`. */
function block8(x: usize, wb: usize, b: usize, y: usize, co: i32, H: i32, W: i32, Cin: i32, Cout: i32, KH: i32, KW: i32, Wp: i32, relu: bool): void {
  const pixel = <usize>Cin << 2;
  const row = <usize>Wp * pixel;
  // A window row: KW pixels, contiguous in x, as that row's weights are in wb.
  const span = <usize>KW * pixel;
  const outPixel = <usize>Cout << 2;
  const zero = f32x4.splat(0);
  const b0 = b == 0 ? zero : v128.load(b + (<usize>co << 2));
  const b1 = b == 0 ? zero : v128.load(b + (<usize>co << 2), 16);
  for (let oy = 0; oy < H; oy++) {
    const xrow = x + <usize>oy * row;
    const yrow = y + <usize>oy * <usize>W * outPixel + (<usize>co << 2);
    // Tiles of 4 pixels; the last one ends at the row's end, overlapping the one before.
    if (W >= 4) for (let ox = 0; ; ox = min(ox + 4, W - 4)) {
      let a00 = b0; let a01 = b1; let a10 = b0; let a11 = b1; let a20 = b0; let a21 = b1; let a30 = b0; let a31 = b1;
      let wp = wb;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        const end = xp + span;
        while (xp < end) {
          const w0 = v128.load(wp, 0), w1 = v128.load(wp, 16);
          const s0 = v128.load32_splat(xp + 0 * pixel);
          a00 = madd(s0, w0, a00); a01 = madd(s0, w1, a01);
          const s1 = v128.load32_splat(xp + 1 * pixel);
          a10 = madd(s1, w0, a10); a11 = madd(s1, w1, a11);
          const s2 = v128.load32_splat(xp + 2 * pixel);
          a20 = madd(s2, w0, a20); a21 = madd(s2, w1, a21);
          const s3 = v128.load32_splat(xp + 3 * pixel);
          a30 = madd(s3, w0, a30); a31 = madd(s3, w1, a31);
          xp += 4;
          wp += 32;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      v128.store(yp + 0 * outPixel, out(a00, relu)); v128.store(yp + 0 * outPixel, out(a01, relu), 16);
      v128.store(yp + 1 * outPixel, out(a10, relu)); v128.store(yp + 1 * outPixel, out(a11, relu), 16);
      v128.store(yp + 2 * outPixel, out(a20, relu)); v128.store(yp + 2 * outPixel, out(a21, relu), 16);
      v128.store(yp + 3 * outPixel, out(a30, relu)); v128.store(yp + 3 * outPixel, out(a31, relu), 16);
      if (ox == W - 4) break;
    }
    // Rows narrower than a tile, a pixel at a time.
    else for (let ox = 0; ox < W; ox++) {
      let a00 = b0; let a01 = b1;
      let wp = wb;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        const end = xp + span;
        while (xp < end) {
          const s0 = v128.load32_splat(xp);
          a00 = madd(s0, v128.load(wp, 0), a00); a01 = madd(s0, v128.load(wp, 16), a01);
          xp += 4;
          wp += 32;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      v128.store(yp, out(a00, relu)); v128.store(yp, out(a01, relu), 16);
    }
  }
}

/** Output channels [co, co + lanes) of every pixel (lanes ≤ 4), from the block's packed weights at `wb`. */
function block4(x: usize, wb: usize, b: usize, y: usize, co: i32, H: i32, W: i32, Cin: i32, Cout: i32, KH: i32, KW: i32, Wp: i32, relu: bool, lanes: i32): void {
  const pixel = <usize>Cin << 2;
  const row = <usize>Wp * pixel;
  // A window row: KW pixels, contiguous in x, as that row's weights are in wb.
  const span = <usize>KW * pixel;
  const outPixel = <usize>Cout << 2;
  const zero = f32x4.splat(0);
  const b0 = b == 0 ? zero : loadLanes(b + (<usize>co << 2), lanes);
  for (let oy = 0; oy < H; oy++) {
    const xrow = x + <usize>oy * row;
    const yrow = y + <usize>oy * <usize>W * outPixel + (<usize>co << 2);
    // Tiles of 8 pixels; the last one ends at the row's end, overlapping the one before.
    if (W >= 8) for (let ox = 0; ; ox = min(ox + 8, W - 8)) {
      let a00 = b0; let a10 = b0; let a20 = b0; let a30 = b0; let a40 = b0; let a50 = b0; let a60 = b0; let a70 = b0;
      let wp = wb;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        const end = xp + span;
        while (xp < end) {
          const w0 = v128.load(wp, 0);
          const s0 = v128.load32_splat(xp + 0 * pixel);
          a00 = madd(s0, w0, a00);
          const s1 = v128.load32_splat(xp + 1 * pixel);
          a10 = madd(s1, w0, a10);
          const s2 = v128.load32_splat(xp + 2 * pixel);
          a20 = madd(s2, w0, a20);
          const s3 = v128.load32_splat(xp + 3 * pixel);
          a30 = madd(s3, w0, a30);
          const s4 = v128.load32_splat(xp + 4 * pixel);
          a40 = madd(s4, w0, a40);
          const s5 = v128.load32_splat(xp + 5 * pixel);
          a50 = madd(s5, w0, a50);
          const s6 = v128.load32_splat(xp + 6 * pixel);
          a60 = madd(s6, w0, a60);
          const s7 = v128.load32_splat(xp + 7 * pixel);
          a70 = madd(s7, w0, a70);
          xp += 4;
          wp += 16;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      storeLanes(yp + 0 * outPixel, out(a00, relu), lanes);
      storeLanes(yp + 1 * outPixel, out(a10, relu), lanes);
      storeLanes(yp + 2 * outPixel, out(a20, relu), lanes);
      storeLanes(yp + 3 * outPixel, out(a30, relu), lanes);
      storeLanes(yp + 4 * outPixel, out(a40, relu), lanes);
      storeLanes(yp + 5 * outPixel, out(a50, relu), lanes);
      storeLanes(yp + 6 * outPixel, out(a60, relu), lanes);
      storeLanes(yp + 7 * outPixel, out(a70, relu), lanes);
      if (ox == W - 8) break;
    }
    // Rows narrower than a tile, a pixel at a time.
    else for (let ox = 0; ox < W; ox++) {
      let a00 = b0;
      let wp = wb;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        const end = xp + span;
        while (xp < end) {
          const s0 = v128.load32_splat(xp);
          a00 = madd(s0, v128.load(wp, 0), a00);
          xp += 4;
          wp += 16;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      storeLanes(yp, out(a00, relu), lanes);
    }
  }
}

/** y = conv(x, w) + b, rectified if `relu` is not 0. */
export function conv2d(x: usize, w: usize, b: usize, y: usize, H: i32, W: i32, Cin: i32, Cout: i32, KH: i32, KW: i32, Wp: i32, relu: i32): void {
  const blockBytes = <usize>(KH * KW * Cin) << 2;
  let co = 0;
  for (; co + 8 <= Cout; co += 8) block8(x, w + <usize>co * blockBytes, b, y, co, H, W, Cin, Cout, KH, KW, Wp, relu != 0);
  for (; co < Cout; co += 4) block4(x, w + <usize>co * blockBytes, b, y, co, H, W, Cin, Cout, KH, KW, Wp, relu != 0, min(4, Cout - co));
}

/** [Σ a, Σ b, Σ c, Σ d]: the sums of each vector's four lanes. */
@inline function sums(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

/** The `n` output channels (n ≤ 4, a constant once inlined) of every pixel. */
@inline function narrowChannels(x: usize, w: usize, b: usize, y: usize, H: i32, W: i32, Cin: i32, KH: i32, KW: i32, Wp: i32, relu: bool, n: i32): void {
  const pixel = <usize>Cin << 2;
  const row = <usize>Wp * pixel;
  const span = <usize>KW * pixel;
  const taps = <usize>KH * span;
  const outPixel = <usize>n << 2;
  const zero = f32x4.splat(0);
  const b0 = b == 0 ? zero : loadLanes(b, n);
  for (let oy = 0; oy < H; oy++) {
    const xrow = x + <usize>oy * row;
    const yrow = y + <usize>oy * <usize>W * outPixel;
    // Tiles of 2 pixels; the last one ends at the row's end, overlapping the one before.
    if (W >= 2) for (let ox = 0; ; ox = min(ox + 2, W - 2)) {
      let a00 = zero; let a01 = zero; let a02 = zero; let a03 = zero; let a10 = zero; let a11 = zero; let a12 = zero; let a13 = zero;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        let wp = w + <usize>ky * span;
        const end = xp + span;
        while (xp < end) {
          const x0 = v128.load(xp + 0 * pixel);
          const x1 = v128.load(xp + 1 * pixel);
          {
            const wc = v128.load(wp + 0 * taps);
            a00 = madd(x0, wc, a00); a10 = madd(x1, wc, a10);
          }
          if (n > 1) {
            const wc = v128.load(wp + 1 * taps);
            a01 = madd(x0, wc, a01); a11 = madd(x1, wc, a11);
          }
          if (n > 2) {
            const wc = v128.load(wp + 2 * taps);
            a02 = madd(x0, wc, a02); a12 = madd(x1, wc, a12);
          }
          if (n > 3) {
            const wc = v128.load(wp + 3 * taps);
            a03 = madd(x0, wc, a03); a13 = madd(x1, wc, a13);
          }
          xp += 16;
          wp += 16;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      storeLanes(yp + 0 * outPixel, out(f32x4.add(sums(a00, a01, a02, a03), b0), relu), n);
      storeLanes(yp + 1 * outPixel, out(f32x4.add(sums(a10, a11, a12, a13), b0), relu), n);
      if (ox == W - 2) break;
    }
    else for (let ox = 0; ox < W; ox++) {
      let a00 = zero; let a01 = zero; let a02 = zero; let a03 = zero;
      for (let ky = 0; ky < KH; ky++) {
        let xp = xrow + <usize>ky * row + <usize>ox * pixel;
        let wp = w + <usize>ky * span;
        const end = xp + span;
        while (xp < end) {
          const x0 = v128.load(xp + 0 * pixel);
          {
            const wc = v128.load(wp + 0 * taps);
            a00 = madd(x0, wc, a00);
          }
          if (n > 1) {
            const wc = v128.load(wp + 1 * taps);
            a01 = madd(x0, wc, a01);
          }
          if (n > 2) {
            const wc = v128.load(wp + 2 * taps);
            a02 = madd(x0, wc, a02);
          }
          if (n > 3) {
            const wc = v128.load(wp + 3 * taps);
            a03 = madd(x0, wc, a03);
          }
          xp += 16;
          wp += 16;
        }
      }
      const yp = yrow + <usize>ox * outPixel;
      storeLanes(yp + 0 * outPixel, out(f32x4.add(sums(a00, a01, a02, a03), b0), relu), n);
    }
  }
}

/**
 * y = conv(x, w) + b (rectified if `relu` is not 0) for 1 to 4 output
 * channels, which leave most lanes of the channel-wise kernel idle or its
 * loads unshared (the input gradient of a first layer: 3 colour channels, or
 * 1 grey). Here the lanes run along a window row instead, KW · Cin values
 * contiguous in x and in w (a multiple of 4): each pixel and channel keeps a
 * vector of partial dot products, summed across its lanes at the end. w is
 * `[Cout][KH][KW][Cin]`, y `[H][W][Cout]`, as in `conv2d` otherwise.
 */
export function narrowConv2d(x: usize, w: usize, b: usize, y: usize, H: i32, W: i32, Cin: i32, Cout: i32, KH: i32, KW: i32, Wp: i32, relu: i32): void {
  if (Cout == 1) narrowChannels(x, w, b, y, H, W, Cin, KH, KW, Wp, relu != 0, 1);
  else if (Cout == 2) narrowChannels(x, w, b, y, H, W, Cin, KH, KW, Wp, relu != 0, 2);
  else if (Cout == 3) narrowChannels(x, w, b, y, H, W, Cin, KH, KW, Wp, relu != 0, 3);
  else narrowChannels(x, w, b, y, H, W, Cin, KH, KW, Wp, relu != 0, 4);
}
