"""Training throughput of the same networks in PyTorch (CPU), for the side-by-side in bench/:
cnn-small (two blocks of two 3x3 conv + BN + ReLU, 2x2 max pool; dense 256 + BN + ReLU + dropout) and
the CIFAR ResNet-32, each with an N-way linear head, SGD with Nesterov momentum, label-smoothed
cross-entropy, random inputs. Prints one JSON line."""
import argparse
import json
import time

import torch
import torch.nn as nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def cnn_small(channels, size, classes):
    return nn.Sequential(
        conv_bn(channels, 32), conv_bn(32, 32), nn.MaxPool2d(2),
        conv_bn(32, 64), conv_bn(64, 64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (size // 4) * (size // 4), 256, bias=False), nn.BatchNorm1d(256),
        nn.ReLU(inplace=True), nn.Dropout(0.25), nn.Linear(256, classes))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b(self.a(x))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        cout = 4 * width
        self.a = nn.Sequential(nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.b = conv_bn(width, width, stride)
        self.c = nn.Sequential(nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.c(self.b(self.a(x)))
        return torch.relu(y + (x if self.down is None else self.down(x)))


def resnet50(channels, size, classes):
    """torchvision's layout (7x7/2 stem, 3x3/2 max pool, stride on the 3x3), as the DL4J backbone."""
    layers = [nn.Conv2d(channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    cin, width = 64, 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        for block in range(blocks):
            layers.append(Bottleneck(cin, width, 2 if stage > 0 and block == 0 else 1))
            cin = 4 * width
        width *= 2
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, classes))


def resnet32(channels, size, classes):
    layers, cin = [conv_bn(channels, 16)], 16
    for stage, cout in enumerate([16, 32, 64]):
        for block in range(5):
            layers.append(Basic(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


def high_water_kb():
    """The process's peak resident set (VmHWM). Not getrusage's ru_maxrss: Linux carries that over
    exec, so a process started by a large JVM reports the JVM's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--backbone", required=True, choices=["cnn-small", "resnet32", "resnet50"])
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    rss_start = high_water_kb()
    torch.manual_seed(0)
    build = {"cnn-small": cnn_small, "resnet32": resnet32, "resnet50": resnet50}[a.backbone]
    net = build(a.channels, a.size, a.classes)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=2e-5)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.rand(a.batch, a.channels, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch,))
    net.train()
    rss_before = high_water_kb()
    for _ in range(a.warmup):
        opt.zero_grad(); loss_fn(net(x), y).backward(); opt.step()
    start = time.perf_counter()
    for _ in range(a.steps):
        opt.zero_grad(); loss_fn(net(x), y).backward(); opt.step()
    seconds = time.perf_counter() - start
    # Peak resident memory of the process, and how much the training steps added to it.
    peak = high_water_kb()
    print(json.dumps({"impl": "pytorch", "backbone": a.backbone, "batch": a.batch, "threads": a.threads,
                      "images_per_second": a.steps * a.batch / seconds,
                      "peak_rss_bytes": peak * 1024, "step_rss_bytes": (peak - rss_before) * 1024,
                      "training_rss_bytes": (peak - rss_start) * 1024, "torch": torch.__version__,
                      "mkldnn": torch.backends.mkldnn.is_available()}))
