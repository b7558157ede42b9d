"""Pure imaging libraries: arrays in, arrays out, no database.

Every library's ``InvalidImage`` derives from :class:`likeness.imaging.InvalidImage`.
"""

from likeness.imaging._errors import DECODE_ERRORS, ImagingError, InvalidImage

__all__ = ["DECODE_ERRORS", "ImagingError", "InvalidImage"]
