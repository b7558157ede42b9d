"""A case's evidence lines say where in the picture the watermark was read."""

from __future__ import annotations

from likeness.monitoring import service

MARK = "ab" * 8


def test_the_watermark_line_says_where_the_mark_was_read() -> None:
    evidence = {"watermark": {"asset_id": MARK, "confidence": 0.97, "box": [10, 20, 330, 340]}}
    lines = service.evidence_lines(evidence)
    assert f"Likeness watermark: asset {MARK} (read at pixels 10,20 to 330,340)" in lines


def test_evidence_without_a_box_keeps_the_plain_line() -> None:
    # Cases recorded before boxes existed, and reads that report none.
    for watermark in ({"asset_id": MARK, "confidence": 0.9}, {"asset_id": MARK, "box": None}):
        lines = service.evidence_lines({"watermark": watermark})
        assert f"Likeness watermark: asset {MARK}" in lines
    assert not any("watermark" in line for line in service.evidence_lines({"watermark": None}))
