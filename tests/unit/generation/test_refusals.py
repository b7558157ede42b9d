"""The generation refusal rules as pure checks: task, models' commercial use, processor,
input images, and the request schema's bounds."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from pydantic import ValidationError

from likeness.engines import InputRole, ModelUse, Task
from likeness.engines.memory import MemoryEngine
from likeness.generation.errors import (
    InvalidGenerationRequest,
    ModelNotLicensed,
    ProcessorNotAllowed,
    TaskNotSupported,
)
from likeness.generation.schemas import GenerationCreate
from likeness.generation.service import check_inputs, decode_inputs, refusal_for_engine

NC = ModelUse("flux-dev", "cd" * 32, "flux-1-dev-non-commercial", commercial_use=False)
OK = ModelUse("sdxl-base", "ef" * 32, "openrail++", commercial_use=True)


def _png(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_an_engine_that_can_do_the_task_with_commercial_models_and_no_processor_passes() -> None:
    refusal_for_engine(MemoryEngine(models=(OK,)), Task.tryon, frozenset(), False)


def test_a_task_the_engine_does_not_do_is_refused() -> None:
    engine = MemoryEngine(tasks=frozenset({Task.tryon, Task.pose}))
    with pytest.raises(TaskNotSupported, match=r"cannot do 'scene' \(it does: pose, tryon\)"):
        refusal_for_engine(engine, Task.scene, frozenset(), False)


def test_a_non_commercial_model_is_refused_unless_the_operator_opted_in() -> None:
    engine = MemoryEngine(models=(OK, NC))
    with pytest.raises(ModelNotLicensed, match="flux-dev") as refused:
        refusal_for_engine(engine, Task.tryon, frozenset(), False)
    assert refused.value.status_code == 403
    refusal_for_engine(engine, Task.tryon, frozenset(), True)


@pytest.mark.parametrize("listed", [frozenset(), frozenset({"acme"})])
def test_a_processor_the_terms_do_not_name_is_refused_by_name(listed: frozenset[str]) -> None:
    engine = MemoryEngine(processor="fashn")
    with pytest.raises(ProcessorNotAllowed, match="'fashn'") as refused:
        refusal_for_engine(engine, Task.tryon, listed, True)
    assert refused.value.status_code == 403
    refusal_for_engine(engine, Task.tryon, listed | {"fashn"}, True)


def test_the_task_is_checked_before_the_models_and_the_processor() -> None:
    engine = MemoryEngine(tasks=frozenset({Task.tryon}), models=(NC,), processor="fashn")
    with pytest.raises(TaskNotSupported):
        refusal_for_engine(engine, Task.scene, frozenset(), False)


def test_inputs_must_be_readable_png_jpeg_or_webp() -> None:
    digests = check_inputs({InputRole.garment: _png(), InputRole.plate: _png("JPEG")})
    assert set(digests) == {InputRole.garment, InputRole.plate}
    assert all(len(d) == 64 for d in digests.values())
    with pytest.raises(InvalidGenerationRequest, match="not a readable image"):
        check_inputs({InputRole.garment: b"GIF89a nonsense"})
    with pytest.raises(InvalidGenerationRequest, match="PNG, JPEG or WebP, not GIF"):
        check_inputs({InputRole.garment: _png("GIF")})
    with pytest.raises(InvalidGenerationRequest, match="1 byte"):
        check_inputs({InputRole.garment: b""})


def test_inputs_arrive_as_base64() -> None:
    data = _png()
    assert decode_inputs({InputRole.plate: base64.b64encode(data).decode()}) == {
        InputRole.plate: data
    }
    with pytest.raises(InvalidGenerationRequest, match="not valid base64"):
        decode_inputs({InputRole.plate: "***"})


@pytest.mark.parametrize(
    "changes",
    [{"width": 8}, {"height": 5000}, {"count": 0}, {"count": 9}, {"seed": -1}, {"task": "dance"}],
)
def test_size_count_seed_and_task_are_bounded(changes: dict[str, object]) -> None:
    base: dict[str, object] = {
        "license_id": "l",
        "twin_id": "t",
        "use": {"channel": "web", "category": "fashion"},
        "engine": "memory",
        "task": "tryon",
        "width": 64,
        "height": 64,
    }
    GenerationCreate.model_validate(base)
    with pytest.raises(ValidationError):
        GenerationCreate.model_validate({**base, **changes})
