/**
 * A max-pool gradient for the WebGL backend that routes each window's
 * gradient to its first maximum, as tfjs-backend-cpu and the book's WASM
 * kernel (wasm-backprop.ts) do.
 *
 * The stock WebGL `MaxPoolGrad` of tfjs-backend-webgl 4.22 finds each
 * window's maximum with `>=`, so on a tie the last maximum wins. Ties are the
 * rule behind a ReLU (a window of zeros) and after a constant region, and the
 * gradient then reaches a different pixel than on CPU or WASM: measured in
 * Chromium on the book's trained networks, deconvnet maps differed from the CPU
 * backend's by 45–71% of their largest value, and saliency, guided backprop
 * and guided Grad-CAM by up to 49%. Here the positions are found with a strict
 * `>` after the first pixel inside the image, so the maps are the same on
 * every backend.
 *
 * Two fragment programs, as the stock kernel has: the first writes, for each
 * output pixel, the index of its window's first maximum; the second gives each
 * input pixel the sum of dy over the windows whose maximum it is.
 */
import { backend_util, MaxPoolGrad } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { replaceKernels } from './kernel-registry';

type Conv2DInfo = ReturnType<typeof backend_util.computePool2DInfo>;

/** The program that writes each window's first maximum as `row * filterWidth + column`. */
function firstMaxPositions(c: Conv2DInfo) {
  return {
    variableNames: ['x'],
    outputShape: c.outShape,
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords[0];
        int d = coords[3];
        int rowCorner = coords[1] * ${c.strideHeight} - ${c.padInfo.top};
        int colCorner = coords[2] * ${c.strideWidth} - ${c.padInfo.left};
        float best = 0.0;
        bool found = false;
        int position = -1;
        for (int wR = 0; wR < ${c.filterHeight}; wR++) {
          int xR = rowCorner + wR;
          if (xR < 0 || xR >= ${c.inHeight}) continue;
          for (int wC = 0; wC < ${c.filterWidth}; wC++) {
            int xC = colCorner + wC;
            if (xC < 0 || xC >= ${c.inWidth}) continue;
            float value = getX(b, xR, xC, d);
            if (!found || value > best) {
              best = value;
              found = true;
              position = wR * ${c.filterWidth} + wC;
            }
          }
        }
        setOutput(float(position));
      }`,
  };
}

/** The program that sums, for each input pixel, dy over the windows whose first maximum it is. */
function routeToMaxima(c: Conv2DInfo) {
  return {
    variableNames: ['dy', 'positions'],
    outputShape: c.inShape,
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords[0];
        int d = coords[3];
        float sum = 0.0;
        for (int wR = 0; wR < ${c.filterHeight}; wR++) {
          int rows = coords[1] + ${c.padInfo.top} - wR;
          if (rows < 0) continue;
          int yR = rows / ${c.strideHeight};
          if (yR * ${c.strideHeight} != rows || yR >= ${c.outHeight}) continue;
          for (int wC = 0; wC < ${c.filterWidth}; wC++) {
            int cols = coords[2] + ${c.padInfo.left} - wC;
            if (cols < 0) continue;
            int yC = cols / ${c.strideWidth};
            if (yC * ${c.strideWidth} != cols || yC >= ${c.outWidth}) continue;
            int position = int(getPositions(b, yR, yC, d) + 0.5);
            if (position == wR * ${c.filterWidth} + wC) sum += getDy(b, yR, yC, d);
          }
        }
        setOutput(sum);
      }`,
  };
}

function maxPoolGrad({ backend, inputs, attrs }: { backend: MathBackendWebGL; inputs: Record<string, TensorInfo>; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const c = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const positions = backend.runWebGLProgram(firstMaxPositions(c), [input], 'float32');
  try {
    return backend.runWebGLProgram(routeToMaxima(c), [dy, positions], 'float32');
  } finally {
    backend.disposeIntermediateTensorInfo(positions);
  }
}

/** The WebGL `MaxPoolGrad` that replaces the stock one (registered by tf.ts, kept by kernel-registry.ts). */
export const webglMaxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'webgl',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};

/**
 * Replaces WebGL's `MaxPoolGrad` for good, also when the WebGL backend is
 * registered after this call (the browser engine imports it after the core).
 * Registering a kernel for a backend that is never loaded, as in Node, is harmless.
 */
export function registerWebglKernels(): void {
  replaceKernels([webglMaxPoolGradConfig], new Set([MaxPoolGrad]));
}
