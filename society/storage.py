"""Private uploads: kept under PRIVATE_MEDIA_ROOT, never served by URL, only by views."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Reads PRIVATE_MEDIA_ROOT at use, so tests and deployments can move it."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL; serve them through a view")


private_storage = PrivateStorage()


def get_private_storage():
    return private_storage


def stream_private(field_file, filename: str, content_type: str | None = None):
    """A private upload as a download, never cached or sniffed; 404 when it is missing.

    Views call this only after they have checked who may see the file.
    """
    from django.http import FileResponse, Http404

    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename or field_file.name,
        **({"content_type": content_type} if content_type else {}),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
