"""Writes ImageNet-like JPEGs for the data benchmarks: 500x375 (or 375x500), quality 90, with smooth
structure and fine texture so that they compress and decode like photographs (random pixels do not).
Arranged as ROOT/train/cNN/*.JPEG. A benchmark input, never product code."""
import argparse
import os

import numpy as np
from PIL import Image


def photo(rng, width, height):
    coarse = rng.random((6, 8, 3)) * 255
    img = Image.fromarray(coarse.astype(np.uint8)).resize((width, height), Image.BICUBIC)
    mid = Image.fromarray((rng.random((48, 64, 3)) * 255).astype(np.uint8)).resize((width, height), Image.BILINEAR)
    a = np.asarray(img, dtype=np.float32) * 0.7 + np.asarray(mid, dtype=np.float32) * 0.3
    a += rng.normal(0, 6, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--root", required=True)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--per-class", type=int, default=50)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    for c in range(a.classes):
        folder = os.path.join(a.root, "train", "c%02d" % c)
        os.makedirs(folder, exist_ok=True)
        for i in range(a.per_class):
            w, h = (500, 375) if rng.random() < 0.75 else (375, 500)
            photo(rng, w, h).save(os.path.join(folder, "img_%04d.JPEG" % i), quality=90)
