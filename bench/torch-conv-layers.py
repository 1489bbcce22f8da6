"""PyTorch's time for each convolution of the book's two networks alone, on one CPU thread.

The gradient maps spend most of their time in convolutions (bench/profile-maps.ts); this times
PyTorch's forward convolution (conv2d with bias, NCHW, float32, random data) of each layer's shape,
median and fastest of 200 runs after 20, and its rate in GFLOP/s, to compare with the per-kernel
times in Chromium. Prints JSON.

  OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch-conv-layers.py
"""
import json
import statistics
import time

import torch
import torch.nn.functional as F

# (network, layer, input channels, output channels, input size, kernel size), 'same' padding, stride 1.
LAYERS = [
    ('scenes-cnn', 'conv1_1', 3, 16, 64, 5), ('scenes-cnn', 'conv2_1', 16, 32, 32, 3),
    ('scenes-cnn', 'conv3_1', 32, 64, 16, 3), ('scenes-cnn', 'conv4_1', 64, 128, 8, 3),
    ('fashion-vgg', 'conv1_1', 1, 32, 28, 3), ('fashion-vgg', 'conv1_2', 32, 32, 28, 3),
    ('fashion-vgg', 'conv2_1', 32, 64, 14, 3), ('fashion-vgg', 'conv2_2', 64, 64, 14, 3),
    ('fashion-vgg', 'conv3_1', 64, 128, 7, 3),
]


def main():
    torch.set_num_threads(1)
    rows = []
    for net, name, cin, cout, size, k in LAYERS:
        x, w, b = torch.randn(1, cin, size, size), torch.randn(cout, cin, k, k), torch.randn(cout)
        for _ in range(20):
            F.conv2d(x, w, b, padding=k // 2)
        times = []
        for _ in range(200):
            start = time.perf_counter()
            F.conv2d(x, w, b, padding=k // 2)
            times.append((time.perf_counter() - start) * 1000)
        flops = 2 * size * size * cout * cin * k * k
        rows.append({'network': net, 'layer': name, 'medianMs': round(statistics.median(times), 3), 'minMs': round(min(times), 3),
                     'gflopsAtMedian': round(flops / statistics.median(times) / 1e6, 1)})
    print(json.dumps({'torch': torch.__version__, 'mkldnn': torch.backends.mkldnn.is_available(), 'threads': torch.get_num_threads(), 'layers': rows}, indent=1))


if __name__ == '__main__':
    main()
