"""An attachment as a file download, for the API and the pages alike (visibility is the caller's check)."""

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
    return response
