#!/usr/bin/env python3
"""The PyTorch peer of tunas_bench_image_data: decoded + augmented images/s at 224 with
torchvision's ImageFolder + the same training transform, through torch's DataLoader.

Dev-only (scripts/dev_venv.sh torchvision torch torchvision pillow). Same folder, same batch
(64), same number of timed batches (16), same transform as ours: RandomResizedCrop(224, scale=(0.08, 1), ratio=(3/4, 4/3),
bicubic) + RandomHorizontalFlip + ToTensor + Normalize(ImageNet). torch.set_num_threads(1) in
every process. "workers 0" decodes in the main process (1 thread); "workers N" uses N loader
processes. The first 2 batches (start-up) are not timed, as in ours.

Usage: bench_torch_loader.py DIR [--batches N] [--json FILE]
"""
import argparse
import json
import time

import torch
import torchvision
from torchvision import datasets, transforms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--batches", type=int, default=16)
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(1)
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                                     interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    ds = datasets.ImageFolder(a.dir + "/train", transform=tf)
    rows = []
    for workers in (0, 1, 2):
        # Several shuffled epochs of the folder, as ours crosses epochs.
        sampler = torch.utils.data.RandomSampler(ds, num_samples=64 * (a.batches + 8),
                                                 generator=torch.Generator().manual_seed(1))
        loader = torch.utils.data.DataLoader(
            ds, batch_size=64, sampler=sampler, num_workers=workers,
            worker_init_fn=lambda _: torch.set_num_threads(1))
        it = iter(loader)
        for _ in range(2):
            next(it)
        t0 = time.perf_counter()
        c0 = time.process_time()
        n = 0
        for _ in range(a.batches):
            x, y = next(it)
            n += x.shape[0]
        ips = n / (time.perf_counter() - t0)
        row = {"case": "torch_dataloader_224", "workers": workers, "images_per_second": ips}
        line = f"torch {torch.__version__} torchvision {torchvision.__version__}: workers {workers}: {ips:.1f} images/s"
        if workers == 0:  # all decoding in this process: its CPU time is the cost
            row["cpu_ms_per_image"] = 1e3 * (time.process_time() - c0) / n
            line += f", {row['cpu_ms_per_image']:.2f} CPU ms/image"
        print(line, flush=True)
        rows.append(row)
        del it
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
