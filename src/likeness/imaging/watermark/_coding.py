"""Channel coding of the 64-bit payload: a BCH(248, 64) code over GF(2^8), t = 29.

The 8 payload bytes are BCH-encoded into 31 bytes = 248 coded bits. The decoder
corrects up to 29 bit errors and reports failure beyond that, which is what lets
:func:`~likeness.imaging.watermark.detect` abstain. Before hard decoding, a Chase-II
search flips combinations of the least reliable bits, using the soft correlations the
detector measured; that recovers words with a few more than 29 errors. When both fail,
ordered-statistics decoding (order 2) re-encodes the 64 most reliable bits and accepts
the nearest code word within 42 errors.

False decoding: a random 248-bit word lies within distance 29 of one of the 2^64
codewords with probability at most ``2^64 · V(248, 29) / 2^248 ≈ 2^-58``, and one of
the 2,081 OSD candidates lands within 42 of it with probability at most
``2081 · P(Binomial(184, 1/2) <= 42) ≈ 2^-33.7`` (see docs/decisions/0004-watermark.md),
so the 33 decoding attempts of one detection keep a false ID under 2.5e-9.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import bchlib
import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark._arrays import BitArray, Float64

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
#: Ordered-statistics decoding (order 2) accepts a code word at most this far from the
#: received bits; see :func:`osd_false_decode_log2` for what that costs in false IDs.
OSD_MAX_ERRORS = 42
OSD_ORDER = 2


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
    soft: Float64,
    *,
    flips: BitArray | None = None,
    chase_bits: int = CHASE_BITS,
    ordered_statistics: bool = True,
) -> Decoded | None:
    """Decode soft bit values (positive means 1) into a payload, or ``None``.

    ``flips`` marks bits to invert after the hard decision (the layout's scrambling).
    Tries the plain hard decision first, then flips every combination of the
    ``chase_bits`` least reliable positions, returning the candidate that corrects
    the fewest errors overall; if none decodes, ordered-statistics decoding follows
    (unless ``ordered_statistics`` is false: it costs about 2 ms).
    """
    if soft.shape != (CODED_BITS,):
        raise ValueError(f"expected {CODED_BITS} soft bits, got shape {soft.shape}")
    hard = (soft > 0).astype(np.uint8)
    if flips is not None:
        # Undo keyed scrambling on hard bits, so an all-zero reading (a blank image)
        # becomes a random word rather than the all-zero codeword.
        hard ^= flips
    weakest = np.argsort(np.abs(soft))[:chase_bits]
    # Every trial word at once: one packing for all, then only the decoder in the loop.
    trials = np.repeat(hard[None, :], 1 << chase_bits, axis=0)
    trials[:, weakest] ^= _flip_masks(chase_bits)
    packed = np.packbits(trials, axis=1)
    bch = _bch()
    best: Decoded | None = None
    for pattern, word in zip(_flip_patterns(chase_bits), packed, strict=True):
        found = _hard_decode(bch, word.tobytes())
        if found is None:
            continue
        errors = found.errors + len(pattern)
        if best is None or errors < best.errors:
            best = Decoded(found.payload, errors)
        if best.errors <= BCH_T // 2:
            break
    if best is None and ordered_statistics:
        return _osd(soft, hard)
    return best


@functools.cache
def _generator() -> BitArray:
    """The code's 64×248 generator matrix (rows: code words of the unit payloads)."""
    rows = []
    for bit in range(PAYLOAD_BITS):
        unit = np.zeros(PAYLOAD_BITS, dtype=np.uint8)
        unit[bit] = 1
        rows.append(encode(np.packbits(unit).tobytes()))
    matrix = np.array(rows, dtype=np.uint8)
    matrix.flags.writeable = False
    return matrix


def _osd_patterns() -> npt.NDArray[np.float32]:
    """Flip patterns of order-2 OSD over the 64 information positions (2,081 rows)."""
    patterns = [np.zeros(PAYLOAD_BITS, dtype=np.float32)]
    for size in range(1, OSD_ORDER + 1):
        for combo in itertools.combinations(range(PAYLOAD_BITS), size):
            row = np.zeros(PAYLOAD_BITS, dtype=np.float32)
            row[list(combo)] = 1
            patterns.append(row)
    return np.array(patterns)


def _osd(soft: Float64, hard: BitArray) -> Decoded | None:
    """Ordered-statistics decoding (Fossorier and Lin 1995) for words BCH cannot fix.

    The 64 most reliable independent positions are taken as right (or with up to two
    of them flipped), re-encoded into full code words, and the code word closest to the
    received bits is accepted if it is within ``OSD_MAX_ERRORS`` of them.
    """
    order = np.argsort(-np.abs(soft), kind="stable")
    # Rows bit-packed (bit c of word c // 64 is column c of the reordered matrix), so
    # the elimination and the 2,081 candidates' distances are word-wide XORs and bit
    # counts. The reduced row echelon form, and with it every candidate, is unique.
    rows = _pack_bits(_generator()[:, order])
    pivots: list[int] = []
    row = 0
    for column in range(CODED_BITS):
        if row == PAYLOAD_BITS:
            break
        chunk, shift = divmod(column, 64)
        bits = (rows[:, chunk] >> np.uint64(shift)) & np.uint64(1)
        below = np.flatnonzero(bits[row:])
        if below.size == 0:
            continue
        pivot = row + int(below[0])
        rows[[row, pivot]] = rows[[pivot, row]]
        # Rows with this column set once the two are swapped, the pivot row excepted.
        others = bits.astype(bool)
        others[pivot] = bool(bits[row])
        others[row] = False
        rows[others] ^= rows[row]
        pivots.append(column)
        row += 1
    received = hard[order]
    info = received[pivots].astype(bool)
    # Candidate 0 re-encodes the information bits as received; the others flip one or
    # two of them, i.e. add those rows (the order of _OSD_PATTERNS).
    base = np.bitwise_xor.reduce(rows[info], axis=0)
    diff = base ^ _pack_bits(received[None, :])[0]
    first, second = _osd_pairs()
    candidates = np.concatenate(
        [diff[None, :], diff[None, :] ^ rows, diff[None, :] ^ rows[first] ^ rows[second]]
    )
    distances = np.bitwise_count(candidates).sum(axis=1, dtype=np.int64)
    best = int(np.argmin(distances))
    if distances[best] > OSD_MAX_ERRORS:
        return None
    # The best code word (reordered): received bits XOR its difference from them.
    flips = np.unpackbits(candidates[best].view(np.uint8), bitorder="little")[:CODED_BITS]
    word = np.empty(CODED_BITS, dtype=np.uint8)
    word[order] = received ^ flips
    return Decoded(np.packbits(word[:PAYLOAD_BITS]).tobytes(), int(distances[best]))


def _pack_bits(bits: BitArray) -> npt.NDArray[np.uint64]:
    """Rows of 248 bits as 4 little-endian 64-bit words each (bit c in word c // 64)."""
    padded = np.zeros((bits.shape[0], 256), dtype=np.uint8)
    padded[:, : bits.shape[1]] = bits
    packed = np.packbits(padded, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


@functools.cache
def _osd_pairs() -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The two flipped positions of each order-2 pattern, in :func:`_osd_patterns`' order."""
    pairs = np.array(list(itertools.combinations(range(PAYLOAD_BITS), 2)), dtype=np.intp)
    first, second = pairs[:, 0].copy(), pairs[:, 1].copy()
    first.flags.writeable = False
    second.flags.writeable = False
    return first, second


@functools.cache
def _flip_patterns(n: int) -> tuple[tuple[int, ...], ...]:
    """Every subset of ``n`` positions, fewest flips first (Chase-II's order)."""
    patterns: list[tuple[int, ...]] = []
    for size in range(n + 1):
        patterns.extend(itertools.combinations(range(n), size))
    return tuple(patterns)


@functools.cache
def _flip_masks(n: int) -> BitArray:
    """:func:`_flip_patterns` as 0/1 rows over the ``n`` positions."""
    masks = np.zeros((1 << n, n), dtype=np.uint8)
    for row, pattern in enumerate(_flip_patterns(n)):
        masks[row, list(pattern)] = 1
    masks.flags.writeable = False
    return masks


def _hard_decode(bch: bchlib.BCH, packed: bytes) -> Decoded | None:
    """BCH-decode one packed 31-byte word, or ``None`` beyond its 29 errors."""
    data = bytearray(packed[:PAYLOAD_BYTES])
    # bchlib sizes its parity buffer as t bytes; only the first 184 bits are used.
    ecc = bytearray(packed[PAYLOAD_BYTES:]) + bytearray(_parity_slack())
    nerr = bch.decode(data, ecc)
    if nerr < 0:
        return None
    bch.correct(data, ecc)
    return Decoded(bytes(data), nerr)


@functools.cache
def _parity_slack() -> bytes:
    """Zero bytes that pad our 23 parity bytes to the t bytes bchlib's buffer holds."""
    return bytes(len(_bch().encode(bytes(PAYLOAD_BYTES))) - ECC_BYTES)


_OSD_PATTERNS = _osd_patterns()


def osd_false_decode_log2(*, attempts: int = 1) -> float:
    """log2 of the chance that OSD accepts some code word for random bits.

    Every OSD candidate agrees with the received bits on the information positions
    except its flips; on the other 184 positions a uniformly random word disagrees
    with it in Binomial(184, 1/2) places, so each candidate passes with probability at
    most P(Binomial(184, 1/2) <= OSD_MAX_ERRORS), and the union bound adds them up.
    """
    rest = CODED_BITS - PAYLOAD_BITS
    tail = sum(math.comb(rest, i) for i in range(OSD_MAX_ERRORS + 1))
    per_try = math.log2(len(_OSD_PATTERNS)) + math.log2(tail) - rest
    return per_try + math.log2(attempts)


def false_decode_log2(*, attempts: int = 1) -> float:
    """log2 of the chance that random bits decode to some payload (the abstain bound)."""
    ball = sum(math.comb(CODED_BITS, i) for i in range(BCH_T + 1))
    per_try = math.log2(ball) + PAYLOAD_BITS - CODED_BITS
    return per_try + math.log2(attempts)
