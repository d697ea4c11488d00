"""Writes the TrivialAugment-wide fixture of data-prep's TrivialAugmentWideTest: fixed 9 x 9 RGB
and gray uint8 images and, for each operation of torchvision's TrivialAugmentWide at several
magnitude bins and both signs, the image torchvision's own _apply_op makes of them (uint8 tensors,
no fill, nearest interpolation as TrivialAugmentWide() defaults to and bilinear as the reference
recipe's preset passes).

Run: /usr/bin/python3 bench/python/trivial_augment_fixture.py \
       data-prep/src/test/resources/trivial-augment-torchvision.json
"""
import json
import sys

import torch
import torchvision
from torchvision.transforms import InterpolationMode, TrivialAugmentWide
from torchvision.transforms.autoaugment import _apply_op


def main(path):
    g = torch.Generator().manual_seed(14)
    # Values spread over 0..255 with a few repeats, so equalize and autocontrast have work to do.
    rgb = torch.randint(0, 256, (3, 9, 9), generator=g, dtype=torch.uint8)
    gray = (torch.randint(0, 200, (1, 9, 9), generator=g, dtype=torch.uint8) + 30).to(torch.uint8)
    space = TrivialAugmentWide()._augmentation_space(31)
    cases = []
    for name, (magnitudes, signed) in space.items():
        bins = [0, 3, 11, 20, 30] if magnitudes.ndim > 0 else [None]
        for b in bins:
            m = float(magnitudes[b].item()) if b is not None else 0.0
            for sign in ([1, -1] if signed else [1]):
                for label, img in (("rgb", rgb), ("gray", gray)):
                    for mode in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
                        out = _apply_op(img.clone(), name, sign * m, mode, None)
                        cases.append({
                            "op": name, "bin": b, "sign": sign, "magnitude": sign * m,
                            "image": label, "interpolation": mode.value,
                            "output": out.flatten().tolist()})
    doc = {
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "size": 9, "rgb": rgb.flatten().tolist(), "gray": gray.flatten().tolist(),
        "cases": cases}
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{len(cases)} cases to {path}")


if __name__ == "__main__":
    main(sys.argv[1])
