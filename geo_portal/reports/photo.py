"""Checking and cleaning a citizen's photo before it is stored; called by ``services.create_report``.

The type is decided by the decoded content only (JPEG, PNG or HEIC/HEIF), never by the file name or the declared
content type. Every photo is decoded and re-encoded, so nothing but pixels survives: EXIF (camera, time, GPS),
XMP and comments are dropped, except the GPS block when the reporter opts in. HEIC becomes JPEG because browsers
cannot show HEIC.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

import pillow_heif
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageFile, ImageOps

# Enough for a 48 MP phone photo's 40 MP output modes; far below Pillow's own bomb limit (~89 MP).
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 90

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


def process_photo(uploaded: IO[bytes], keep_location: bool) -> ProcessedPhoto:
    """Decode, check and re-encode one uploaded photo; PhotoRejected with a message for the reporter."""
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
    width, height = image.size
    if width * height > MAX_PIXELS:  # checked on the header, before any pixel is decoded
        raise PhotoRejected(
            _("The photo has too many pixels (%(width)d × %(height)d); the limit is %(limit)d million.")
            % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}
        )
    # WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported (by the PDF views and
    # jobs), which would let a half-uploaded photo through as a grey half; a photo must always be whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
        gps = dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)) if keep_location else {}
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise PhotoRejected(_("The photo has too many pixels.")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRejected(_("The photo file is damaged or incomplete.")) from None
    return _encode(image, OUTPUT[source_format], gps)


def _encode(image: Image.Image, output: tuple[str, str], gps: dict) -> ProcessedPhoto:
    """Re-encode the pixels with only what the reporter allowed: no EXIF, XMP or comment, optional GPS."""
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
