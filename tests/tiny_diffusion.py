"""A tiny, randomly initialised Stable Diffusion pipeline, built from config objects.

Nothing is downloaded: the tokenizer's vocabulary (every byte, as CLIP's byte-level BPE
spells it, plus its two special tokens) and an empty merge list are written here, and
every model is a few kilobytes of random weights. Images it makes are noise, but they go
through every step a real SD 1.x pipeline does (tokenizer, text encoder, VAE encoder,
UNet, ControlNet, scheduler, VAE decoder), which is what the engine's tests need.

The builders need the ``diffusers`` extra; :func:`require_extra` skips a test module
without it, except in CI (``CI`` set), where a missing extra is an error.
:func:`fake_lora` needs nothing: a LoRA-shaped safetensors file for the twin's tests.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest


def require_extra() -> ModuleType:
    """``diffusers``, or a skip (a failure in CI, which installs the extra)."""
    if os.environ.get("CI"):
        import diffusers  # CI installs likeness[diffusers]: a missing extra must fail

        return diffusers
    return pytest.importorskip("diffusers", reason="needs the diffusers extra")


def _byte_chars() -> list[str]:
    """GPT-2/CLIP's byte → printable character table."""
    kept = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = kept[:]
    extra = 0
    for b in range(256):
        if b not in kept:
            kept.append(b)
            chars.append(256 + extra)
            extra += 1
    return [chr(c) for c in chars]


def write_tokenizer_files(folder: Path) -> tuple[Path, Path]:
    """vocab.json and merges.txt of a byte-level CLIP tokenizer without merges."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for ch in _byte_chars():
            vocab[ch + suffix] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return folder / "vocab.json", folder / "merges.txt"


def build_pipeline(
    folder: Path, *, controlnet: bool = True, xl: bool = False, seed: int = 0
) -> Path:
    """Save a tiny SD 1.x pipeline (``xl``: SDXL, with its two text encoders and
    micro-conditioning) and a tiny ControlNet in ``controlnet/`` to ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        DDIMScheduler,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
    )

    vocab, merges = write_tokenizer_files(folder.parent / f"{folder.name}-tokenizer-src")
    tokenizer = CLIPTokenizer(vocab_file=str(vocab), merges_file=str(merges), model_max_length=32)
    torch.manual_seed(seed)
    blocks: dict[str, Any] = {
        "block_out_channels": (4, 8),
        "layers_per_block": 1,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "cross_attention_dim": 8,
        "norm_num_groups": 2,
        "attention_head_dim": 2,
    }
    if xl:
        # SDXL: the two encoders' hidden states side by side (8 + 8), and the pooled
        # text embedding (8) with six micro-conditioning numbers (6 × 4) as extra input.
        blocks.update(
            cross_attention_dim=16,
            addition_embed_type="text_time",
            addition_time_embed_dim=4,
            projection_class_embeddings_input_dim=6 * 4 + 8,
            use_linear_projection=True,
        )
    unet = UNet2DConditionModel(
        sample_size=32,
        in_channels=4,
        out_channels=4,
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        **blocks,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        norm_num_groups=2,
    )
    text_config = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=8,
        intermediate_size=16,
        num_attention_heads=2,
        num_hidden_layers=1,
        vocab_size=len(json.loads(vocab.read_text(encoding="utf-8"))),
        max_position_embeddings=32,
        projection_dim=8,
    )
    text_encoder = CLIPTextModel(text_config)
    pipe: Any
    if xl:
        pipe = StableDiffusionXLPipeline(
            unet=unet,
            vae=vae,
            text_encoder=text_encoder,
            text_encoder_2=CLIPTextModelWithProjection(text_config),
            tokenizer=tokenizer,
            tokenizer_2=tokenizer,
            scheduler=EulerDiscreteScheduler(
                beta_start=0.00085,
                beta_end=0.012,
                beta_schedule="scaled_linear",
                steps_offset=1,
                timestep_spacing="leading",
            ),
        )
    else:
        pipe = StableDiffusionPipeline(
            unet=unet,
            vae=vae,
            text_encoder=text_encoder,
            tokenizer=tokenizer,
            scheduler=DDIMScheduler(
                beta_start=0.00085,
                beta_end=0.012,
                beta_schedule="scaled_linear",
                clip_sample=False,
                set_alpha_to_one=False,
                steps_offset=1,
            ),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    pipe.save_pretrained(str(folder), safe_serialization=True)
    if controlnet:
        net = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(4, 8), **blocks)
        # A fresh ControlNet's output convolutions start at zero (it changes nothing until
        # trained): give them weights, so the skeleton visibly steers the image.
        with torch.no_grad():
            for name, param in net.named_parameters():
                if name.startswith(("controlnet_down_blocks", "controlnet_mid_block")) or (
                    "conv_out" in name
                ):
                    param.normal_(0.0, 0.5)
        net.save_pretrained(str(folder / "controlnet"), safe_serialization=True)
    return folder


def build_lora(folder: Path, *, seed: int = 1) -> bytes:
    """A random rank-2 LoRA for the tiny pipeline's UNet attention, as the safetensors
    bytes diffusers' training scripts write (``pytorch_lora_weights.safetensors``)."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(str(folder / "unet"), local_files_only=True)
    torch.manual_seed(seed)
    unet.add_adapter(
        LoraConfig(
            r=2,
            lora_alpha=2,
            target_modules=["to_q", "to_k", "to_v", "to_out.0"],
            init_lora_weights=False,
        )
    )
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    out = folder.parent / f"{folder.name}-lora"
    StableDiffusionPipeline.save_lora_weights(str(out), unet_lora_layers=layers)
    return (out / "pytorch_lora_weights.safetensors").read_bytes()


def fake_lora(seed: int = 0, *, name: str = "unet.down.0.attn1.to_q.lora.down.weight") -> bytes:
    """A small safetensors file with LoRA-named tensors (no torch needed to write one)."""
    rng = np.random.default_rng(seed)
    tensors = {
        name: rng.random((2, 4), np.float32),
        name.replace("down", "up"): rng.random((4, 2), np.float32),
    }
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    body = b""
    for key, array in tensors.items():
        data = array.tobytes()
        header[key] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [len(body), len(body) + len(data)],
        }
        body += data
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body
