"""An attachment as a file download, for the API and the pages alike. Visibility is the caller's
check: the application through ``selectors.applications_visible_to``, the file through
``selectors.attachment_downloadable`` (the permission matrix: identity documents are not for everyone
who sees the application)."""

from __future__ import annotations

from django.http import FileResponse

from .models import Application, Attachment

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def attachment_response(application: Application, attachment: Attachment) -> FileResponse:
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=True)
    extension = EXTENSIONS.get(attachment.content_type, "bin")
    response["Content-Disposition"] = (
        f'attachment; filename="{application.number or application.pk}-{attachment.material_code}'
        f'-v{attachment.version}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal documents: never kept by a browser or a shared cache.
    response["Cache-Control"] = "private, no-store"
    response["Pragma"] = "no-cache"
    return response
