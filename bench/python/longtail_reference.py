"""EBV against FC on long-tailed Fashion-MNIST in PyTorch, with the recipe of bench/run-claims.sh, as a
side-by-side reference for issue 14 (never product code). It answers what the trainer's short CPU runs
cannot: is EBV ahead of FC when resnet32 is trained as long as the paper trains it, on the same subset?

Same as ClaimsBenchmark: resnet32 of train_reference.py on 1 x 28 x 28, SGD + Nesterov 0.9, lr 0.1 at
batch 128, linear warm-up from 1% over half an epoch then cosine to 0 (per iteration), weight decay 5e-4
on conv and dense weights, label smoothing 0.1, zero padding 3 + random crop 28 + horizontal flip,
pixels scaled to [-1, 1]. EBV head: dense 64 -> 32 (with bias), logits normalize(v) . W^T / 0.07 with W a
fixed orthonormal 10 x 32 basis; FC head: dense 64 -> 10. Data stays on the device; batches are a seeded
permutation per epoch, the last partial batch kept.

Reads the IDX files of Debian's dataset-fashion-mnist and --keep, the train indices of the subset one per
line (the trainer's table, `ebv prepare long-tail`), so both sides train on the same images. Prints one
JSON line: top-1 on the 10,000 test images and per-class accuracy.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_reference import resnet32  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class EbvHead(nn.Module):
    def __init__(self, features, basis, tau):
        super().__init__()
        self.proj = nn.Linear(features, basis.shape[1])
        self.register_buffer("basis", basis)
        self.tau = tau

    def forward(self, v):
        return F.normalize(self.proj(v), dim=1) @ self.basis.t() / self.tau


def network(head, classes, dim, tau, seed):
    net = resnet32(1, 28, classes)
    if head == "ebv":
        g = torch.Generator().manual_seed(1000 + seed)
        q, _ = torch.linalg.qr(torch.randn(dim, classes, generator=g))  # orthonormal columns
        net[-1] = EbvHead(64, q.t().contiguous(), tau)
    return net


def lr_at(step, steps_per_epoch, epochs, peak, warmup_epochs=0.5, warmup_start=0.01):
    t = step / steps_per_epoch
    if t < warmup_epochs:
        return peak * (warmup_start + (1 - warmup_start) * t / warmup_epochs)
    progress = min(1.0, (t - warmup_epochs) / max(1e-9, epochs - warmup_epochs))
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def augment(padded, order, gen):
    """Random 28 x 28 crops of the zero-padded 34 x 34 images, flipped with probability 1/2."""
    b = order.numel()
    oy = torch.randint(0, 7, (b,), device=padded.device, generator=gen)
    ox = torch.randint(0, 7, (b,), device=padded.device, generator=gen)
    r = torch.arange(28, device=padded.device)
    rows = (oy[:, None] + r)[:, :, None]
    cols = (ox[:, None] + r)[:, None, :]
    x = padded[order[:, None, None], rows, cols]
    flip = torch.rand(b, device=padded.device, generator=gen) < 0.5
    x = torch.where(flip[:, None, None], x.flip(-1), x)
    return (x.float() / 255 - 0.5) / 0.5


def load(data, keep, dev):
    """Train images zero-padded to 34 x 34 and labels (the --keep subset), test images and labels."""
    images = idx(os.path.join(data, "train-images-idx3-ubyte.gz"))
    labels = idx(os.path.join(data, "train-labels-idx1-ubyte.gz"))
    if keep:
        with open(keep) as f:
            rows = np.array(sorted(int(line) for line in f if line.strip()), dtype=np.int64)
        images, labels = images[rows], labels[rows]
    test_x = torch.from_numpy(idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).copy()).to(dev)
    test_y = torch.from_numpy(idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)).to(dev)
    padded = F.pad(torch.from_numpy(images.copy()).to(dev), (3, 3, 3, 3))
    return padded, torch.from_numpy(labels.astype(np.int64)).to(dev), test_x, test_y


def optimizer(net, lr, weight_decay):
    """SGD + Nesterov 0.9, weight decay on conv and dense weights only (as the trainer)."""
    decay = [q for q in net.parameters() if q.dim() > 1]
    rest = [q for q in net.parameters() if q.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0}],
                           lr=lr, momentum=0.9, nesterov=True)


def sgd_step(opt, loss, lr):
    for group in opt.param_groups:
        group["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--keep", help="train indices of the subset; none for the whole train split")
    p.add_argument("--head", required=True, choices=["ebv", "fc"])
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--tau", type=float, default=0.07)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--label", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    padded, train_y, test_x, test_y = load(a.data, a.keep, dev)
    classes = 10
    n = train_y.numel()

    net = network(a.head, classes, a.dim, a.tau, a.seed).to(dev)
    opt = optimizer(net, a.lr, a.weight_decay)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    steps_per_epoch = math.ceil(n / a.batch)
    step = 0
    start = time.perf_counter()
    net.train()
    for epoch in range(a.epochs):
        perm = torch.randperm(n, device=dev, generator=gen)
        for i in range(steps_per_epoch):
            order = perm[i * a.batch:(i + 1) * a.batch]
            x = augment(padded, order, gen).unsqueeze(1)
            sgd_step(opt, loss_fn(net(x), train_y[order]), lr_at(step, steps_per_epoch, a.epochs, a.lr))
            step += 1
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    net.eval()
    correct = torch.zeros(classes, dtype=torch.long, device=dev)
    total = torch.bincount(test_y, minlength=classes)
    with torch.no_grad():
        for i in range(0, test_y.numel(), 1000):
            x = (test_x[i:i + 1000].float() / 255 - 0.5) / 0.5
            pred = net(x.unsqueeze(1)).argmax(1)
            y = test_y[i:i + 1000]
            correct += torch.bincount(y[pred == y], minlength=classes)
    per_class = (correct.float() / total.float()).tolist()
    print(json.dumps({"label": a.label, "head": a.head, "seed": a.seed, "epochs": a.epochs, "train_images": n,
                      "steps": step, "top1": correct.sum().item() / total.sum().item(), "per_class": per_class,
                      "train_seconds": seconds, "device": torch.cuda.get_device_name(dev) if dev.type == "cuda"
                      else "cpu", "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
