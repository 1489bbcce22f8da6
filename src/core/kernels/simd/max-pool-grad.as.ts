/**
 * The gradient of a max pool whose windows tile its input without overlap or
 * padding (window = stride, the book's 2×2 pools), in WebAssembly SIMD,
 * compiled with the other kernels (simd.as.ts).
 *
 * x and dx are `[batch][inH][inW][C]`, dy is `[batch][outH][outW][C]`, with
 * `outH · fh <= inH` and `outW · fw <= inW`; the caller zeroes the rows and
 * columns of dx that no window covers. Each window's dy goes to the first
 * maximum of x in it (row-major, strictly greater), so a window whose values
 * are all -Infinity or NaN passes nothing back, as tfjs-backend-cpu's
 * `maxPoolPositions`. Four channels at a time: the maximum and the index of
 * its tap are kept per lane, then each tap's dx is dy where the lane's index
 * is that tap and 0 elsewhere. Channels past the last multiple of 4 go one at
 * a time.
 */
export function maxPoolGradTiled(x: usize, dy: usize, dx: usize, batch: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, fh: i32, fw: i32): void {
  const pixel = <usize>C << 2;
  const row = <usize>inW * pixel;
  const c4 = C & ~3;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const corner = (<usize>(b * inH + oy * fh) * <usize>inW + <usize>(ox * fw)) * pixel;
        const g = dy + ((<usize>(b * outH + oy) * <usize>outW + <usize>ox) * pixel);
        let c = 0;
        for (; c < c4; c += 4) {
          const lane = <usize>c << 2;
          let best = f32x4.splat(-Infinity);
          let index = i32x4.splat(-1);
          let tap = 0;
          for (let fy = 0; fy < fh; fy++) {
            for (let fx = 0; fx < fw; fx++) {
              const v = v128.load(x + corner + <usize>fy * row + <usize>fx * pixel + lane);
              const above = f32x4.gt(v, best);
              best = v128.bitselect(v, best, above);
              index = v128.bitselect(i32x4.splat(tap), index, above);
              tap++;
            }
          }
          const grad = v128.load(g + lane);
          tap = 0;
          for (let fy = 0; fy < fh; fy++) {
            for (let fx = 0; fx < fw; fx++) {
              v128.store(dx + corner + <usize>fy * row + <usize>fx * pixel + lane, v128.and(grad, i32x4.eq(index, i32x4.splat(tap))));
              tap++;
            }
          }
        }
        for (; c < C; c++) {
          const lane = <usize>c << 2;
          let best = -Infinity;
          let index = -1;
          let tap = 0;
          for (let fy = 0; fy < fh; fy++) {
            for (let fx = 0; fx < fw; fx++) {
              const v = load<f32>(x + corner + <usize>fy * row + <usize>fx * pixel + lane);
              if (v > best) {
                best = v;
                index = tap;
              }
              tap++;
            }
          }
          const grad = load<f32>(g + lane);
          tap = 0;
          for (let fy = 0; fy < fh; fy++) {
            for (let fx = 0; fx < fw; fx++) {
              store<f32>(dx + corner + <usize>fy * row + <usize>fx * pixel + lane, tap == index ? grad : 0);
              tap++;
            }
          }
        }
      }
    }
  }
}
