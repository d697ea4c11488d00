"""Several resnet32 runs of longtail_reference.py trained as one network, for a GPU: G models (one per
head and seed) side by side in the channels of grouped convolutions, so one kernel launch serves all G
(resnet32 at batch 128 is too small to keep a GPU busy, and separate processes queue on it). Every
model keeps its own parameters, batch norm statistics, batches and augmentation (its seed): the
groups never mix, and the summed loss gives each model exactly its own gradient (checked against
separate models by --check). Same recipe and output lines as longtail_reference.py."""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import longtail_reference as ref  # noqa: E402


def gconv(g, cin, cout, k, stride):
    return nn.Conv2d(g * cin, g * cout, k, stride, k // 2, groups=g, bias=False)


class GBasic(nn.Module):
    def __init__(self, g, cin, cout, stride):
        super().__init__()
        self.a = nn.Sequential(gconv(g, cin, cout, 3, stride), nn.BatchNorm2d(g * cout), nn.ReLU(inplace=True))
        self.b = nn.Sequential(gconv(g, cout, cout, 3, 1), nn.BatchNorm2d(g * cout))
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(gconv(g, cin, cout, 1, stride), nn.BatchNorm2d(g * cout))

    def forward(self, x):
        y = self.b(self.a(x))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class Stacked(nn.Module):
    """G resnet32 backbones (ref.resnet32's layout) with one head each; input [B, G, 28, 28]."""

    def __init__(self, heads, seeds, dim, tau):
        super().__init__()
        g = len(heads)
        layers, cin = [gconv(g, 1, 16, 3, 1), nn.BatchNorm2d(g * 16), nn.ReLU(inplace=True)], 16
        for stage, cout in enumerate([16, 32, 64]):
            for block in range(5):
                layers.append(GBasic(g, cin, cout, 2 if stage > 0 and block == 0 else 1))
                cin = cout
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.g = g
        self.heads = nn.ModuleList()
        for head, seed in zip(heads, seeds):
            if head == "ebv":
                net = ref.network("ebv", 10, dim, tau, seed)
                self.heads.append(net[-1])
            else:
                self.heads.append(nn.Linear(64, 10))

    def forward(self, x):
        f = self.body(x).view(x.shape[0], self.g, 64)
        return [h(f[:, i]) for i, h in enumerate(self.heads)]


def check():
    """Two stacked models against two separate ones with the same parameters: logits and gradients."""
    torch.manual_seed(0)
    heads, seeds = ["ebv", "fc"], [42, 43]
    s = Stacked(heads, seeds, 32, 0.07).double()
    singles = [ref.network(h, 10, 32, 0.07, sd).double() for h, sd in zip(heads, seeds)]
    stacked_params = [m for m in s.body.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    for m in stacked_params:
        if isinstance(m, nn.BatchNorm2d):  # not the identity they start as
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    for i, single in enumerate(singles):
        single_params = [m for m in single.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
        assert len(single_params) == len(stacked_params)
        for a, b in zip(stacked_params, single_params):
            n = b.weight.shape[0]
            b.weight.data.copy_(a.weight.data[i * n:(i + 1) * n])
            if isinstance(a, nn.BatchNorm2d):
                b.bias.data.copy_(a.bias.data[i * n:(i + 1) * n])
        single[-1].load_state_dict(s.heads[i].state_dict())
    x = torch.randn(8, 2, 28, 28, dtype=torch.float64)
    y = torch.randint(0, 10, (2, 8))
    out = s(x)
    sum(F.cross_entropy(o, y[i]) for i, o in enumerate(out)).backward()
    for i, single in enumerate(singles):
        o = single(x[:, i:i + 1])
        F.cross_entropy(o, y[i]).backward()
        assert torch.allclose(o, out[i], atol=1e-10), "logits differ"
        single_convs = [m for m in single.modules() if isinstance(m, nn.Conv2d)]
        stacked_convs = [m for m in s.body.modules() if isinstance(m, nn.Conv2d)]
        for a, b in zip(stacked_convs, single_convs):
            n = b.weight.shape[0]
            assert torch.allclose(a.weight.grad[i * n:(i + 1) * n], b.weight.grad, atol=1e-10), "gradients differ"
    print("stacked == separate: logits and conv gradients of 2 models agree to 1e-10")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--check", action="store_true")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--keep")
    p.add_argument("--heads", default="ebv,fc")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--label", default="")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    if a.check:
        check()
        return
    runs = [(h, int(s)) for h in a.heads.split(",") for s in a.seeds.split(",")]
    heads, seeds = [r[0] for r in runs], [r[1] for r in runs]
    dev = torch.device(a.device)
    torch.manual_seed(seeds[0])
    padded, train_y, test_x, test_y = ref.load(a.data, a.keep, dev)
    n = train_y.numel()
    net = Stacked(heads, seeds, 32, 0.07).to(dev)
    opt = ref.optimizer(net, a.lr, a.weight_decay)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    gens = [torch.Generator(device=dev).manual_seed(s) for s in seeds]
    steps_per_epoch = math.ceil(n / a.batch)
    step = 0
    start = time.perf_counter()
    net.train()
    for epoch in range(a.epochs):
        perms = [torch.randperm(n, device=dev, generator=g) for g in gens]
        for i in range(steps_per_epoch):
            orders = [pm[i * a.batch:(i + 1) * a.batch] for pm in perms]
            x = torch.stack([ref.augment(padded, o, g) for o, g in zip(orders, gens)], 1)
            loss = sum(loss_fn(o, train_y[orders[k]]) for k, o in enumerate(net(x)))
            ref.sgd_step(opt, loss, ref.lr_at(step, steps_per_epoch, a.epochs, a.lr))
            step += 1
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    net.eval()
    g = len(runs)
    correct = torch.zeros(g, 10, dtype=torch.long, device=dev)
    total = torch.bincount(test_y, minlength=10)
    with torch.no_grad():
        for i in range(0, test_y.numel(), 1000):
            x = ((test_x[i:i + 1000].float() / 255 - 0.5) / 0.5).unsqueeze(1).expand(-1, g, -1, -1)
            y = test_y[i:i + 1000]
            for k, o in enumerate(net(x)):
                pred = o.argmax(1)
                correct[k] += torch.bincount(y[pred == y], minlength=10)
    for k, (head, seed) in enumerate(runs):
        print(json.dumps({"label": a.label, "head": head, "seed": seed, "epochs": a.epochs, "train_images": n,
                          "steps": step, "top1": correct[k].sum().item() / total.sum().item(),
                          "per_class": (correct[k].float() / total.float()).tolist(), "train_seconds": seconds,
                          "stacked": g, "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
