"""The keyed tile: a 64×64 grid of ±1 chips that repeats over the whole image.

Chip roles are drawn from the key: 3,472 chips carry the 248 coded bits (14 chips
each, scattered over the tile), the other 624 form a fixed *sync* pattern that the
detector uses to find the tile's offset and orientation. Every chip also has a keyed
pseudo-random sign, so the tile looks like white noise whatever the payload.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark._arrays import Float32, IntArray
from likeness.imaging.watermark._coding import CODED_BITS
from likeness.imaging.watermark._keys import keyed_rng

TILE_CHIPS = 64
CHIPS_PER_BIT = 14
PAYLOAD_CHIPS = CODED_BITS * CHIPS_PER_BIT


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every chip goes, derived from the key alone."""

    #: ±1 sign of every chip, shape (64, 64).
    signs: Float32
    #: Coded-bit index of every chip, -1 for sync chips, shape (64, 64).
    bit_of_chip: IntArray
    #: Keyed ±1 scrambling of the coded bits, shape (248,). Without it a blank image
    #: (all soft values 0, read as all-zero bits) would decode to the all-zero codeword.
    scramble: Float32

    @property
    def sync(self) -> Float32:
        """The sync template: chip signs on sync chips, 0 on payload chips."""
        return np.where(self.bit_of_chip < 0, self.signs, 0).astype(np.float32)


def layout_for(key: bytes) -> Layout:
    rng = keyed_rng(key, "likeness.watermark.layout.v1")
    chips = TILE_CHIPS * TILE_CHIPS
    order = rng.permutation(chips)
    bit_of_chip = np.full(chips, -1, dtype=np.int64)
    bit_of_chip[order[:PAYLOAD_CHIPS]] = np.arange(PAYLOAD_CHIPS) % CODED_BITS
    signs = rng.integers(0, 2, size=chips).astype(np.float32) * 2 - 1
    scramble = rng.integers(0, 2, size=CODED_BITS).astype(np.float32) * 2 - 1
    return Layout(
        signs=signs.reshape(TILE_CHIPS, TILE_CHIPS),
        bit_of_chip=bit_of_chip.reshape(TILE_CHIPS, TILE_CHIPS),
        scramble=scramble,
    )


def chip_tile(layout: Layout, coded_bits: npt.NDArray[np.uint8]) -> Float32:
    """The ±1 chip tile that carries ``coded_bits`` (0/1) under this layout."""
    bit_signs = (coded_bits.astype(np.float32) * 2 - 1) * layout.scramble
    modulation = np.where(layout.bit_of_chip < 0, 1.0, bit_signs[layout.bit_of_chip])
    return (layout.signs * modulation).astype(np.float32)


def channel_signs(layout: Layout, coded_bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """The ±1 each coded bit is sent as (its value, scrambled)."""
    return (coded_bits.astype(np.float64) * 2 - 1) * layout.scramble


def flips(layout: Layout) -> npt.NDArray[np.uint8]:
    """Which received bits to invert before decoding (undoes the scrambling)."""
    return (layout.scramble < 0).astype(np.uint8)


def soft_bits(layout: Layout, chips: Float32) -> npt.NDArray[np.float64]:
    """Correlate measured chip values with the layout: one soft value per sent bit.

    Positive means the channel carried +1; pass :func:`flips` to the decoder.
    """
    mask = layout.bit_of_chip >= 0
    weighted = (chips * layout.signs)[mask].astype(np.float64)
    sums = np.bincount(layout.bit_of_chip[mask], weights=weighted, minlength=CODED_BITS)
    return np.asarray(sums, dtype=np.float64)
