"""Checking an uploaded file: its type by content (never by name), its size, its SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import filetype
from django.utils.translation import gettext, pgettext

from .exceptions import ValidationFailed

MIME_BY_TYPE = {"pdf": "application/pdf", "jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png"}
EXTENSION_BY_MIME = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def upload_check(
    upload: Any, *, accepted_types: Iterable[str], max_mb: int, type_error: str, field: str = "file"
) -> CheckedUpload:
    """Raise ValidationFailed naming ``field`` unless the file is one of ``accepted_types`` (``pdf``,
    ``jpeg``, ``png``) by its content and at most ``max_mb`` MB; the file is left rewound."""
    if upload is None:
        raise ValidationFailed({field: [pgettext("upload", "必填")]})
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationFailed({field: [gettext("文件过大，不能超过 %(mb)s MB") % {"mb": max_mb}]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head) if head else None
    accepted = {MIME_BY_TYPE[t] for t in accepted_types if t in MIME_BY_TYPE}
    if kind is None or kind.mime not in accepted:
        raise ValidationFailed({field: [type_error]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=kind.mime, size=upload.size, sha256=digest.hexdigest())
