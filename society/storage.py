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
