"""Photo checks and cleaning: type by content, size and pixel limits, EXIF/XMP dropped, GPS only on opt-in."""

from __future__ import annotations

import io
import struct

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from geo_portal.reports.photo import PhotoRejected, decode_cost, human_size, max_pixels, process_photo
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
    assert rejection(out.getvalue()) == (
        "The photo has too many pixels (8000 × 6000); the limit is 26.8 million for this kind of image."
    )


def test_a_small_png_of_39_megapixels_is_refused_by_the_memory_budget():
    """Issue 16: a 111 KB, 39-megapixel PNG passed the old 40 MP cap and took ~300 MB to decode."""
    out = io.BytesIO()
    Image.new("RGBA", (6245, 6245)).save(out, "PNG")
    assert len(out.getvalue()) < 200_000
    assert rejection(out.getvalue(), "photo.png") == (
        "The photo has too many pixels (6245 × 6245); the limit is 16.8 million for this kind of image."
    )
    assert decode_cost("RGBA", 6245, 6245) == 312_000_200  # what it would have cost (~300 MB)
    assert max_pixels("RGBA") * 8 <= settings.REPORT_PHOTO_DECODE_BUDGET_BYTES == 128 * 1024 * 1024


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_within_the_budget():
    out = io.BytesIO()
    Image.new("RGB", (8000, 6000), (9, 9, 9)).save(out, "JPEG")  # 48 MP: 384 MB at full scale
    result = process_photo(upload(out.getvalue()), keep_location=False)
    assert (result.width, result.height) == (4000, 3000)  # decoded at 1/2: 96 MB


def test_the_budget_is_a_setting(settings):
    settings.REPORT_PHOTO_DECODE_BUDGET_BYTES = 40 * 30 * 8 - 1  # one byte short of a 40 × 30 RGB photo
    assert rejection(_rgb_png(40, 30), "p.png") == (
        "The photo has too many pixels (40 × 30); the limit is 0.0 million for this kind of image."
    )


def _rgb_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, "PNG")
    return out.getvalue()


def _signed_gps_jpeg(latitude_degrees: int) -> bytes:
    """A JPEG whose GPS latitude is a signed rational (EXIF type 10), as some writers produce."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (24.0, 47.0, 30.0), 3: "E", 4: (120.0, 59.0, 10.0)}
    raw = exif.tobytes()  # big-endian ("MM"): tag 2, type 5 (rational), count 3
    assert raw[6:8] == b"MM" and raw.count(b"\x00\x02\x00\x05\x00\x00\x00\x03") == 1
    raw = raw.replace(b"\x00\x02\x00\x05\x00\x00\x00\x03", b"\x00\x02\x00\x0a\x00\x00\x00\x03")
    raw = raw.replace(struct.pack(">II", 24, 1), struct.pack(">iI", latitude_degrees, 1))
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "JPEG", exif=raw)
    return out.getvalue()


def test_a_negative_gps_rational_with_keep_location_is_a_clear_refusal():
    """Issue 16: struct.error in _encode → 500."""
    data = _signed_gps_jpeg(-24)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)[2] == (-24.0, 47.0, 30.0)
    with pytest.raises(PhotoRejected) as info:
        process_photo(upload(data), keep_location=True)
    assert info.value.message == (
        "The photo's location (GPS) is not valid; send the photo again without keeping its location."
    )
    # Without the opt-in the block is dropped anyway: the photo is stored.
    assert process_photo(upload(data), keep_location=False).width == 40


def test_a_signed_but_positive_gps_rational_is_kept_as_an_unsigned_one():
    image = reopen(process_photo(upload(_signed_gps_jpeg(24)), keep_location=True).content)
    assert dict(image.getexif().get_ifd(0x8825)) == {1: "N", 2: (24.0, 47.0, 30.0), 3: "E", 4: (120.0, 59.0, 10.0)}


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (91.0, 0.0, 0.0), 3: "E", 4: (120.0, 0.0, 0.0)},
        {1: "N", 2: (24.0, 60.0, 0.0), 3: "E", 4: (120.0, 0.0, 0.0)},
        {1: "X", 2: (24.0, 1.0, 0.0), 3: "E", 4: (120.0, 0.0, 0.0)},
        {1: "N", 2: (24.0, 1.0, 0.0)},
    ],
)
def test_an_impossible_gps_position_is_a_clear_refusal(gps):
    with pytest.raises(PhotoRejected) as info:
        process_photo(upload(jpeg_bytes(gps=gps)), keep_location=True)
    assert info.value.message.startswith("The photo's location (GPS) is not valid")


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
