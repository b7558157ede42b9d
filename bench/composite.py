#!/usr/bin/env python
"""Composite engine benchmark: a 1080×1350 campaign image from a synthetic twin.

Builds a synthetic subject in memory (the demo's capture settings, ``DEMO_CAPTURE``: one
frontal view, 24 lights, 736 px), makes the campaign brief of each seed (a procedural
garment packshot and background plate), runs ``CompositeEngine.generate`` ``--repeats``
times per look and prints one table:

* p50 / p95 wall time of ``generate`` (decode inputs, cut the garment, estimate the light,
  relight, warp, shadow, blend; PNG encoding excluded), target ≤ 2 s p95 on 2 cores;
* ΔE: mean CIEDE2000 between the output's garment and the packshot's own pixels warped to
  the canvas, under the neutral light (the invariant: ≤ 3), and between the mean colours
  of the garment as shot and as worn;
* face SSIM: the output's face box against the relit render alone (the invariant: ≥ 0.99);
* upscale: how far the subject (capture → canvas), the garment (packshot → canvas, 95th
  percentile over the garment) and the plate are enlarged (the aim: ≤ 1.5×).

``--quick``: a 320 px capture, a 270×338 canvas and two repeats (checks that it runs).
``--out PATH``: also writes the first look's image as PNG.

    .venv/bin/python bench/composite.py [--quick] [--repeats 7] [--out campaign.png]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

import numpy as np
from skimage.metrics import structural_similarity

from likeness.engines import EngineImage, EngineRequest
from likeness.engines import procedural as pr
from likeness.engines.composite import (
    DEMO_CAPTURE,
    NEUTRAL,
    CompositeEngine,
    Look,
    campaign_brief,
    compose,
    decode_image,
    estimate_plate_light,
    synthetic_subject,
)
from likeness.engines.composite._engine import InputRole
from likeness.imaging import compose as cp
from likeness.imaging import garment as gm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, two repeats")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7, help="the synthetic person")
    parser.add_argument("--out", type=Path, help="write the first look's image here (PNG)")
    args = parser.parse_args()
    config = DEMO_CAPTURE
    width, height = 1080, 1350
    repeats = args.repeats
    if args.quick:
        config = dataclasses.replace(config, size=320, lights=16, shadow_resolution=320)
        width, height = 270, 338
        repeats = 2
    started = time.perf_counter()
    subject = synthetic_subject(args.seed, config)
    made_in = time.perf_counter() - started
    print(
        f"subject: synthetic person #{args.seed}, {config.size} px, {config.lights} lights, "
        f"{len(config.yaws)} view(s), rendered in {made_in:.1f} s; canvas {width}×{height}, "
        f"{os.cpu_count()} CPUs"
    )
    engine = CompositeEngine()
    header = (
        f"{'look':22} {'p50 s':>7} {'p95 s':>7} {'ΔE px':>6} {'ΔE mean':>7} "
        f"{'face SSIM':>9} {'up subj':>7} {'up garm':>7} {'up plate':>8}"
    )
    print(header)
    for seed in range(3):
        request = campaign_request(subject, seed, width, height, args.quick)
        inputs = request.inputs
        brief = request.brief
        times, image = time_generate(engine, request, repeats)
        if seed == 0 and args.out is not None:
            args.out.write_bytes(pr.encode_png(image.pixels))
        delta_px, delta_mean, ssim = _invariants(subject, inputs, width, height)
        upscale = image.params["upscale"]
        print(
            f"{brief.prompt or '':22} {np.percentile(times, 50):7.3f} "
            f"{np.percentile(times, 95):7.3f} {delta_px:6.2f} {delta_mean:7.2f} {ssim:9.4f} "
            f"{upscale['subject']:7.2f} {upscale.get('garment', 0):7.2f} "
            f"{upscale.get('plate', 0):8.2f}"
        )
    if args.out is not None:
        print(f"image: {args.out}")


def campaign_request(
    subject: object, seed: int, width: int, height: int, quick: bool
) -> EngineRequest:
    """The engine request of look ``seed`` (its procedural garment and plate; smaller
    inputs in ``--quick`` mode). Also used by ``bench/generation.py``."""
    brief, inputs = campaign_brief(seed)
    if quick:
        inputs = _smaller(inputs, width, height)
    return EngineRequest(brief, subject, inputs, width, height, seed=seed)  # type: ignore[arg-type]


def time_generate(
    engine: CompositeEngine, request: EngineRequest, repeats: int
) -> tuple[list[float], EngineImage]:
    """Wall time of each of ``repeats`` calls of ``engine.generate`` (what this bench
    measures), and the last image."""
    times = []
    image = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        [image] = engine.generate(request)
        times.append(time.perf_counter() - t0)
    assert image is not None
    return times, image


def _smaller(inputs: dict[InputRole, bytes], width: int, height: int) -> dict[InputRole, bytes]:
    import cv2

    garment = decode_image(inputs[InputRole.garment], "garment")
    plate = decode_image(inputs[InputRole.plate], "plate")
    return {
        InputRole.garment: pr.encode_png(
            cv2.resize(garment, (512, 512), interpolation=cv2.INTER_AREA)
        ),
        InputRole.plate: pr.encode_png(
            cv2.resize(plate, (width, height), interpolation=cv2.INTER_AREA)
        ),
    }


def _invariants(
    subject: object, inputs: dict[InputRole, bytes], width: int, height: int
) -> tuple[float, float, float]:
    basis = subject.basis  # type: ignore[attr-defined]
    cut = gm.cut_out(decode_image(inputs[InputRole.garment], "garment"))
    neutral = compose(basis, Look(width, height, garment=cut, light=NEUTRAL))
    shown = neutral.garment_alpha > 0.99
    assert neutral.garment_reference is not None
    out = cp.to_display(neutral.image)[shown]
    ref = cp.to_display(np.ascontiguousarray(neutral.garment_reference))[shown]
    per_pixel = gm.mean_delta_e(out, ref)
    shot = cut.rgb[cut.alpha > 0.99].mean(axis=0).round().astype(np.uint8)[None]
    worn = out.mean(axis=0).round().astype(np.uint8)[None]
    of_means = gm.mean_delta_e(shot, worn)
    plate_u8 = decode_image(inputs[InputRole.plate], "plate")
    plate = cp.srgb_decode(plate_u8.astype(np.float32) / 255.0)
    lit = compose(
        basis, Look(width, height, plate=plate, garment=cut, light=estimate_plate_light(plate))
    )
    x, y, w, h = lit.face_box
    face = cp.to_display(lit.image)[y : y + h, x : x + w]
    relit = cp.to_display(lit.relit)[y : y + h, x : x + w]
    ssim = float(structural_similarity(face, relit, channel_axis=2, data_range=255))
    return per_pixel, of_means, ssim


if __name__ == "__main__":
    main()
