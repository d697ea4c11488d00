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


def resnet32(channels, size, classes):
    layers, cin = [conv_bn(channels, 16)], 16
    for stage, cout in enumerate([16, 32, 64]):
        for block in range(5):
            layers.append(Basic(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--backbone", required=True, choices=["cnn-small", "resnet32"])
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    build = cnn_small if a.backbone == "cnn-small" else resnet32
    net = build(a.channels, a.size, a.classes)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=2e-5)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.rand(a.batch, a.channels, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch,))
    net.train()
    for _ in range(3):
        opt.zero_grad(); loss_fn(net(x), y).backward(); opt.step()
    start = time.perf_counter()
    for _ in range(a.steps):
        opt.zero_grad(); loss_fn(net(x), y).backward(); opt.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch", "backbone": a.backbone, "batch": a.batch, "threads": a.threads,
                      "images_per_second": a.steps * a.batch / seconds, "torch": torch.__version__,
                      "mkldnn": torch.backends.mkldnn.is_available()}))
