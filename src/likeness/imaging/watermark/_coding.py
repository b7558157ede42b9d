"""Channel coding of the 64-bit payload: a BCH(248, 64) code over GF(2^8), t = 29.

The 8 payload bytes are BCH-encoded into 31 bytes = 248 coded bits. The decoder
corrects up to 29 bit errors and reports failure beyond that, which is what lets
:func:`~likeness.imaging.watermark.detect` abstain. Before hard decoding, a Chase-II
search flips combinations of the least reliable bits, using the soft correlations the
detector measured; that recovers words with a few more than 29 errors.

False decoding: a random 248-bit word lies within distance 29 of one of the 2^64
codewords with probability at most ``2^64 · V(248, 29) / 2^248 ≈ 2^-58`` (see
docs/decisions/0004-watermark.md), so even thousands of decoding attempts per image
keep a false ID far below 1e-6.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import bchlib
import numpy as np
import numpy.typing as npt

PAYLOAD_BYTES = 8
PAYLOAD_BITS = PAYLOAD_BYTES * 8
BCH_M = 8
BCH_T = 29
#: bchlib needs 184 parity bits (23 bytes) for t = 29 in GF(2^8).
ECC_BYTES = 23
CODED_BYTES = PAYLOAD_BYTES + ECC_BYTES
CODED_BITS = CODED_BYTES * 8
#: Number of least-reliable bits a Chase-II decoder flips in every combination.
CHASE_BITS = 7

FloatArray = npt.NDArray[np.float64]
BitArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Decoded:
    payload: bytes
    #: Bit errors the decoder corrected (including the ones Chase flipped).
    errors: int


def _bch() -> bchlib.BCH:
    # A fresh codec per call: bchlib objects keep decoding state, and this library
    # promises no global mutable state.
    return bchlib.BCH(BCH_T, m=BCH_M)


def encode(payload: bytes) -> BitArray:
    """Return the 248 coded bits (0/1) of an 8-byte payload."""
    ecc = bytes(_bch().encode(payload))[:ECC_BYTES]
    return np.unpackbits(np.frombuffer(payload + ecc, dtype=np.uint8))


def decode(
    soft: FloatArray, *, flips: BitArray | None = None, chase_bits: int = CHASE_BITS
) -> Decoded | None:
    """Decode soft bit values (positive means 1) into a payload, or ``None``.

    ``flips`` marks bits to invert after the hard decision (the layout's scrambling).
    Tries the plain hard decision first, then flips every combination of the
    ``chase_bits`` least reliable positions, returning the candidate that corrects
    the fewest errors overall.
    """
    if soft.shape != (CODED_BITS,):
        raise ValueError(f"expected {CODED_BITS} soft bits, got shape {soft.shape}")
    hard = (soft > 0).astype(np.uint8)
    if flips is not None:
        # Undo keyed scrambling on hard bits, so an all-zero reading (a blank image)
        # becomes a random word rather than the all-zero codeword.
        hard ^= flips
    weakest = np.argsort(np.abs(soft))[:chase_bits]
    bch = _bch()
    best: Decoded | None = None
    for pattern in _flip_patterns(chase_bits):
        trial = hard.copy()
        trial[weakest[list(pattern)]] ^= 1
        found = _hard_decode(bch, trial)
        if found is None:
            continue
        errors = found.errors + len(pattern)
        if best is None or errors < best.errors:
            best = Decoded(found.payload, errors)
        if best.errors <= BCH_T // 2:
            break
    return best


def _flip_patterns(n: int) -> list[tuple[int, ...]]:
    patterns: list[tuple[int, ...]] = []
    for size in range(n + 1):
        patterns.extend(itertools.combinations(range(n), size))
    return patterns


def _hard_decode(bch: bchlib.BCH, bits: BitArray) -> Decoded | None:
    packed = np.packbits(bits).tobytes()
    data = bytearray(packed[:PAYLOAD_BYTES])
    # bchlib sizes its parity buffer as t bytes; only the first 184 bits are used.
    ecc = bytearray(packed[PAYLOAD_BYTES:]) + bytearray(bch_parity_slack(bch))
    nerr = bch.decode(data, ecc)
    if nerr < 0:
        return None
    bch.correct(data, ecc)
    return Decoded(bytes(data), nerr)


def bch_parity_slack(bch: bchlib.BCH) -> bytes:
    return bytes(len(bch.encode(bytes(PAYLOAD_BYTES))) - ECC_BYTES)


def false_decode_log2(*, attempts: int = 1) -> float:
    """log2 of the chance that random bits decode to some payload (the abstain bound)."""
    ball = sum(math.comb(CODED_BITS, i) for i in range(BCH_T + 1))
    per_try = math.log2(ball) + PAYLOAD_BITS - CODED_BITS
    return per_try + math.log2(attempts)
