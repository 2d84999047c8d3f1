"""Where a person opens an application in a browser: the page for their side of the portal.

Every link the portal sends (notifications, e-mail, SMS, notices) points at a page, never at the API:
a talent's own page under ``/my/``, the page of the HR user who applied on a talent's behalf under
``/hr/``, and the admin for staff. ``absolute`` prefixes ``PORTAL_BASE_URL`` for text that leaves the site.
"""

from __future__ import annotations

from typing import Any

from apps.accounts import roles
from apps.core.links import absolute  # noqa: F401  (re-exported: links.absolute)


def talent_application_path(application_id: int) -> str:
    return f"/my/applications/{application_id}/"


def hr_application_path(application_id: int) -> str:
    return f"/hr/applications/{application_id}/"


def staff_application_path(application_id: int) -> str:
    return f"/admin/workflow/application/{application_id}/change/"


def application_path_for(recipient: Any, application: Any) -> str:
    """The page on which ``recipient`` follows ``application``."""
    if getattr(recipient, "is_district_staff", False):
        return staff_application_path(application.pk)
    applicant_user_id = application.applicant.user_id
    if (
        recipient.pk == application.submitted_by_id
        and recipient.pk != applicant_user_id
        and recipient.has_role(roles.ENTERPRISE_HR)
    ):
        return hr_application_path(application.pk)
    return talent_application_path(application.pk)


def applicant_application_path(application: Any) -> str:
    """The page on which the applicant's side works on ``application`` (uploads, resubmits): the HR
    page when an HR user submitted it on a talent's behalf, else the talent's own page."""
    submitter = application.submitted_by
    if submitter.pk != application.applicant.user_id and submitter.has_role(roles.ENTERPRISE_HR):
        return hr_application_path(application.pk)
    return talent_application_path(application.pk)
