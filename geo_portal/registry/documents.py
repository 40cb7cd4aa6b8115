"""Type checks for scanned registration documents: decided by the bytes, never by the file name or browser.

Accepted: PDF (header ``%PDF-`` and an end-of-file marker), JPEG, PNG and TIFF images that Pillow decodes, at most
``REGISTRY_DOCUMENT_MAX_BYTES``. Called by ``services.events.event_attach_document`` before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from geo_portal.registry.errors import FieldError

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "TIFF": ("image/tiff", ".tif")}
PDF_TAIL = 2048  # the %%EOF marker sits in the last bytes (trailing whitespace or an appended update allowed)


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int


def _pdf(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(5)
    if head != b"%PDF-":
        return False
    upload.seek(max(0, upload.size - PDF_TAIL))
    return b"%%EOF" in upload.read()


def _image(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            kind = img.format
            img.verify()  # decodes the structure; a truncated or corrupt file raises
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return kind if kind in IMAGE_TYPES else None


def check_upload(upload: UploadedFile, errors: list[FieldError]) -> CheckedFile | None:
    """The file's type and size, or None with the reasons appended to ``errors`` (field ``file``)."""
    size = upload.size or 0
    if size == 0:
        errors.append(FieldError("file", _("%(name)s is empty") % {"name": upload.name}))
        return None
    if size > settings.REGISTRY_DOCUMENT_MAX_BYTES:
        errors.append(
            FieldError(
                "file",
                _("%(name)s is %(size)d MB; documents may be at most %(max)d MB")
                % {"name": upload.name, "size": size // 2**20, "max": settings.REGISTRY_DOCUMENT_MAX_BYTES // 2**20},
            )
        )
        return None
    if _pdf(upload):
        upload.seek(0)
        return CheckedFile("application/pdf", ".pdf", size)
    kind = _image(upload)
    upload.seek(0)
    if kind is None:
        errors.append(
            FieldError(
                "file",
                _("%(name)s is not a PDF, JPEG, PNG or TIFF scan (its content says otherwise)") % {"name": upload.name},
            )
        )
        return None
    content_type, extension = IMAGE_TYPES[kind]
    return CheckedFile(content_type, extension, size)
