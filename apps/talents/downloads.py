"""Serving a category's evidence file (private storage: no public URL) to a caller already
checked by the view — the API's and the admin's alike."""

from __future__ import annotations

import filetype
from django.http import FileResponse, Http404

from .models import TalentCategoryHolding
from .services import EVIDENCE_TYPES


def evidence_response(holding: TalentCategoryHolding | None) -> FileResponse:
    """The holding's evidence as an attachment; 404 when there is none (or the file is gone)."""
    if holding is None or not holding.evidence:
        raise Http404("no evidence")
    try:
        handle = holding.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("no evidence") from None
    head = handle.read(2048)
    handle.seek(0)
    kind = filetype.guess(head) if head else None
    # Only what the upload check let in is served as itself; anything else as opaque bytes.
    content_type = kind.mime if kind is not None and kind.mime in EVIDENCE_TYPES else "application/octet-stream"
    extension = EVIDENCE_TYPES.get(content_type, "bin")
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        filename=f"talent{holding.talent_id}-{holding.category.code}-evidence.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Pragma"] = "no-cache"
    return response
