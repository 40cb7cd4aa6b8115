"""Photo checks and cleaning: type by content, size and pixel limits, EXIF/XMP dropped, GPS only on opt-in."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from geo_portal.reports.photo import PhotoRejected, human_size, process_photo
from tests.reports.conftest import GPS, heic_bytes, jpeg_bytes, png_bytes


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def rejection(data: bytes, name: str = "photo.jpg") -> str:
    with pytest.raises(PhotoRejected) as info:
        process_photo(upload(data, name), keep_location=False)
    return info.value.message


def test_jpeg_loses_all_exif_xmp_and_comment_by_default(settings):
    result = process_photo(upload(jpeg_bytes(gps=GPS, xmp=b"<x:xmpmeta>GPSLatitude</x:xmpmeta>")), keep_location=False)
    image = reopen(result.content)
    assert (image.format, result.extension, result.content_type, result.width, result.height) == (
        "JPEG",
        "jpg",
        "image/jpeg",
        40,
        30,
    )
    assert dict(image.getexif()) == {}
    assert "xmp" not in image.info and "comment" not in image.info and "exif" not in image.info


def test_jpeg_keeps_only_the_gps_block_when_the_reporter_opts_in():
    image = reopen(process_photo(upload(jpeg_bytes(gps=GPS)), keep_location=True).content)
    exif = image.getexif()
    assert list(exif) == [0x8825]  # the camera make is gone
    assert dict(exif.get_ifd(0x8825)) == GPS


def test_opt_in_without_gps_in_the_photo_writes_no_exif():
    image = reopen(process_photo(upload(jpeg_bytes()), keep_location=True).content)
    assert "exif" not in image.info


def test_orientation_is_applied_to_the_pixels_and_dropped():
    result = process_photo(upload(jpeg_bytes(orientation=6)), keep_location=False)  # 90° clockwise
    image = reopen(result.content)
    assert (result.width, result.height, image.size) == (30, 40, (30, 40))
    assert dict(image.getexif()) == {}


def test_heic_is_stored_as_jpeg_without_exif():
    result = process_photo(upload(heic_bytes(gps=GPS), "IMG_0001.HEIC", "image/heic"), keep_location=False)
    image = reopen(result.content)
    assert (image.format, result.extension, image.size) == ("JPEG", "jpg", (64, 48))
    assert dict(image.getexif()) == {}


def test_heic_keeps_gps_when_opted_in():
    result = process_photo(upload(heic_bytes(gps=GPS), "IMG_0001.HEIC", "image/heic"), keep_location=True)
    exif = reopen(result.content).getexif()
    assert (list(exif), dict(exif.get_ifd(0x8825))) == ([0x8825], GPS)


def test_png_stays_png_with_its_pixels_and_without_metadata():
    result = process_photo(upload(png_bytes(), "shot.png", "image/png"), keep_location=False)
    image = reopen(result.content)
    assert (image.format, image.mode, image.size, result.extension) == ("PNG", "RGBA", (20, 10), "png")
    assert image.getpixel((0, 0)) == (10, 20, 30, 128)
    assert "exif" not in image.info and "Comment" not in image.info


def test_png_keeps_gps_when_opted_in():
    exif = reopen(process_photo(upload(png_bytes(), "shot.png"), keep_location=True).content).getexif()
    assert dict(exif.get_ifd(0x8825)) == GPS


def test_type_is_decided_by_content_not_by_name():
    png_named_jpg = process_photo(upload(png_bytes(), "photo.jpg", "image/jpeg"), keep_location=False)
    assert png_named_jpg.extension == "png"
    assert rejection(b"this is a text file, not a photo\n", "photo.jpg") == "The photo is not a JPEG, PNG or HEIC image."


def test_other_image_formats_are_refused():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    assert rejection(gif.getvalue(), "photo.jpg") == "The photo is not a JPEG, PNG or HEIC image."


def test_size_is_checked_before_decoding(settings):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    assert rejection(b"x" * 2048) == "The photo is too large (2 KB); the limit is 1000 B."


def test_size_is_checked_on_the_bytes_read_when_no_size_is_declared(settings):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    with pytest.raises(PhotoRejected) as info:
        process_photo(io.BytesIO(b"x" * 1001), keep_location=False)
    assert info.value.message == "The photo is too large; the limit is 1000 B."


def test_empty_file():
    assert rejection(b"") == "The photo file is empty."


def test_too_many_pixels_is_refused_from_the_header():
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 MP, a few KB
    assert rejection(out.getvalue()) == "The photo has too many pixels (8000 × 6000); the limit is 40 million."


def test_pillow_decompression_bomb_error_is_a_clear_refusal(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 40 × 30 is more than twice that
    assert rejection(jpeg_bytes()) == "The photo has too many pixels."


def test_truncated_file():
    out = io.BytesIO()
    Image.radial_gradient("L").resize((512, 512)).convert("RGB").save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert rejection(data[: len(data) // 2]) == "The photo file is damaged or incomplete."


def test_truncated_file_is_refused_after_weasyprint_is_imported():
    """WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is imported."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it, whatever the import order in this run
    out = io.BytesIO()
    Image.radial_gradient("L").resize((512, 512)).convert("RGB").save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert rejection(data[: len(data) // 2]) == "The photo file is damaged or incomplete."


@pytest.mark.parametrize(
    ("size", "text"), [(900, "900 B"), (2048, "2 KB"), (8 * 1024 * 1024, "8.0 MB"), (12_345_678, "11.8 MB")]
)
def test_human_size(size, text):
    assert human_size(size) == text
