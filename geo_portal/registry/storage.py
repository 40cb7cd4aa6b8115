"""Private storage for registration documents: a folder outside MEDIA_ROOT with no URL (``base_url`` None).

Documents are served only through staff views that check the reader's role and log the read; nothing routes to
this folder. The location comes from ``REGISTRY_DOCUMENTS_ROOT`` (``GEO_PORTAL_REGISTRY_DOCUMENTS_ROOT``), read
when a file is saved or opened, so tests can point it at a temporary folder.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateDocumentStorage(FileSystemStorage):
    """Files under ``REGISTRY_DOCUMENTS_ROOT``, owner-only permissions, and no URL."""

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):  # read the setting at use time (tests override it)
        return settings.REGISTRY_DOCUMENTS_ROOT

    @property
    def location(self):
        return str(settings.REGISTRY_DOCUMENTS_ROOT)

    def url(self, name):
        raise ValueError("registration documents have no URL; staff read them through the registry's views")


def registry_documents_storage() -> PrivateDocumentStorage:
    """The storage callable named by ``EventDocument.file`` (a callable keeps the location out of migrations)."""
    return PrivateDocumentStorage()
