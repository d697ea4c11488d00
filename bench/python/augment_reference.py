"""Decode + augment throughput of the PyTorch way (PIL + torchvision transforms) on one core, on the
same files as the ebv-spark side: RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor +
Normalize (train), Resize(256) + CenterCrop(224) + ToTensor + Normalize (eval). Prints one JSON line."""
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


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--root", required=True)
    p.add_argument("--rounds", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(1)
    files = sorted(glob.glob(os.path.join(a.root, "train", "*", "*.JPEG")))
    norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    train = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    evaluate = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), norm])
    print(json.dumps({
        "impl": "pil+torchvision", "images": len(files), "threads": 1,
        "train_images_per_second": run(files, train, a.rounds),
        "eval_images_per_second": run(files, evaluate, a.rounds),
        "pillow": PIL.__version__, "torchvision": torchvision.__version__, "torch": torch.__version__,
    }))
