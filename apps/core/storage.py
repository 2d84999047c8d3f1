"""Storage for private files (uploaded materials, evidence): outside MEDIA_ROOT, no public URL.

Files are served only by views that check who is asking."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them through an authorised view")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
