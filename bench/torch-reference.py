"""An independent PyTorch reference for the book's gradient maps, for `npm run bench`.

Reads a request (JSON, path in argv[1]) written by bench/torch-compare.ts: for each of the book's
networks, the folder of its model.json + weights.bin, one input image, the class to explain, the
layers the core explains, and the logits and maps TensorFlow.js computed. Rebuilds each network in
PyTorch from those two files alone (NCHW, one CPU thread), times each map in float32: median of `runs`
after `warmup`; and checks that a float64 rebuild of the same weights gives TensorFlow.js's logits and maps
(see run_model for why float64). Prints JSON.

The maps follow the papers, written the way PyTorch code usually writes them:
  saliency       max_c |dS_c/dI| (Simonyan et al. 2014)
  deconvnet      the same with every ReLU passing R * [R > 0] back (Zeiler & Fergus 2014)
  guided         R * [x > 0] * [R > 0] (Springenberg et al. 2015)
  cam            sum_k w_k^c A^k at the layer global average pooling reads (Zhou et al. 2016)
  grad-cam       ReLU(sum_k mean(dS/dA^k) A^k) (Selvaraju et al. 2017, eqs. 1-2)
  counterfactual Grad-CAM of the negated gradients (Selvaraju et al. 2017, sec. 3.3)
  grad-cam++     alpha = g^2 / (2 g^2 + sum(A) g^3), w = sum(alpha ReLU(g)) (Chattopadhay et al. 2018)
  guided-grad-cam  guided backprop times Grad-CAM upsampled bilinearly (Selvaraju et al. 2017)
  smooth-grad    the mean saliency (or guided backprop) map of `samples` copies of the image plus N(0, sigma^2) noise
                 (Smilkov et al. 2017, eq. 3); checked with the core's noise, timed with torch.randn's
"""
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def load_weights(folder):
    """Every weight tensor of a tfjs layers model, by name, as float32 arrays."""
    spec = json.loads((folder / 'model.json').read_text())
    tensors = {}
    for group in spec['weightsManifest']:
        data = b''.join((folder / p).read_bytes() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            if w.get('dtype', 'float32') != 'float32' or 'quantization' in w:
                raise ValueError(f"{w['name']}: only unquantized float32 weights are supported")
            count = int(np.prod(w['shape'])) if w['shape'] else 1
            tensors[w['name']] = np.frombuffer(data, np.float32, count, offset).reshape(w['shape'])
            offset += 4 * count
    return spec['modelTopology'], tensors


def same_padding(size, kernel, stride):
    """TensorFlow's 'same' padding (before, after) of one spatial axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Rule(torch.autograd.Function):
    """A ReLU whose backward pass follows a rule: 'deconvnet' or 'guided'."""

    @staticmethod
    def forward(ctx, x, rule):
        ctx.rule = rule
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, r):
        (x,) = ctx.saved_tensors
        passed = r.clamp(min=0)
        return (passed if ctx.rule == 'deconvnet' else passed * (x > 0)), None


class Network:
    """A tfjs Sequential model as a list of (layer name, function of NCHW x and the ReLU rule)."""

    def __init__(self, folder, dtype=np.float32):
        topology, weights = load_weights(folder)
        weights = {name: w.astype(dtype) for name, w in weights.items()}
        self.weights = weights
        config = topology.get('model_config', topology)
        if config['class_name'] != 'Sequential':
            raise ValueError(f"{folder}: only Sequential models are rebuilt, not {config['class_name']}")
        self.steps = []
        shape = None
        for layer in config['config']['layers']:
            c = layer['config']
            shape = shape or c['batch_input_shape'][1:]
            step, shape = self.build(layer['class_name'], c, weights, shape)
            self.steps.append((c['name'], step))

    @staticmethod
    def build(kind, c, weights, shape):
        name = c['name']
        activation = c.get('activation', 'linear')
        if kind in ('Conv2D', 'Dense') and activation not in ('linear', 'relu', 'softmax'):
            raise ValueError(f"{name}: activation {activation} is not rebuilt")
        act = relu if activation == 'relu' else (lambda y, rule: y)
        if kind == 'Conv2D':
            kh, kw = c['kernel_size']
            sh, sw = c['strides']
            if c.get('dilation_rate', [1, 1]) != [1, 1]:
                raise ValueError(f'{name}: dilated convolutions are not rebuilt')
            w = torch.from_numpy(weights[f'{name}/kernel'].transpose(3, 2, 0, 1).copy())
            b = torch.from_numpy(weights[f'{name}/bias'].copy()) if c.get('use_bias', True) else None
            h, wd = shape[0], shape[1]
            if c['padding'] == 'same':
                (t, bo), (le, ri) = same_padding(h, kh, sh), same_padding(wd, kw, sw)
            else:
                t = bo = le = ri = 0
            out = ((h + t + bo - kh) // sh + 1, (wd + le + ri - kw) // sw + 1, c['filters'])
            if t == bo and le == ri:
                return (lambda x, rule: act(F.conv2d(x, w, b, (sh, sw), (t, le)), rule)), out
            return (lambda x, rule: act(F.conv2d(F.pad(x, (le, ri, t, bo)), w, b, (sh, sw)), rule)), out
        if kind == 'ReLU' or (kind == 'Activation' and activation == 'relu'):
            return relu, shape
        if kind == 'MaxPooling2D':
            if c['padding'] != 'valid':
                raise ValueError(f"{name}: only 'valid' max pooling is rebuilt")
            size, strides = c['pool_size'], c['strides'] or c['pool_size']
            out = ((shape[0] - size[0]) // strides[0] + 1, (shape[1] - size[1]) // strides[1] + 1, shape[2])
            return (lambda x, rule: F.max_pool2d(x, size, strides)), out
        if kind == 'GlobalAveragePooling2D':
            return (lambda x, rule: x.mean((2, 3))), (shape[2],)
        if kind == 'Flatten':
            return (lambda x, rule: x.permute(0, 2, 3, 1).flatten(1) if x.dim() == 4 else x), (int(np.prod(shape)),)
        if kind == 'Dense':
            w = torch.from_numpy(weights[f'{name}/kernel'].T.copy())
            b = torch.from_numpy(weights[f'{name}/bias'].copy()) if c.get('use_bias', True) else None
            return (lambda x, rule: act(F.linear(x, w, b), rule)), (c['units'],)
        if kind in ('Dropout', 'InputLayer') or (kind == 'Activation' and activation in ('softmax', 'linear')):
            return (lambda x, rule: x), shape
        raise ValueError(f'{name}: layer {kind} is not rebuilt')

    def forward(self, x, rule='backprop', capture=None, leaf=False):
        """
        The logits (a final softmax left out, as the book does) and the output of layer `capture`;
        with `leaf`, that output starts the graph, so a gradient stops there.
        """
        captured = None
        for name, step in self.steps:
            x = step(x, rule)
            if name == capture:
                captured = x = x.detach().requires_grad_(True) if leaf else x
        return x, captured


def relu(x, rule):
    return F.relu(x) if rule == 'backprop' else Rule.apply(x, rule)


def gradient_map(net, image, index, rule):
    x = image.clone().requires_grad_(True)
    logits, _ = net.forward(x, rule)
    (g,) = torch.autograd.grad(logits[0, index], x)
    return g.abs().amax(1)[0]


def layer_gradient(net, image, index, layer):
    logits, a = net.forward(image, capture=layer, leaf=True)
    (g,) = torch.autograd.grad(logits[0, index], a)
    return a, g


def grad_cam(net, image, index, layer, sign=1):
    a, g = layer_gradient(net, image, index, layer)
    return F.relu((sign * g.mean((2, 3), keepdim=True) * a).sum(1))[0]


def smooth_grad(net, image, index, samples, sigma, noise=None, rule='backprop'):
    total = torch.zeros(image.shape[2:], dtype=image.dtype)
    for i in range(samples):
        n = noise[i] if noise is not None else torch.randn(image.shape) * sigma
        total += gradient_map(net, image + n, index, rule)
    return total / samples


def grad_cam_plus_plus(net, image, index, layer):
    a, g = layer_gradient(net, image, index, layer)
    g2 = g * g
    den = 2 * g2 + a.sum((2, 3), keepdim=True) * g2 * g
    alpha = torch.where(den != 0, g2 / torch.where(den != 0, den, torch.ones_like(den)), torch.zeros_like(den))
    w = (alpha * F.relu(g)).sum((2, 3), keepdim=True)
    return F.relu((w * a).sum(1))[0]


def cam(net, image, index, layer, dense):
    with torch.no_grad():
        _, a = net.forward(image, capture=layer)
        return torch.einsum('k,khw->hw', dense[index], a[0])


def guided_grad_cam(net, image, index, layer):
    guided = gradient_map(net, image, index, 'guided')
    coarse = grad_cam(net, image, index, layer).detach()
    up = F.interpolate(coarse[None, None], size=guided.shape, mode='bilinear', align_corners=False)[0, 0]
    return guided * up


def median_ms(fn, warmup, floor_ms, runs):
    """The median of `runs` timed calls, after `warmup` untimed ones that go on until they have taken `floor_ms`."""
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
    while (time.perf_counter() - start) * 1000 < floor_ms:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def relative_difference(ours, theirs):
    theirs = np.asarray(theirs, np.float64).reshape(ours.shape)
    scale = max(float(np.abs(theirs).max()), 1e-30)
    return float(np.abs(ours - theirs).max()) / scale


def run_model(request, warmup, floor_ms, runs):
    """
    Times every map on the float32 network and checks it on a float64 rebuild of the same weights: where the
    input has exact ties (two equal maxima in a pooling window, from a flat region of the image), float32
    rounding that depends on the CPU's kernels can break the tie either way and send a gradient down another
    path (PyTorch's float32 convolutions on AVX2 do, on fashion-vgg's test image 0); float64 keeps the tie.
    """
    shape = request['input']['shape']
    index, layer, cam_layer = request['classIndex'], request['gradCamLayer'], request['camLayer']
    smooth = request['smoothGrad']
    samples, sigma = smooth['samples'], smooth['sigma']

    def nchw(values, dtype):
        return torch.from_numpy(np.asarray(values, dtype).reshape(shape)).permute(0, 3, 1, 2).contiguous()

    def maps_of(net, image, noise=None):
        dense = torch.from_numpy(net.weights[f"{request['logitLayer']}/kernel"].T.copy())
        return {
            'saliency': lambda: gradient_map(net, image, index, 'backprop'),
            'deconvnet': lambda: gradient_map(net, image, index, 'deconvnet'),
            'guided-backprop': lambda: gradient_map(net, image, index, 'guided'),
            'cam': lambda: cam(net, image, index, cam_layer, dense),
            'grad-cam': lambda: grad_cam(net, image, index, layer),
            'grad-cam-counterfactual': lambda: grad_cam(net, image, index, layer, -1),
            'grad-cam-plus-plus': lambda: grad_cam_plus_plus(net, image, index, layer),
            'guided-grad-cam': lambda: guided_grad_cam(net, image, index, layer),
            'smooth-grad-saliency': lambda: smooth_grad(net, image, index, samples, sigma, noise),
            'smooth-grad-guided-backprop': lambda: smooth_grad(net, image, index, samples, sigma, noise, 'guided'),
        }

    net = Network(Path(request['modelDir']))
    timed = maps_of(net, nchw(request['input']['data'], np.float32))
    net64 = Network(Path(request['modelDir']), np.float64)
    image64 = nchw(request['input']['data'], np.float64)
    checked = maps_of(net64, image64, [nchw(n, np.float64) for n in smooth['noise']])
    with torch.no_grad():
        logits = net64.forward(image64)[0][0].numpy()
    results = {}
    for method, fn in timed.items():
        entry = {'medianMs': round(median_ms(fn, warmup, floor_ms, runs), 3)}
        if method in request['maps']:
            entry['maxDifference'] = relative_difference(checked[method]().detach().numpy(), request['maps'][method])
        results[method] = entry
    return {
        'id': request['id'],
        'logitsMaxDifference': relative_difference(logits, request['logits']),
        'maps': results,
    }


def loaded_blas():
    """The BLAS library this process loaded (Debian's reference BLAS makes PyTorch's convolutions slow)."""
    libraries = {Path(line.split()[-1]).resolve() for line in Path('/proc/self/maps').read_text().splitlines() if 'blas' in line}
    return ', '.join(sorted(str(p) for p in libraries)) or 'unknown'


def main():
    request = json.loads(Path(sys.argv[1]).read_text())
    torch.set_num_threads(1)
    out = {
        'torch': torch.__version__,
        'blas': loaded_blas(),
        'threads': torch.get_num_threads(),
        'warmup': request['warmup'],
        'runs': request['runs'],
        'models': [run_model(m, request['warmup'], request['warmupFloorMs'], request['runs']) for m in request['models']],
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
