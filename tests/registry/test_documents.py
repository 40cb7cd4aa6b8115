"""Scanned registration documents: type decided by content, private storage without a URL, clear refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from geo_portal.registry.details import MoveOut
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.models import EventDocument
from geo_portal.registry.services.events import event_attach_document, event_create

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def draft(family, staff):
    son = family["people"]["陳小明"]
    return event_create(
        actor=staff["ann"],
        kind="move_out",
        effective_date=dt.date(2026, 2, 1),
        details=MoveOut(household_id=family["household"].pk, person_ids=(son.pk,)),
    )


def test_a_pdf_and_a_png_are_stored_privately_under_random_names(draft, staff, settings):
    doc = event_attach_document(
        event_id=draft.pk, actor=staff["ann"], upload=SimpleUploadedFile("陳小明遷出申請書.pdf", PDF), kind="application"
    )
    assert (doc.content_type, doc.size, doc.sha256) == ("application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
    path = doc.file.path
    assert path.startswith(str(settings.REGISTRY_DOCUMENTS_ROOT)) and path.endswith(".pdf")
    assert "陳小明" not in path and not path.startswith(str(settings.MEDIA_ROOT))
    assert Path(path).read_bytes() == PDF
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError, match="registration documents have no URL"):
        _ = doc.file.url
    image = event_attach_document(
        event_id=draft.pk, actor=staff["ann"], upload=SimpleUploadedFile("scan.pdf", png()), kind="identity"
    )
    assert (image.content_type, image.file.name.endswith(".png")) == ("image/png", True)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "form.docx",
            b"PK\x03\x04 a word document",
            "file: form.docx is not a PDF, JPEG, PNG or TIFF scan (its content says otherwise)",
        ),
        ("scan.png", png()[:60], "file: scan.png is not a PDF, JPEG, PNG or TIFF scan (its content says otherwise)"),
        ("half.pdf", PDF[:30], "file: half.pdf is not a PDF, JPEG, PNG or TIFF scan (its content says otherwise)"),
        ("empty.pdf", b"", "file: empty.pdf is empty"),
    ],
)
def test_documents_of_the_wrong_type_are_refused(draft, staff, name, content, message):
    with pytest.raises(RegistryRefused) as exc:
        event_attach_document(event_id=draft.pk, actor=staff["ann"], upload=SimpleUploadedFile(name, content), kind="other")
    assert str(exc.value) == message
    assert EventDocument.objects.count() == 0


def test_too_large_and_unknown_kind(draft, staff, settings):
    settings.REGISTRY_DOCUMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b" " * (2 * 1024 * 1024)
    with pytest.raises(RegistryRefused) as exc:
        event_attach_document(
            event_id=draft.pk, actor=staff["ann"], upload=SimpleUploadedFile("big.pdf", big), kind="passport"
        )
    assert str(exc.value) == "kind: unknown document kind 'passport'; file: big.pdf is 2 MB; documents may be at most 1 MB"
