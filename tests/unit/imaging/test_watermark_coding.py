"""Payload coding: BCH round trips, error correction, and abstention on noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.imaging.watermark import _coding, _detect, _pattern
from likeness.imaging.watermark._keys import keyed_rng

payloads = st.binary(min_size=8, max_size=8)


def _soft(bits: np.ndarray) -> np.ndarray:
    return bits.astype(np.float64) * 2 - 1


@settings(max_examples=40, deadline=None)
@given(payloads)
def test_any_payload_round_trips_through_the_code(payload: bytes) -> None:
    coded = _coding.encode(payload)
    assert coded.shape == (_coding.CODED_BITS,)
    decoded = _coding.decode(_soft(coded))
    assert decoded is not None
    assert (decoded.payload, decoded.errors) == (payload, 0)


@settings(max_examples=40, deadline=None)
@given(payloads, st.integers(0, _coding.BCH_T), st.integers(0, 2**32 - 1))
def test_up_to_t_hard_errors_are_corrected(payload: bytes, errors: int, seed: int) -> None:
    soft = _soft(_coding.encode(payload))
    flipped = np.random.default_rng(seed).choice(soft.size, errors, replace=False)
    soft[flipped] *= -1
    decoded = _coding.decode(soft)
    assert decoded is not None
    assert decoded.payload == payload
    assert decoded.errors == errors


@settings(max_examples=25, deadline=None)
@given(payloads, st.integers(0, 2**32 - 1))
def test_chase_decoding_recovers_a_few_errors_beyond_t_when_they_are_weak(
    payload: bytes, seed: int
) -> None:
    soft = _soft(_coding.encode(payload)) * 3.0
    rng = np.random.default_rng(seed)
    strong_errors = rng.choice(soft.size, _coding.BCH_T, replace=False)
    rest = np.setdiff1d(np.arange(soft.size), strong_errors)
    weak_errors = rng.choice(rest, 3, replace=False)
    soft[strong_errors] *= -1
    soft[weak_errors] *= -0.05  # wrong, but the least reliable bits
    decoded = _coding.decode(soft)
    assert decoded is not None
    assert decoded.payload == payload


def _weak_errors(payload: bytes, errors: int, seed: int) -> np.ndarray:
    """Soft values with ``errors`` wrong bits, all among the 150 least reliable ones."""
    rng = np.random.default_rng(seed)
    soft = _soft(_coding.encode(payload)) * rng.uniform(2.0, 4.0, _coding.CODED_BITS)
    weak = rng.choice(soft.size, 150, replace=False)
    soft[weak] = np.sign(soft[weak]) * rng.uniform(0.05, 1.0, weak.size)
    soft[weak[:errors]] *= -1
    return soft


@settings(max_examples=10, deadline=None)
@given(payloads, st.integers(0, 2**32 - 1))
def test_ordered_statistics_decoding_recovers_words_bch_cannot(payload: bytes, seed: int) -> None:
    soft = _weak_errors(payload, 40, seed)
    decoded = _coding.decode(soft)
    assert decoded is not None
    assert decoded.payload == payload
    assert decoded.errors == 40


def test_ordered_statistics_decoding_stops_at_its_radius() -> None:
    soft = _weak_errors(bytes(range(8)), _coding.OSD_MAX_ERRORS + 6, 1)
    assert _coding.decode(soft) is None


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_soft_values_do_not_decode(seed: int) -> None:
    noise = np.random.default_rng(seed).standard_normal(_coding.CODED_BITS)
    assert _coding.decode(noise) is None


def test_a_blank_reading_does_not_decode_once_scrambled() -> None:
    blank = np.zeros(_coding.CODED_BITS)
    assert _coding.decode(blank) is not None  # the all-zero codeword: why we scramble
    flips = _pattern.flips(_pattern.layout_for(b"k" * 32))
    assert _coding.decode(blank, flips=flips) is None


def test_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="248 soft bits"):
        _coding.decode(np.zeros(10))


def test_false_decoding_bound_is_far_below_one_in_a_million() -> None:
    # 2^64 * V(248, 29) / 2^248 per attempt; even 10^4 attempts stay below 2^-40.
    assert _coding.false_decode_log2() < -58
    assert _coding.false_decode_log2(attempts=10_000) < -40


def test_ordered_statistics_false_decoding_bound() -> None:
    # 2,081 candidates, each P(Binomial(184, 1/2) <= 42): about 7e-11 per attempt, and
    # about 3.2e-9 for the 46 decoding attempts one detection makes at most.
    assert _coding.osd_false_decode_log2() < -33.5
    # Decisions 0029 and 0030: 8 denoised reads, and up to 12 more attempts for a
    # picture whose frame shows a keystone; 0029's rectangular comb (aspect changes):
    # 1 more lattice candidate. 46 in all.
    assert _detect.MAX_ATTEMPTS == 46
    assert 2 ** _coding.osd_false_decode_log2(attempts=_detect.MAX_ATTEMPTS) < 3.3e-9


@settings(max_examples=20, deadline=None)
@given(payloads, st.binary(min_size=16, max_size=32))
def test_chip_layout_reads_back_the_coded_bits(payload: bytes, key: bytes) -> None:
    layout = _pattern.layout_for(key)
    coded = _coding.encode(payload)
    chips = _pattern.chip_tile(layout, coded)
    soft = _pattern.soft_bits(layout, chips)
    assert np.array_equal((soft > 0) ^ _pattern.flips(layout), coded)
    assert np.all(np.abs(soft) == _pattern.CHIPS_PER_BIT)
    decoded = _coding.decode(soft, flips=_pattern.flips(layout))
    assert decoded is not None and decoded.payload == payload
    assert np.count_nonzero(layout.sync) == 64 * 64 - _pattern.PAYLOAD_CHIPS


def test_keyed_streams_depend_on_key_and_label() -> None:
    a = keyed_rng(b"k" * 32, "one").integers(0, 2**32, 4)
    assert np.array_equal(a, keyed_rng(b"k" * 32, "one").integers(0, 2**32, 4))
    assert not np.array_equal(a, keyed_rng(b"j" * 32, "one").integers(0, 2**32, 4))
    assert not np.array_equal(a, keyed_rng(b"k" * 32, "two").integers(0, 2**32, 4))


# Reference paths: the decoder as it was before its bit-packed OSD and syndrome-screened
# Chase loop (the same algorithm, plainly written), which the fast paths must match.


def _reference_osd(soft: np.ndarray, hard: np.ndarray) -> _coding.Decoded | None:
    order = np.argsort(-np.abs(soft), kind="stable")
    matrix = _coding._generator()[:, order].astype(bool)
    pivots: list[int] = []
    row = 0
    for column in range(_coding.CODED_BITS):
        if row == _coding.PAYLOAD_BITS:
            break
        below = np.flatnonzero(matrix[row:, column])
        if below.size == 0:
            continue
        pivot = row + int(below[0])
        matrix[[row, pivot]] = matrix[[pivot, row]]
        others = matrix[:, column].copy()
        others[row] = False
        matrix[others] ^= matrix[row]
        pivots.append(column)
        row += 1
    received = hard[order]
    info = received[pivots].astype(np.float32)
    candidates = np.abs(info[None, :] - _coding._osd_patterns())
    words = (candidates @ matrix.astype(np.float32)).astype(np.int64) & 1
    distances = np.count_nonzero(words != received[None, :], axis=1)
    best = int(np.argmin(distances))
    if distances[best] > _coding.OSD_MAX_ERRORS:
        return None
    word = np.empty(_coding.CODED_BITS, dtype=np.uint8)
    word[order] = words[best]
    return _coding.Decoded(
        np.packbits(word[: _coding.PAYLOAD_BITS]).tobytes(), int(distances[best])
    )


def _reference_decode(
    soft: np.ndarray, flips: np.ndarray | None, *, ordered_statistics: bool
) -> _coding.Decoded | None:
    hard = (soft > 0).astype(np.uint8)
    if flips is not None:
        hard ^= flips
    weakest = np.argsort(np.abs(soft))[: _coding.CHASE_BITS]
    bch = _coding._bch()
    best: _coding.Decoded | None = None
    for pattern in _coding._flip_patterns(_coding.CHASE_BITS):
        trial = hard.copy()
        trial[weakest[list(pattern)]] ^= 1
        found = _coding._hard_decode(bch, np.packbits(trial).tobytes())
        if found is None:
            continue
        errors = found.errors + len(pattern)
        if best is None or errors < best.errors:
            best = _coding.Decoded(found.payload, errors)
        if best.errors <= _coding.BCH_T // 2:
            break
    if best is None and ordered_statistics:
        return _reference_osd(soft, hard)
    return best


@pytest.mark.parametrize("noise", [0.3, 0.45, 0.55, 1.0, 4.0])
def test_fast_decoding_equals_the_reference_decoder(noise: float) -> None:
    # From clean words (BCH decodes) through OSD-only ones to noise (nothing decodes),
    # scrambled or not: the same payload and error count, or None, every time.
    rng = np.random.default_rng(int(noise * 100))
    outcomes = set()
    rescued = 0  # words only ordered-statistics decoding decoded
    for trial in range(12):
        soft = _soft(_coding.encode(rng.bytes(8))) * rng.uniform(0.1, 1, _coding.CODED_BITS)
        soft = soft + rng.normal(0, noise, _coding.CODED_BITS)
        flips = None
        if trial % 2:
            flips = rng.integers(0, 2, _coding.CODED_BITS).astype(np.uint8)
            soft = np.where(flips == 1, -soft, soft)
        hard = (soft > 0).astype(np.uint8) ^ (0 if flips is None else flips)
        assert _coding._osd(soft, hard) == _reference_osd(soft, hard)
        for osd in (True, False):
            fast = _coding.decode(soft, flips=flips, ordered_statistics=osd)
            assert fast == _reference_decode(soft, flips, ordered_statistics=osd)
            outcomes.add(fast is None)
        plain = _coding.decode(soft, flips=flips, ordered_statistics=False)
        rescued += plain is None and _coding._osd(soft, hard) is not None
    if noise < 0.5:
        assert False in outcomes  # words that decode were compared, not only failures
    if 0.4 < noise < 0.6:
        assert rescued > 0
    if noise > 3.0:
        assert True in outcomes
