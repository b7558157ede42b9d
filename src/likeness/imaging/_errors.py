"""The error base every imaging library shares.

Each library (``watermark``, ``relight``, ``compose``, ``faces``) keeps its own tree, and
its ``InvalidImage`` also derives from :class:`InvalidImage` here, so a caller that feeds
pictures to several libraries can catch one exception for "this is not a usable image".
"""

from __future__ import annotations

from PIL import Image, UnidentifiedImageError

from likeness.errors import LikenessError

#: What Pillow may raise while opening or decoding an untrusted file (a truncated or
#: malformed stream, an unknown format, a decompression bomb), for callers that turn
#: any of them into their own "not a usable image" error.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


class ImagingError(LikenessError, status=422):
    """Base of every imaging error: bad input the caller can fix."""


class InvalidImage(ImagingError):
    """An array is not an image the library can use (shape, dtype, values, size)."""
