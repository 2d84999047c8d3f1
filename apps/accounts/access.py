"""Who may read and do what: the permission matrix, one row per role.

Each role reaches each kind of thing in a ``Scope``: nothing, what the account is party to (``OWN``:
its own profile, the applications it is the applicant of or filed), its enterprise's records
(``ENTERPRISE``: HR), or everything (``ALL``: district staff). An account with several roles gets
the widest. The API, the portal pages, the admin and the downloads all ask here; which workflow
action a role may take on an application in which state stays in ``apps.workflow.engine``'s table
(``ACT`` only says whether the role acts on applications at all).

Finance sees what payments need — applications, names, amounts, the other materials (bank account
details among them) — but never identity documents, category evidence or clear identifiers.

The selectors still decide *which* records an ``OWN`` or ``ENTERPRISE`` scope covers (an HR user's
enterprise, a talent's own profile); the predicates here take the facts they need and assume the
caller has already checked that the record is visible at all.
"""

from __future__ import annotations

import enum
from typing import Any

from . import roles


class Scope(enum.IntEnum):
    """How far a role reaches; wider scopes include the narrower ones."""

    NONE = 0
    OWN = 1
    ENTERPRISE = 2
    ALL = 3


class Thing(enum.StrEnum):
    APPLICATIONS = "applications"  # list and read applications (with their timeline and notices)
    ACT = "act"  # take workflow actions on applications (which ones: the engine's table)
    TALENTS = "talents"  # talent records, identifiers masked
    IDENTIFIERS = "identifiers"  # resident ID numbers and phones in clear (with accounts.view_personal_data)
    IDENTITY_DOCUMENTS = "identity_documents"  # materials flagged MaterialRequirement.identity_document
    MATERIALS = "materials"  # every other material of an application
    CATEGORY_EVIDENCE = "category_evidence"  # a talent category's evidence file (证明材料)
    BANK_DETAILS = "bank_details"  # a payee's bank account (subsidy payments)
    ENTERPRISES = "enterprises"  # enterprise records and their quotas
    STATS = "stats"  # the district figures
    EXPORT = "export"  # export talent records, masked
    EXPORT_IDENTIFIERS = "export_identifiers"  # export them unmasked (with accounts.export_personal_data)


APPLICATIONS = Thing.APPLICATIONS
ACT = Thing.ACT
TALENTS = Thing.TALENTS
IDENTIFIERS = Thing.IDENTIFIERS
IDENTITY_DOCUMENTS = Thing.IDENTITY_DOCUMENTS
MATERIALS = Thing.MATERIALS
CATEGORY_EVIDENCE = Thing.CATEGORY_EVIDENCE
BANK_DETAILS = Thing.BANK_DETAILS
ENTERPRISES = Thing.ENTERPRISES
STATS = Thing.STATS
EXPORT = Thing.EXPORT
EXPORT_IDENTIFIERS = Thing.EXPORT_IDENTIFIERS

NONE, OWN, ENTERPRISE, ALL = Scope.NONE, Scope.OWN, Scope.ENTERPRISE, Scope.ALL

# What staff who handle cases (intake, review, approval) reach: everything about a case.
_CASEWORK: dict[Thing, Scope] = {
    APPLICATIONS: ALL,
    ACT: ALL,
    TALENTS: ALL,
    IDENTIFIERS: ALL,
    IDENTITY_DOCUMENTS: ALL,
    MATERIALS: ALL,
    CATEGORY_EVIDENCE: ALL,
    BANK_DETAILS: NONE,
    ENTERPRISES: ALL,
    STATS: ALL,
    EXPORT: ALL,
    EXPORT_IDENTIFIERS: NONE,
}

MATRIX: dict[str, dict[Thing, Scope]] = {
    roles.TALENT: {
        APPLICATIONS: OWN,
        ACT: OWN,  # the applicant's own actions: submit, withdraw, resubmit
        TALENTS: OWN,
        IDENTITY_DOCUMENTS: OWN,
        MATERIALS: OWN,
        CATEGORY_EVIDENCE: OWN,
        BANK_DETAILS: OWN,
    },
    roles.ENTERPRISE_HR: {
        APPLICATIONS: OWN,  # the applications it filed
        ACT: OWN,
        TALENTS: ENTERPRISE,
        IDENTITY_DOCUMENTS: OWN,  # of the applications it filed
        MATERIALS: OWN,
        CATEGORY_EVIDENCE: ENTERPRISE,
        ENTERPRISES: ENTERPRISE,
    },
    roles.INTAKE_CLERK: dict(_CASEWORK),
    roles.REVIEWER: dict(_CASEWORK),
    roles.APPROVER: dict(_CASEWORK),
    roles.FINANCE: {
        APPLICATIONS: ALL,
        ACT: ALL,  # payments
        TALENTS: ALL,  # names, masked identifiers
        MATERIALS: ALL,  # bank account details among them
        BANK_DETAILS: ALL,
        ENTERPRISES: ALL,
        STATS: ALL,
        # IDENTIFIERS, IDENTITY_DOCUMENTS, CATEGORY_EVIDENCE, EXPORT: NONE
    },
    roles.DISTRICT_ADMIN: {thing: ALL for thing in Thing},
}

# The Django permission a role's scope additionally needs, per user (granted to the roles by
# migration accounts.0002_roles; a district admin can withdraw it from a person).
PERMISSION_NEEDED: dict[Thing, str] = {
    IDENTIFIERS: "accounts.view_personal_data",
    EXPORT_IDENTIFIERS: "accounts.export_personal_data",
}


def role_scope(role: str, thing: Thing) -> Scope:
    return MATRIX.get(role, {}).get(thing, NONE)


def scope(user: Any, thing: Thing) -> Scope:
    """The widest scope any of the user's roles has on ``thing``; NONE for anonymous callers."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return NONE
    best = max((role_scope(role, thing) for role in user.role_names), default=NONE)
    permission = PERMISSION_NEEDED.get(thing)
    if best and permission is not None and not user.has_perm(permission):
        return NONE
    return best


def sees_all(user: Any, thing: Thing) -> bool:
    return scope(user, thing) is ALL


def may_list(user: Any, thing: Thing) -> bool:
    """Lists of other people's records (talents, enterprises): HR (its enterprise's) and staff."""
    return scope(user, thing) >= ENTERPRISE


def may_see_identifiers(user: Any) -> bool:
    """Full resident IDs and phones: staff whose role reaches them and who hold view_personal_data."""
    return sees_all(user, IDENTIFIERS)


def may_download_material(user: Any, application: Any, *, identity_document: bool) -> bool:
    """A material of ``application`` (already visible to ``user``): identity documents and the
    other materials each by their own row. ``OWN``: the applicant or the account that filed it."""
    reach = scope(user, IDENTITY_DOCUMENTS if identity_document else MATERIALS)
    if reach is ALL:
        return True
    party = application.submitted_by_id == user.pk or application.applicant.user_id == user.pk
    return reach >= OWN and party


def may_download_evidence(user: Any, *, talent_user_id: int | None) -> bool:
    """A category's evidence of a talent already visible to ``user`` (``selectors.talents_visible_to``):
    the talent itself (``OWN``), the HR of its enterprise (``ENTERPRISE``: visible to a non-staff
    account that is not the talent means employed there), staff whose role reaches it (``ALL``)."""
    reach = scope(user, CATEGORY_EVIDENCE)
    if reach is ALL:
        return True
    if talent_user_id is not None and talent_user_id == user.pk:
        return reach >= OWN
    return reach >= ENTERPRISE
