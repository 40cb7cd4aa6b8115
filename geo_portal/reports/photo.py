"""Checking and cleaning a citizen's photo before it is stored; called by ``services.create_report``.

The type is decided by the decoded content only (JPEG, PNG or HEIC/HEIF), never by the file name or the declared
content type. Every photo is decoded and re-encoded, so nothing but pixels survives: EXIF (camera, time, GPS),
XMP and comments are dropped, except the GPS block when the reporter opts in. HEIC becomes JPEG because browsers
cannot show HEIC.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from PIL import Image, ImageFile

JPEG_QUALITY = 90
# Bytes Pillow holds per pixel by decoded mode (RGB is stored in 4 bytes). Unknown modes count as 8.
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "LA": 4, "PA": 4, "RGB": 4, "RGBA": 4}
# The decoded image plus one working copy (orientation applied, or converted to RGB for JPEG): 4 bytes a pixel.
COPY_BYTES_PER_PIXEL = 4
# EXIF GPS tags kept on opt-in: latitude ref and value, longitude ref and value. Nothing else (time, altitude,
# direction) is needed to place a plate.
GPS_TAGS = (1, 2, 3, 4)


@cache
def _register_heif() -> None:
    """Pillow's HEIC/HEIF decoder, registered before the first photo is decoded. Pillow and pillow_heif are imported
    by the functions that decode, not with this module: the admin, the report views and services load it in every
    web, worker and command process, and the two libraries cost ~0.1 s of each process's start-up."""
    import pillow_heif

    pillow_heif.register_heif_opener()


# Decoded format → (saved format, file extension). Only these decoders are ever tried on an upload.
OUTPUT = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "HEIF": ("JPEG", "jpg")}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class PhotoRejected(ValueError):
    """The upload is not a photo we store; the message says why, for the reporter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    extension: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def photo_gps(handle: IO[bytes]) -> tuple[float, float] | None:
    """The (lat, lon) of a stored photo's EXIF GPS block (kept only when the reporter opted in); None without one."""
    from PIL import ExifTags, Image  # on first use: see _register_heif

    try:
        with Image.open(handle, formats=["JPEG", "PNG"]) as image:
            gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except (OSError, SyntaxError, ValueError):
        return None

    def degrees(value) -> float:
        d, m, s = (float(v) for v in value)
        return d + m / 60 + s / 3600

    try:
        lat, lon = degrees(gps[2]), degrees(gps[4])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return (-lat if gps.get(1) == "S" else lat, -lon if gps.get(3) == "W" else lon)


def human_size(size: int) -> str:
    """Bytes as a short size for messages: 8.0 MB, 12 KB, 900 B."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def _read_limited(uploaded: IO[bytes], limit: int) -> bytes:
    """The upload's bytes; PhotoRejected past ``limit`` (checked on the declared size first, then on the read)."""
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit:
        raise PhotoRejected(
            _("The photo is too large (%(size)s); the limit is %(limit)s.")
            % {"size": human_size(declared), "limit": human_size(limit)}
        )
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise PhotoRejected(_("The photo is too large; the limit is %(limit)s.") % {"limit": human_size(limit)})
    if not data:
        raise PhotoRejected(_("The photo file is empty."))
    return data


def decode_cost(mode: str, width: int, height: int) -> int:
    """Peak bytes of memory to decode and re-encode an image of this mode and size."""
    return width * height * (BYTES_PER_PIXEL.get(mode, 8) + COPY_BYTES_PER_PIXEL)


def max_pixels(mode: str) -> int:
    """The most pixels a photo of ``mode`` may have within ``settings.REPORT_PHOTO_DECODE_BUDGET_BYTES``."""
    return settings.REPORT_PHOTO_DECODE_BUDGET_BYTES // (BYTES_PER_PIXEL.get(mode, 8) + COPY_BYTES_PER_PIXEL)


def _fit_budget(image: ImageFile.ImageFile) -> None:
    """Refuse an image that would not decode within the memory budget; a JPEG is decoded at a reduced scale
    (1/2, 1/4 or 1/8, JPEG's own DCT scaling: the full-size pixels are never held) when that makes it fit."""
    budget = settings.REPORT_PHOTO_DECODE_BUDGET_BYTES
    width, height = image.size
    if decode_cost(image.mode, width, height) <= budget:
        return
    if image.format == "JPEG":
        for scale in (2, 4, 8):
            if decode_cost("RGB", -(-width // scale), -(-height // scale)) <= budget:
                image.draft("RGB", (-(-width // scale), -(-height // scale)))
                if decode_cost(image.mode, *image.size) <= budget:
                    return
                break
    limit = max_pixels(image.mode)
    raise PhotoRejected(
        _("The photo has too many pixels (%(width)d × %(height)d); the limit is %(limit)s million for this kind of image.")
        % {"width": width, "height": height, "limit": f"{limit / 1_000_000:.1f}"}
    )


def _gps_block(exif: Image.Exif) -> dict:
    """The photo's position (latitude and longitude with their N/S, E/W) for the opt-in; {} when it has none.

    PhotoRejected when the block is there but not a position: a negative or non-finite rational, degrees past 90
    or 180, minutes or seconds past 60, a reference other than N/S/E/W. Such values cannot be written back as EXIF
    rationals (unsigned), and a position made of them would be wrong.
    """
    from PIL import ExifTags, TiffImagePlugin  # on first use: see _register_heif

    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not any(tag in gps for tag in GPS_TAGS):
        return {}
    invalid = PhotoRejected(_("The photo's location (GPS) is not valid; send the photo again without keeping its location."))
    kept: dict = {}
    for ref_tag, value_tag, refs, max_degrees in ((1, 2, ("N", "S"), 90), (3, 4, ("E", "W"), 180)):
        ref, value = gps.get(ref_tag), gps.get(value_tag)
        if ref not in refs or not isinstance(value, tuple) or len(value) != 3:
            raise invalid
        try:
            numbers = [float(v) for v in value]
        except (TypeError, ValueError, ZeroDivisionError):
            raise invalid from None
        degrees, minutes, seconds = numbers
        if not all(math.isfinite(v) and v >= 0 for v in numbers) or degrees > max_degrees:
            raise invalid
        if minutes >= 60 or seconds >= 60:
            raise invalid
        kept[ref_tag] = ref
        # Written back as plain unsigned rationals, whatever signs the camera's numerator and denominator had.
        fractions = (Fraction(v).limit_denominator(1_000_000) for v in numbers)
        kept[value_tag] = tuple(TiffImagePlugin.IFDRational(f.numerator, f.denominator) for f in fractions)
    return kept


def process_photo(uploaded: IO[bytes], keep_location: bool) -> ProcessedPhoto:
    """Decode, check and re-encode one uploaded photo; PhotoRejected with a message for the reporter."""
    from PIL import Image, ImageFile, ImageOps  # on first use: see _register_heif

    _register_heif()
    data = _read_limited(uploaded, settings.REPORT_PHOTO_MAX_BYTES)
    not_a_photo = _("The photo is not a JPEG, PNG or HEIC image.")
    try:
        image = Image.open(io.BytesIO(data), formats=list(OUTPUT))
    except Image.DecompressionBombError:
        raise PhotoRejected(_("The photo has too many pixels.")) from None
    except (OSError, SyntaxError, ValueError):  # UnidentifiedImageError is an OSError
        raise PhotoRejected(not_a_photo) from None
    source_format = image.format
    if source_format not in OUTPUT:
        raise PhotoRejected(not_a_photo)
    _fit_budget(image)  # from the header, before any pixel is decoded
    # WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported (by the PDF views and
    # jobs), which would let a half-uploaded photo through as a grey half; a photo must always be whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
        exif_gps_source = image.getexif() if keep_location else None
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise PhotoRejected(_("The photo has too many pixels.")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRejected(_("The photo file is damaged or incomplete.")) from None
    # Outside the try above: PhotoRejected is a ValueError, and its own message must reach the reporter.
    gps = _gps_block(exif_gps_source) if exif_gps_source is not None else {}
    return _encode(image, OUTPUT[source_format], gps)


def _encode(image: Image.Image, output: tuple[str, str], gps: dict) -> ProcessedPhoto:
    """Re-encode the pixels with only what the reporter allowed: no EXIF, XMP or comment, optional GPS."""
    from PIL import ExifTags, Image  # on first use: see _register_heif

    fmt, extension = output
    kept = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    image.info = kept if fmt == "PNG" else {k: v for k, v in kept.items() if k == "icc_profile"}
    options: dict = {}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = gps
        options["exif"] = exif.tobytes()
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")  # HEIC with alpha, 16-bit grey…
        options.update(quality=JPEG_QUALITY, optimize=True)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return ProcessedPhoto(content=out.getvalue(), extension=extension, width=image.width, height=image.height)
