#!/usr/bin/env python3
"""Writes the golden outputs of Pillow's bilinear and bicubic resampling (with crop boxes).

Dev-only: run with the Pillow venv (`scripts/dev_venv.sh pillow Pillow numpy` prints its
python), never needed to build or test. The C++ test tests/datasets/test_resample_golden.cc
only reads the file this writes (resample_golden.txt, committed) and compares our
datasets/resample.h against it.

Pillow resizes mode "F" (float32) images with the same coefficients as 8-bit ones but
without rounding or clamping, which is what datasets::resample computes; so each RGB channel
of a fixed random 8-bit image is resized as its own "F" image.

File format: "image H W C" then one line of H*W*C integers (HWC); per case one line
"case FILTER x0 y0 x1 y1 OUT_W OUT_H" and one line of OUT_H*OUT_W*C values (%.9g, HWC).
Usage: make_golden_resample.py [output path]
"""
import sys

import numpy as np
import PIL
from PIL import Image

H, W, C = 19, 23, 3
rng = np.random.RandomState(2020)
image = rng.randint(0, 256, size=(H, W, C)).astype(np.uint8)

FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
# (box, out_w, out_h): shrink (antialiased), enlarge, crops, one axis only, fractional box.
CASES = [
    ((0, 0, W, H), 7, 5),
    ((0, 0, W, H), 40, 31),
    ((3, 2, 20, 15), 11, 9),
    ((5, 4, 9, 7), 16, 12),
    ((0, 0, W, H), 23, 8),
    ((0, 0, W, H), 9, 19),
    ((2.5, 1.5, 18.5, 17.25), 10, 13),
    ((0, 0, 1, 1), 4, 4),
]

out_path = sys.argv[1] if len(sys.argv) > 1 else "resample_golden.txt"
with open(out_path, "w") as f:
    f.write(f"# Pillow {PIL.__version__}, numpy {np.__version__}; tests/golden/make_golden_resample.py\n")
    f.write(f"image {H} {W} {C}\n")
    f.write(" ".join(str(int(v)) for v in image.reshape(-1)) + "\n")
    for name, resample in FILTERS.items():
        for box, out_w, out_h in CASES:
            planes = []
            for c in range(C):
                plane = Image.fromarray(image[:, :, c].astype(np.float32), mode="F")
                planes.append(np.asarray(plane.resize((out_w, out_h), resample, box=box), dtype=np.float64))
            result = np.stack(planes, axis=-1)
            f.write(f"case {name} {box[0]} {box[1]} {box[2]} {box[3]} {out_w} {out_h}\n")
            f.write(" ".join(f"{v:.9g}" for v in result.reshape(-1)) + "\n")
print(f"wrote {out_path}")
