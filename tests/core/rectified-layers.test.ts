/**
 * The layer the CAM family explains by default is each convolution's rectified
 * output (Grad-CAM's A^k): in a graph model, the Relu node after a Conv2D and
 * its BiasAdd, or a _FusedConv2D whose Relu is fused in. Layers models are
 * checked in convnet.test.ts; the trained networks in
 * attribution/rectified-cam.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConvNet } from '../../src/core/model-loader';
import { tf } from '../../src/core/tf';
import { memoryFile } from './node-files';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (xs: number[]) => ({ list: { i: xs.map(String) } });
const constant = (name: string, shape: number[], dtype = 'DT_FLOAT') => ({
  name,
  op: 'Const',
  attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } },
});
const conv = (name: string, op: 'Conv2D' | '_FusedConv2D', inputs: string[], fused: string[] = []) => ({
  name,
  op,
  input: inputs,
  attr: {
    strides: ints([1, 1, 1, 1]),
    dilations: ints([1, 1, 1, 1]),
    padding: { s: b64('SAME') },
    data_format: { s: b64('NHWC') },
    T: { type: 'DT_FLOAT' },
    ...(op === '_FusedConv2D' && { fused_ops: { list: { s: fused.map(b64) } }, num_args: { i: String(fused.length > 0 ? 1 : 0) }, epsilon: { f: 0 } }),
  },
});

/**
 * input → Conv2D a → BiasAdd → Relu; _FusedConv2D b with BiasAdd+Relu fused; _FusedConv2D c with only
 * BiasAdd (read by the Mean, no activation) → Mean over height and width → MatMul: the logits.
 */
function graphFiles() {
  const weights = [
    { name: 'wa', shape: [3, 3, 1, 2] }, { name: 'ba', shape: [2] },
    { name: 'wb', shape: [3, 3, 2, 2] }, { name: 'bb', shape: [2] },
    { name: 'wc', shape: [1, 1, 2, 3] }, { name: 'bc', shape: [3] },
    { name: 'wd', shape: [3, 2] },
  ];
  const size = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const values = Float32Array.from({ length: size }, (_, i) => Math.sin(i + 1));
  const axes = Int32Array.from([1, 2]);
  const bytes = new Uint8Array(values.byteLength + axes.byteLength);
  bytes.set(new Uint8Array(values.buffer), 0);
  bytes.set(new Uint8Array(axes.buffer), values.byteLength);
  const node = [
    { name: 'image', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, 6, 6, 1].map((d) => ({ size: String(d) })) } } } },
    ...weights.map((w) => constant(w.name, w.shape)),
    constant('axes', [2], 'DT_INT32'),
    conv('a/Conv2D', 'Conv2D', ['image', 'wa']),
    { name: 'a/BiasAdd', op: 'BiasAdd', input: ['a/Conv2D', 'ba'], attr: { T: { type: 'DT_FLOAT' }, data_format: { s: b64('NHWC') } } },
    { name: 'a/Relu', op: 'Relu', input: ['a/BiasAdd'], attr: { T: { type: 'DT_FLOAT' } } },
    conv('b/Relu', '_FusedConv2D', ['a/Relu', 'wb', 'bb'], ['BiasAdd', 'Relu']),
    conv('c/BiasAdd', '_FusedConv2D', ['b/Relu', 'wc', 'bc'], ['BiasAdd']),
    { name: 'gap', op: 'Mean', input: ['c/BiasAdd', 'axes'], attr: { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    { name: 'logits', op: 'MatMul', input: ['gap', 'wd'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
  ];
  const json = {
    format: 'graph-model',
    modelTopology: { node, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights: [...weights.map((w) => ({ ...w, dtype: 'float32' })), { name: 'axes', shape: [2], dtype: 'int32' }] }],
  };
  return [memoryFile('model.json', JSON.stringify(json)), memoryFile('weights.bin', bytes.buffer)];
}

describe('a graph model', () => {
  it('lists the Relu after a Conv2D and its bias, a _FusedConv2D with its fused Relu, and a conv without activation', async () => {
    await tf.setBackend('cpu');
    const net = await loadConvNet(graphFiles(), { id: 'g' });
    expect(net.layers.filter((l) => l.kind === 'conv').map((l) => l.name)).toEqual(['a/Conv2D', 'b/Relu', 'c/BiasAdd']);
    expect(net.convLayers).toEqual(['a/Relu', 'b/Relu', 'c/BiasAdd']);
    // The listed layer is rectified: capturing it gives no negative value, unlike the Conv2D before it.
    const x = tf.tensor4d(Float32Array.from({ length: 36 }, (_, i) => Math.cos(i * 0.7)), [1, 6, 6, 1]);
    const [rectified, raw] = tf.tidy(() => {
      const { activations } = net.forward(x, { capture: ['a/Relu', 'a/Conv2D'] });
      return [activations['a/Relu']!.min().dataSync()[0]!, activations['a/Conv2D']!.min().dataSync()[0]!];
    });
    expect(rectified).toBe(0);
    expect(raw).toBeLessThan(0);
    x.dispose();
    net.dispose();
  });
});
