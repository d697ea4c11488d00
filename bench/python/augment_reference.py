"""Decode + augment throughput of the PyTorch way (PIL + torchvision transforms) on one core, on the
same files as the ebv-spark side: RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor +
Normalize (train), Resize(256) + CenterCrop(224) + ToTensor + Normalize (eval), and with --paper the
EBV reference recipe's training preset (torchvision's classification references with
auto_augment_policy ta_wide and random_erase 0.1: RandomResizedCrop + flip + TrivialAugmentWide, all
bilinear, PILToTensor + ConvertImageDtype + Normalize + RandomErasing(0.1)) and the references'
RandomMixup(0.2) / RandomCutmix(1.0) on a batch of 128. Prints one JSON line."""
import argparse
import glob
import json
import os
import time

import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T


def run(files, transform, rounds):
    for f in files[:20]:  # warm up
        transform(Image.open(f).convert("RGB"))
    start = time.perf_counter()
    n = 0
    for _ in range(rounds):
        for f in files:
            with open(f, "rb") as fh:
                img = Image.open(fh).convert("RGB")
            transform(img)
            n += 1
    return n / (time.perf_counter() - start)


def mix_ms(batches=20):
    """RandomMixup(alpha 0.2) or RandomCutmix(alpha 1.0), one drawn per batch, as the references'
    transforms.py does it on a float batch of 128 x 3 x 224 x 224 (labels one-hot, 1000 classes)."""
    x = torch.rand(128, 3, 224, 224)
    y = torch.randint(0, 1000, (128,))
    start = time.perf_counter()
    for i in range(batches):
        batch = x.clone()
        target = torch.nn.functional.one_hot(y, num_classes=1000).to(batch.dtype)
        rolled = batch.roll(1, 0)
        target_rolled = target.roll(1, 0)
        if i % 2 == 0:
            lam = float(torch._sample_dirichlet(torch.tensor([0.2, 0.2]))[0])
            rolled.mul_(1.0 - lam)
            batch.mul_(lam).add_(rolled)
        else:
            lam = float(torch._sample_dirichlet(torch.tensor([1.0, 1.0]))[0])
            h, w = batch.shape[-2:]
            rx, ry = int(torch.randint(w, (1,))), int(torch.randint(h, (1,)))
            r = 0.5 * (1.0 - lam) ** 0.5
            rw, rh = int(r * w), int(r * h)
            x1, y1, x2, y2 = max(rx - rw, 0), max(ry - rh, 0), min(rx + rw, w), min(ry + rh, h)
            batch[:, :, y1:y2, x1:x2] = rolled[:, :, y1:y2, x1:x2]
            lam = 1.0 - float((x2 - x1) * (y2 - y1)) / (w * h)
        target_rolled.mul_(1.0 - lam)
        target.mul_(lam).add_(target_rolled)
    return 1000 * (time.perf_counter() - start) / batches


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--root", required=True)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--paper", action="store_true", help="only the paper recipe's preset and mixing")
    a = p.parse_args()
    torch.set_num_threads(1)
    files = sorted(glob.glob(os.path.join(a.root, "train", "*", "*.JPEG")))
    norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    train = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    evaluate = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), norm])
    if a.paper:
        bilinear = T.InterpolationMode.BILINEAR
        paper = T.Compose([
            T.RandomResizedCrop(224, interpolation=bilinear), T.RandomHorizontalFlip(),
            T.TrivialAugmentWide(interpolation=bilinear), T.PILToTensor(),
            T.ConvertImageDtype(torch.float), norm, T.RandomErasing(0.1)])
        print(json.dumps({
            "impl": "pil+torchvision", "images": len(files), "threads": 1,
            "paper_images_per_second": run(files, paper, a.rounds),
            "mix_ms_per_batch": mix_ms(),
            "pillow": PIL.__version__, "torchvision": torchvision.__version__,
            "torch": torch.__version__}))
        raise SystemExit(0)
    print(json.dumps({
        "impl": "pil+torchvision", "images": len(files), "threads": 1,
        "train_images_per_second": run(files, train, a.rounds),
        "eval_images_per_second": run(files, evaluate, a.rounds),
        "pillow": PIL.__version__, "torchvision": torchvision.__version__, "torch": torch.__version__,
    }))
