from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.core import crypto
from apps.core.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed
from apps.core.identifiers import (
    IdentifierError,
    phone_mask,
    phone_validate,
    resident_id_mask,
    resident_id_parse,
)
from apps.core.uploads import EXTENSION_BY_MIME, CheckedUpload, upload_check

from .employment import employment_confirm as employment_confirm
from .employment import employment_fields_for, employment_recorded_status
from .employment import employment_refuse as employment_refuse
from .models import (
    ExportLog,
    ProfileClaim,
    Talent,
    TalentCategory,
    TalentCategoryHolding,
    TalentProfileChange,
)

PROFILE_FIELDS = (
    "name",
    "id_number",
    "phone",
    "email",
    "education",
    "degree",
    "field",
    "employer",
    "is_green_card_holder",
)
_MASKERS = {"id_number": resident_id_mask, "phone": phone_mask}
CLAIM_CODE_TTL = dt.timedelta(minutes=15)
CLAIM_MAX_ATTEMPTS = 5


def _display(field: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if field in _MASKERS:
        return _MASKERS[field](str(value))
    if hasattr(value, "pk"):
        return value.pk
    return value


_MAX_LENGTHS = {"name": 100, "email": 254, "degree": 50, "field": 100}


def _employer(value: Any) -> Any:
    """An Enterprise, its id, or nothing → the Enterprise or None; an unknown id is refused."""
    from apps.enterprises.models import Enterprise

    if value in (None, ""):
        return None
    if isinstance(value, Enterprise):
        return value
    enterprise = Enterprise.objects.filter(pk=value).first() if str(value).isdigit() else None
    if enterprise is None:
        raise ValidationFailed(gettext("没有该企业"))
    return enterprise


def clean_profile_input(data: dict[str, Any], *, instance: Talent | None = None) -> dict[str, Any]:
    """Validate and normalise profile fields; raise ValidationFailed naming every bad field.

    Derived values are added: ``birth_date`` and ``sex`` from the resident ID, the keyed hashes.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key not in PROFILE_FIELDS:
            continue
        if key == "name":
            value = (value or "").strip()
            if not value:
                errors["name"] = [gettext("必填")]
                continue
        elif key == "id_number" and value:
            try:
                parsed = resident_id_parse(value)
            except IdentifierError as exc:
                errors["id_number"] = [str(exc)]
                continue
            value = parsed.number
            cleaned["birth_date"] = parsed.birth_date
            cleaned["sex"] = parsed.sex
            cleaned["id_number_hash"] = crypto.pii_hash(parsed.number)
            holder = Talent.objects.filter(id_number_hash=cleaned["id_number_hash"])
            if instance is not None:
                holder = holder.exclude(pk=instance.pk)
            if holder.exists():
                errors["id_number"] = [gettext("该身份证号码已登记在其他档案")]
                continue
        elif key == "phone":
            if value:
                try:
                    value = phone_validate(value)
                except IdentifierError as exc:
                    errors["phone"] = [str(exc)]
                    continue
                cleaned["phone_hash"] = crypto.pii_hash(value)
            else:
                value, cleaned["phone_hash"] = "", None
        elif key == "id_number":
            # Cleared: the keyed hash and what was derived from the number go with it.
            cleaned.update(id_number_hash=None, birth_date=None, sex="")
        elif key == "education" and value and value not in Talent.Education.values:
            errors["education"] = [
                gettext("应为以下之一：%(options)s") % {"options": ", ".join(Talent.Education.values)}
            ]
            continue
        elif key == "email" and value:
            try:
                validate_email(value)
            except DjangoValidationError:
                errors["email"] = [gettext("电子邮箱格式不正确")]
                continue
        elif key == "employer":
            try:
                cleaned["employer"] = _employer(value)
            except ValidationFailed as exc:
                errors["employer"] = [str(exc.detail)]
            continue
        if isinstance(value, str) and key in _MAX_LENGTHS and len(value) > _MAX_LENGTHS[key]:
            errors[key] = [gettext("最多%(limit)d个字符") % {"limit": _MAX_LENGTHS[key]}]
            continue
        cleaned[key] = value if value is not None else ""
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _record_changes(talent: Talent, before: dict[str, Any], *, actor: Any, source: str) -> None:
    changes = {}
    for field, old in before.items():
        new = getattr(talent, field)
        if old != new:
            changes[field] = [_display(field, old), _display(field, new)]
    if changes:
        TalentProfileChange.objects.create(talent=talent, actor=actor, source=source, changes=changes)


@transaction.atomic
def talent_create(*, actor: Any = None, user: Any = None, source: str = "api", **data: Any) -> Talent:
    """Create a profile (staff entry or import: ``user`` None; a talent's own: ``user`` set)."""
    if "name" not in data:
        raise ValidationFailed({"name": [gettext("必填")]})
    cleaned = clean_profile_input(data)
    if user is not None and Talent.objects.filter(user=user).exists():
        raise Conflict(gettext("此账户已有人才档案"))
    if cleaned.get("employer") is not None:
        # The talent's own word is a claim; staff, an import or the system record it confirmed.
        cleaned.update(
            employment_fields_for(cleaned["employer"], actor=actor, talent_user_id=getattr(user, "pk", None))
        )
    talent = Talent(user=user, **cleaned)
    try:
        with transaction.atomic():
            talent.save()
    except IntegrityError:
        raise ValidationFailed({"id_number": [gettext("该身份证号码已登记在其他档案")]})
    changes = {f: [None, _display(f, getattr(talent, f))] for f in cleaned if f in PROFILE_FIELDS}
    if talent.employment_status:
        changes["employment_status"] = [None, talent.employment_status]
    TalentProfileChange.objects.create(talent=talent, actor=actor, source=source, changes=changes)
    return talent


@transaction.atomic
def talent_update(*, talent: Talent, actor: Any = None, source: str = "api", **data: Any) -> Talent:
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    cleaned = clean_profile_input(data, instance=talent)
    before = {f: getattr(talent, f) for f in cleaned if f in PROFILE_FIELDS}
    new_employer = cleaned.get("employer")
    if "employer" in cleaned and talent.employer_id != getattr(new_employer, "pk", None):
        # A new employer starts over: claimed when the talent names it, confirmed when staff do.
        before["employment_status"] = talent.employment_status
        cleaned.update(employment_fields_for(new_employer, actor=actor, talent_user_id=talent.user_id))
    for key, value in cleaned.items():
        setattr(talent, key, value)
    try:
        with transaction.atomic():
            talent.save()
    except IntegrityError:
        raise ValidationFailed({"id_number": [gettext("该身份证号码已登记在其他档案")]})
    _record_changes(talent, before, actor=actor, source=source)
    return talent


@transaction.atomic
def talent_profile_save_for_user(*, user: Any, categories: list[Any] | None = None, **data: Any) -> Talent:
    """A talent's own profile (``PUT/PATCH /talents/me/``, ``/my/profile/``).

    Entering a resident ID answers the same whatever is on record for it, so that nobody learns
    who is in the talent database (``RESIDENT_ID_ENTERED``): a number no record holds is saved on
    the profile; one on an unclaimed imported record is not, a claim is opened instead and its code
    goes by SMS to the phone on that record (``claim_confirm_code`` completes it); one another
    account holds changes nothing. The other fields are saved in every case. A resident ID once
    saved is not changed here (staff correct it); left blank, it stays as it is.
    ``categories``, when given, becomes the set of categories held (``talent_categories_set``), in
    the same transaction: a bad category leaves the profile fields unchanged too. The green card is
    issued by staff, never self-declared, so ``is_green_card_holder`` is ignored here.
    """
    data.pop("is_green_card_holder", None)
    talent = Talent.objects.filter(user=user).first()
    record = None
    if not data.get("id_number"):
        data.pop("id_number", None)
    elif resident_id_is_new_for(user, data["id_number"]):
        number_hash = crypto.pii_hash(resident_id_parse(data["id_number"]).number)
        if talent is not None and talent.id_number_hash:
            raise ValidationFailed({"id_number": [gettext("身份证号码已登记，如需更正请联系区人社局工作人员")]})
        record = Talent.objects.select_for_update().filter(id_number_hash=number_hash).first()
        if record is not None:
            del data["id_number"]  # on someone's record: proven by its phone, never taken here
    else:
        del data["id_number"]  # the number already on the profile
    if talent is None:
        data.setdefault("name", "")
        talent = talent_create(actor=user, user=user, source="api", **data)
    else:
        talent = talent_update(talent=talent, actor=user, source="api", **data)
    if categories is not None:
        talent_categories_set(talent=talent, items=categories, actor=user, source="api")
    if record is not None and record.user_id is None:
        _claim_open(user=user, record=record)
    return talent


RESIDENT_ID_ENTERED = gettext_lazy(
    "已保存。如该身份证号码已有人才档案，验证码已发送至档案登记的手机，输入验证码即可关联该档案；"
    "档案没有登记手机的，由区人社局工作人员核实。"
)


def resident_id_is_new_for(user: Any, id_number: str) -> bool:
    """``id_number`` is a well-formed resident ID other than the one on ``user``'s own profile:
    entering it answers ``RESIDENT_ID_ENTERED`` and counts against the claim rate limits. A
    malformed one raises ValidationFailed naming ``id_number``."""
    try:
        number = resident_id_parse(id_number).number
    except IdentifierError as exc:
        raise ValidationFailed({"id_number": [str(exc)]})
    own = Talent.objects.filter(user=user).values_list("id_number_hash", flat=True).first()
    return own != crypto.pii_hash(number)


def _clean_category_items(items: list[Any]) -> list[dict[str, Any]]:
    """``["academician", {"code": "postdoc", "year": 2020, "issuing_body": "..."}]`` → one dict
    per category; a bare code (``details`` False) keeps what is already recorded for it."""
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    this_year = timezone.localdate().year
    for item in items:
        if isinstance(item, str):
            entry: dict[str, Any] = {"code": item.strip(), "year": None, "issuing_body": "", "details": False}
        elif isinstance(item, dict) and isinstance(item.get("code"), str):
            year = item.get("year")
            issuing_body = item.get("issuing_body") or ""
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                errors.append(f"{item['code']}: year must be a whole number")
                continue
            if year is not None and not 1900 <= year <= this_year:
                errors.append(f"{item['code']}: year must be between 1900 and {this_year}")
                continue
            if not isinstance(issuing_body, str) or len(issuing_body) > 200:
                errors.append(f"{item['code']}: issuing_body is text of at most 200 characters")
                continue
            entry = {"code": item["code"].strip(), "year": year, "issuing_body": issuing_body.strip(), "details": True}
        else:
            errors.append("each category is a code or an object with a code")
            continue
        if entry["code"] in seen:
            errors.append(f"{entry['code']}: listed twice")
            continue
        seen.add(entry["code"])
        cleaned.append(entry)
    known = set(TalentCategory.objects.filter(code__in=seen, active=True).values_list("code", flat=True))
    errors.extend(f"unknown category: {code}" for code in sorted(seen - known))
    if errors:
        raise ValidationFailed({"categories": errors})
    return cleaned


@transaction.atomic
def talent_categories_set(*, talent: Talent, items: list[Any], actor: Any = None, source: str = "api") -> Talent:
    """Make the categories the talent holds exactly ``items`` (codes or ``{code, year,
    issuing_body}``): new ones are added unverified, changed details need verifying again, and the
    ones left out are removed. Every change goes to the history through ``holding_set`` /
    ``holding_remove``."""
    wanted = _clean_category_items(items)
    held = {h.category.code: h for h in TalentCategoryHolding.objects.filter(talent=talent).select_related("category")}
    for entry in wanted:
        current = held.get(entry["code"])
        if current is not None and not entry["details"]:
            continue
        holding_set(
            talent=talent,
            category_code=entry["code"],
            year=entry["year"],
            issuing_body=entry["issuing_body"],
            actor=actor,
            source=source,
        )
    wanted_codes = {entry["code"] for entry in wanted}
    for code in sorted(set(held) - wanted_codes):
        holding_remove(talent=talent, category_code=code, actor=actor, source=source)
    return talent


def _holding_mark_verified(holding: TalentCategoryHolding, verified: bool, actor: Any) -> bool:
    """Set or clear the verification stamp (flag, who, when) together; True when it changed."""
    if holding.verified == verified:
        return False
    holding.verified = verified
    holding.verified_by = actor if verified else None
    holding.verified_at = timezone.now() if verified else None
    return True


@transaction.atomic
def holding_set(
    *,
    talent: Talent,
    category_code: str,
    year: int | None = None,
    issuing_body: str = "",
    verified: bool | None = None,
    actor: Any = None,
    source: str = "api",
) -> TalentCategoryHolding:
    """Add or update a category the talent holds. Only staff (``verified`` not None) verify."""
    category = TalentCategory.objects.filter(code=category_code, active=True).first()
    if category is None:
        raise ValidationFailed({"categories": [f"unknown category: {category_code}"]})
    holding, created = TalentCategoryHolding.objects.get_or_create(
        talent=talent, category=category, defaults={"year": year, "issuing_body": issuing_body}
    )
    changed = created
    if not created and (holding.year != year or holding.issuing_body != issuing_body):
        holding.year, holding.issuing_body = year, issuing_body
        # A self-declared change needs verifying again.
        if verified is None:
            _holding_mark_verified(holding, False, None)
        changed = True
    if verified is not None and _holding_mark_verified(holding, verified, actor):
        changed = True
    if changed:
        holding.save()
        TalentProfileChange.objects.create(
            talent=talent,
            actor=actor,
            source=source,
            changes={
                f"category:{category.code}": [
                    None if created else "changed",
                    {"year": year, "verified": holding.verified},
                ]
            },
        )
    return holding


@transaction.atomic
def holding_remove(*, talent: Talent, category_code: str, actor: Any = None, source: str = "api") -> None:
    holdings = TalentCategoryHolding.objects.filter(talent=talent, category__code=category_code)
    files = [name for name in holdings.values_list("evidence", flat=True) if name]
    deleted, _ = holdings.delete()
    if deleted:
        _evidence_delete_on_commit(files)
        TalentProfileChange.objects.create(
            talent=talent, actor=actor, source=source, changes={f"category:{category_code}": ["held", None]}
        )


# --- Category evidence (证明材料) ----------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# What the evidence may be, judged by the file's content (never by its name or declared type).
EVIDENCE_TYPES = EXTENSION_BY_MIME


def evidence_check(upload: Any) -> CheckedUpload:
    """A PDF, JPEG or PNG by content, at most 10 MB; else ValidationFailed naming ``file``."""
    return upload_check(
        upload,
        accepted_types=("pdf", "jpeg", "png"),
        max_mb=EVIDENCE_MAX_BYTES // (1024 * 1024),
        type_error=gettext("文件类型不符，应为：%(types)s") % {"types": "PDF, JPEG, PNG"},
    )


def _evidence_storage() -> Any:
    return TalentCategoryHolding._meta.get_field("evidence").storage


def _evidence_delete_on_commit(names: Sequence[str]) -> None:
    """Remove replaced or orphaned evidence files once the change that dropped them has committed."""
    names = [n for n in names if n]
    if names:
        storage = _evidence_storage()
        transaction.on_commit(lambda: [storage.delete(n) for n in names], robust=True)


@transaction.atomic
def holding_evidence_upload(
    *,
    talent: Talent,
    category_code: str,
    upload: Any,
    actor: Any = None,
    verified: bool | None = None,
    source: str = "api",
) -> TalentCategoryHolding:
    """Store (or replace) the evidence of a category the talent holds.

    Checked by content (PDF, JPEG or PNG, at most 10 MB) and stored in private storage under a
    random name. Replacing earlier evidence un-verifies the holding: what staff checked is gone.
    Staff (``verified`` not None, the admin) set the verification explicitly instead. One history
    row names the file by its SHA-256, type and size. The replaced file is deleted after commit."""
    holding = (
        TalentCategoryHolding.objects.select_for_update()
        .select_related("category")
        .filter(talent=talent, category__code=category_code)
        .first()
    )
    if holding is None:
        raise NotFound(gettext("没有该人才类别认定"))
    checked = evidence_check(upload)
    previous = holding.evidence.name or ""
    holding.evidence.save("evidence", upload, save=False)  # evidence_upload_to: a random name
    stored = holding.evidence.name
    try:
        if verified is not None:
            _holding_mark_verified(holding, verified, actor)
        elif previous:
            _holding_mark_verified(holding, False, None)
        holding.save()
        TalentProfileChange.objects.create(
            talent=talent,
            actor=actor,
            source=source,
            changes={
                f"category:{holding.category.code}:evidence": [
                    "replaced" if previous else None,
                    {
                        "content_type": checked.content_type,
                        "size": checked.size,
                        "sha256": checked.sha256,
                        "verified": holding.verified,
                    },
                ]
            },
        )
    except BaseException:
        _evidence_storage().delete(stored)
        raise
    _evidence_delete_on_commit([previous])
    return holding


# --- Claiming an imported record ---------------------------------------------------------------


@transaction.atomic
def claim_start(*, user: Any, id_number: str) -> dt.datetime:
    """A registered user asks to take over the imported, unclaimed record with this resident ID.

    Answers the same whether such a record exists, another account holds it or none has the number:
    the time until which a code, if one was sent, is valid. Only for an unclaimed record is a claim
    opened: a 6-digit code goes by SMS to the phone on that record (never the claimant's, never
    shown); without a phone there, staff confirm the claim in the admin.

    An account may claim while its own profile has no resident ID (it saved a profile before
    entering the number): that placeholder is replaced by the imported record when the claim
    completes, so it must have no applications. A profile with a resident ID is a profile of its
    own: 409. Both depend on the caller's own profile only.
    """
    _claimant_placeholder(user, lock=False)
    try:
        number = resident_id_parse(id_number).number
    except IdentifierError as exc:
        raise ValidationFailed({"id_number": [str(exc)]})
    record = Talent.objects.select_for_update().filter(id_number_hash=crypto.pii_hash(number)).first()
    if record is not None and record.user_id is None:
        return _claim_open(user=user, record=record).expires_at
    return timezone.now() + CLAIM_CODE_TTL


def _claim_open(*, user: Any, record: Talent) -> ProfileClaim:
    """A pending claim of ``user`` on the unclaimed ``record`` (locked), replacing an earlier one, with
    its code sent to the record's phone."""
    ProfileClaim.objects.filter(talent=record, user=user, status=ProfileClaim.Status.PENDING).update(
        status=ProfileClaim.Status.EXPIRED
    )
    code = f"{secrets.randbelow(10**6):06d}"
    claim = ProfileClaim.objects.create(
        talent=record,
        user=user,
        code_hash=crypto.pii_hash(f"claim:{code}") if record.phone else "",
        expires_at=timezone.now() + CLAIM_CODE_TTL,
    )
    if record.phone:
        from apps.notifications.services import notify

        # Through the one notify() path: SMS only, to the record's phone, delivered after commit with
        # retries, and the code is scrubbed from the stored body once sent.
        notify(
            kind="profile.claim_code",
            recipient=user,
            event_key=f"profile-claim:{claim.pk}",
            context={"code": code, "expires_at": timezone.localtime(claim.expires_at).strftime("%Y-%m-%d %H:%M")},
            channels=("sms",),
            sms_to=record.phone,
        )
    return claim


CLAIM_CODE_WRONG = gettext_lazy("验证码错误或已失效")


def claim_confirm_code(
    *, user: Any, code: str, claim_id: int | None = None, id_number: str | None = None, id_number_hash: str = ""
) -> Talent:
    """Complete a claim of ``user`` with the code sent to the record's phone; the claim is named by
    its id, or by the resident ID entered (``id_number``, or its keyed hash).

    Every failure answers the same 400 naming ``code`` — no such claim, a claim staff confirm (no
    phone on the record), an expired or used-up code, a wrong one — so that the answer never tells
    whether a record exists. A wrong code counts as an attempt (after ``CLAIM_MAX_ATTEMPTS`` the
    claim is closed) and an expired claim is marked so; those writes commit although the call fails.
    """
    if id_number is not None:
        try:
            id_number_hash = crypto.pii_hash(resident_id_parse(id_number).number)
        except IdentifierError as exc:
            raise ValidationFailed({"id_number": [str(exc)]})
    error = ValidationFailed({"code": [str(CLAIM_CODE_WRONG)]})
    with transaction.atomic():
        claims = ProfileClaim.objects.select_for_update(of=("self",)).filter(
            user=user, status=ProfileClaim.Status.PENDING
        )
        if claim_id is not None:
            claims = claims.filter(pk=claim_id)
        elif id_number_hash:
            claims = claims.filter(talent__id_number_hash=id_number_hash)
        else:
            raise error
        claim = claims.order_by("-pk").first()
        if claim is None or not claim.code_hash:
            raise error
        if claim.expires_at < timezone.now() or claim.attempts >= CLAIM_MAX_ATTEMPTS:
            claim.status = ProfileClaim.Status.EXPIRED
            claim.save(update_fields=["status", "updated_at"])
        elif not secrets.compare_digest(claim.code_hash, crypto.pii_hash(f"claim:{(code or '').strip()}")):
            claim.attempts += 1
            if claim.attempts >= CLAIM_MAX_ATTEMPTS:
                claim.status = ProfileClaim.Status.EXPIRED
            claim.save(update_fields=["attempts", "status", "updated_at"])
        else:
            return _claim_complete(claim, confirmed_by=None)
    raise error


@transaction.atomic
def claim_confirm_by_staff(*, claim_id: int, staff: Any) -> Talent:
    if not getattr(staff, "is_district_staff", False):
        raise NotPermitted()
    claim = ProfileClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(gettext("没有该认领申请"))
    if claim.status != ProfileClaim.Status.PENDING:
        raise Conflict(gettext("该认领申请已处理"))
    return _claim_complete(claim, confirmed_by=staff)


def _has_applications(talent: Talent) -> bool:
    from django.apps import apps

    if not apps.is_installed("apps.workflow"):
        return False
    Application = apps.get_model("workflow", "Application")
    return Application.objects.filter(applicant_id=talent.pk).exists()


def _claimant_placeholder(user: Any, *, lock: bool) -> Talent | None:
    """The claimant's own profile, if it may give way to the claimed record: one without a resident
    ID and without applications. A profile with a resident ID, or with applications, is a 409."""
    qs = Talent.objects.filter(user=user)
    own = (qs.select_for_update() if lock else qs).first()
    if own is None:
        return None
    if own.id_number_hash:
        raise Conflict(gettext("此账户已有人才档案"))
    if _has_applications(own):
        raise Conflict(gettext("此账户的人才档案已有申请，无法自动合并，请联系区人社局工作人员"))
    return own


def _claim_complete(claim: ProfileClaim, *, confirmed_by: Any) -> Talent:
    talent = Talent.objects.select_for_update().get(pk=claim.talent_id)
    if talent.user_id is not None:
        raise Conflict(gettext("该档案已被其他账户认领"))
    # Checked again under the lock: the placeholder may have gained a resident ID or an application
    # since the claim started.
    placeholder = _claimant_placeholder(claim.user, lock=True)
    changes: dict[str, Any] = {"user": [None, claim.user_id]}
    if placeholder is not None:
        # The account's own profile without a resident ID gives way to the record it proved is its:
        # one profile per account (Talent.user is one-to-one). What it held is named in the history.
        changes["replaced_profile"] = [
            {
                "id": placeholder.pk,
                "name": placeholder.name,
                "categories": sorted(placeholder.holdings.values_list("category__code", flat=True)),
            },
            None,
        ]
        # An enterprise's report of having brought this person in stays with the person.
        placeholder.shortage_introductions.exclude(
            enterprise_id__in=talent.shortage_introductions.values("enterprise_id")
        ).update(talent=talent)
        evidence = [name for name in placeholder.holdings.values_list("evidence", flat=True) if name]
        try:
            with transaction.atomic():
                placeholder.delete()
        except ProtectedError:
            # Something else (a card, say) already points at the placeholder: staff sort it out.
            raise Conflict(gettext("此账户的人才档案已被其他记录引用，无法自动合并，请联系区人社局工作人员"))
        _evidence_delete_on_commit(evidence)
    talent.user_id = claim.user_id
    talent.save(update_fields=["user", "updated_at"])
    claim.status = ProfileClaim.Status.CONFIRMED
    claim.confirmed_by = confirmed_by
    claim.save(update_fields=["status", "confirmed_by", "updated_at"])
    TalentProfileChange.objects.create(
        talent=talent,
        actor=confirmed_by or claim.user,
        source="claim",
        changes=changes,
    )
    return talent


# --- Bulk import and export audit ---------------------------------------------------------------


@dataclass(slots=True)
class TalentBulkRow:
    """One validated row of a talent import (``apps.talents.importing`` builds these)."""

    name: str
    id_number: str
    id_number_hash: str
    birth_date: dt.date
    sex: str
    phone: str = ""
    phone_hash: str | None = None
    email: str = ""
    education: str = ""
    degree: str = ""
    field: str = ""
    employer_id: int | None = None
    category_ids: tuple[int, ...] = ()
    category_codes: tuple[str, ...] = ()
    year: int | None = None


BULK_BATCH_SIZE = 5000


def _import_changes(r: TalentBulkRow, employment_status: str) -> dict[str, Any]:
    """The history entry of an imported profile: what ``talent_create`` + ``holding_set`` record."""
    # The row's identifiers are already normalised, so masking is slicing (= resident_id_mask/phone_mask).
    changes: dict[str, Any] = {
        "name": [None, r.name],
        "id_number": [None, f"{r.id_number[:4]}**********{r.id_number[-4:]}"],
    }
    if r.phone:
        changes["phone"] = [None, f"{r.phone[:3]}****{r.phone[-4:]}"]
    for key in ("email", "education", "degree", "field"):
        value = getattr(r, key)
        if value:
            changes[key] = [None, value]
    if r.employer_id is not None:
        changes["employer"] = [None, r.employer_id]
        changes["employment_status"] = [None, employment_status]
    for code in r.category_codes:
        changes[f"category:{code}"] = [None, {"year": r.year, "verified": False}]
    return changes


@transaction.atomic
def talent_bulk_create(
    *, rows: Sequence[TalentBulkRow], actor: Any = None, source: str = "import", batch_size: int = BULK_BATCH_SIZE
) -> int:
    """Insert rows that ``apps.talents.importing`` validated, with their category holdings and
    one history row each, in one transaction: all of them or, on any database error, none.

    On PostgreSQL (psycopg2) the rows go in with ``COPY``; elsewhere with ``bulk_create``. Either
    way the identifiers are encrypted and hashed as ``EncryptedTextField`` and ``talent_create``
    do. The unique resident-ID hash is the backstop against a record registered meanwhile
    (IntegrityError, and the whole import rolls back).

    The employers in the file are confirmed when the importer may confirm employment (or runs
    without an account: the command line), else claimed (``employment_recorded_status``)."""
    from django.db import connection

    if batch_size < 1:
        # range(0, n, 0) raises and a negative step writes nothing at all: refuse both up front.
        raise ValueError(f"batch_size must be positive, not {batch_size}")
    employment = employment_recorded_status(actor=actor, talent_user_id=None)
    if connection.vendor == "postgresql" and connection.Database.__name__ == "psycopg2":  # type: ignore[attr-defined]
        _talent_copy(rows, actor=actor, source=source, batch_size=batch_size, employment=employment)
        return len(rows)
    now = timezone.now()
    confirmed = employment == Talent.EmploymentStatus.CONFIRMED
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        talents = Talent.objects.bulk_create(
            [
                Talent(
                    name=r.name,
                    id_number=r.id_number,
                    id_number_hash=r.id_number_hash,
                    birth_date=r.birth_date,
                    sex=r.sex,
                    phone=r.phone,
                    phone_hash=r.phone_hash,
                    email=r.email,
                    education=r.education,
                    degree=r.degree,
                    field=r.field,
                    employer_id=r.employer_id,
                    **(
                        {
                            "employment_status": employment,
                            "employment_claimed_at": None if confirmed else now,
                            "employment_confirmed_by": actor if confirmed else None,
                            "employment_confirmed_at": now if confirmed else None,
                        }
                        if r.employer_id is not None
                        else {}
                    ),
                )
                for r in chunk
            ],
            batch_size=batch_size,
        )
        TalentCategoryHolding.objects.bulk_create(
            [
                TalentCategoryHolding(talent_id=talent.pk, category_id=category_id, year=r.year)
                for r, talent in zip(chunk, talents, strict=True)
                for category_id in r.category_ids
            ],
            batch_size=batch_size,
        )
        TalentProfileChange.objects.bulk_create(
            [
                TalentProfileChange(
                    talent_id=talent.pk, actor=actor, source=source, changes=_import_changes(r, employment)
                )
                for r, talent in zip(chunk, talents, strict=True)
            ],
            batch_size=batch_size,
        )
    return len(rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_TALENT_COPY_FIELDS = (
    "id", "created_at", "updated_at", "name", "id_number", "id_number_hash", "birth_date", "sex",
    "phone", "phone_hash", "email", "education", "degree", "field", "employer", "is_green_card_holder",
    "employment_status", "employment_claimed_at", "employment_confirmed_by", "employment_confirmed_at",
    "employment_refusal_reason",
)  # fmt: skip
_HOLDING_COPY_FIELDS = (
    "created_at",
    "updated_at",
    "talent",
    "category",
    "year",
    "issuing_body",
    "evidence",
    "verified",
)
_HISTORY_COPY_FIELDS = ("talent", "actor", "at", "source", "changes")


_COPY_NULL = "\\N"  # COPY text format's NULL


def _copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return _COPY_NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        # Most values need no escaping; finding that out is cheaper than translating.
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _talent_copy_buffers(
    ids: Sequence[int],
    chunk: Sequence[TalentBulkRow],
    *,
    now: dt.datetime,
    actor_id: Any,
    source: str,
    employment: str = Talent.EmploymentStatus.CONFIRMED,
) -> tuple[str, str, str]:
    """COPY text for one chunk: talents (identifiers encrypted here), holdings, history.

    Only free text can contain COPY's special characters; ciphertext (URL-safe base64), digests,
    numbers and dates cannot, so they are written as they are."""
    encrypt, text = crypto.encrypt, _copy_text
    stamp = now.isoformat()
    actor = _COPY_NULL if actor_id is None else str(actor_id)
    # The employment columns: status, claimed at, confirmed by, confirmed at, refusal reason.
    if employment == Talent.EmploymentStatus.CONFIRMED:
        employed = f"\t{employment}\t{_COPY_NULL}\t{actor}\t{stamp}\t"
    else:
        employed = f"\t{employment}\t{stamp}\t{_COPY_NULL}\t{_COPY_NULL}\t"
    unemployed = f"\t\t{_COPY_NULL}\t{_COPY_NULL}\t{_COPY_NULL}\t"
    talents = "".join(
        f"{pk}\t{stamp}\t{stamp}\t{text(r.name)}\t{encrypt(r.id_number)}\t{r.id_number_hash}\t"
        f"{r.birth_date.isoformat()}\t{r.sex}\t{encrypt(r.phone) if r.phone else ''}\t{r.phone_hash or _COPY_NULL}\t"
        f"{text(r.email)}\t{r.education}\t{text(r.degree)}\t{text(r.field)}\t"
        f"{_COPY_NULL if r.employer_id is None else r.employer_id}\tf"
        f"{unemployed if r.employer_id is None else employed}\n"
        for pk, r in zip(ids, chunk, strict=True)
    )
    holdings = "".join(
        f"{stamp}\t{stamp}\t{pk}\t{category_id}\t{_COPY_NULL if r.year is None else r.year}\t\t\tf\n"
        for pk, r in zip(ids, chunk, strict=True)
        for category_id in r.category_ids
    )
    history = "".join(
        f"{pk}\t{actor}\t{stamp}\t{text(source)}\t"
        f"{text(json.dumps(_import_changes(r, employment), ensure_ascii=False))}\n"
        for pk, r in zip(ids, chunk, strict=True)
    )
    return talents, holdings, history


def _talent_copy(
    rows: Sequence[TalentBulkRow],
    *,
    actor: Any,
    source: str,
    batch_size: int,
    employment: str = Talent.EmploymentStatus.CONFIRMED,
) -> None:
    """COPY the rows in chunks. Ids come from the table's own sequence first, so holdings and
    history can point at them. A worker thread prepares the next chunk (encryption and JSON are
    the Python-side cost) while PostgreSQL ingests the current one: psycopg2 releases the GIL
    while it waits for the server, so on two cores the two halves overlap."""
    import io
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    from django.db import connection

    if not rows:
        return
    quote = connection.ops.quote_name
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    statements = [
        "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(str(model._meta.get_field(f).column)) for f in fields)
        )
        for model, fields in (
            (Talent, _TALENT_COPY_FIELDS),
            (TalentCategoryHolding, _HOLDING_COPY_FIELDS),
            (TalentProfileChange, _HISTORY_COPY_FIELDS),
        )
    ]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg2 cursor, for copy_expert
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Talent._meta.db_table, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Check foreign keys row by row while the worker thread prepares the next chunk, instead
        # of all at once at commit (Django declares them DEFERRABLE INITIALLY DEFERRED).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        starts = iter(range(0, len(rows), batch_size))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="talent-import") as pool:
            pending: deque[Future[tuple[str, str, str]]] = deque()

            def prepare_next() -> None:
                start = next(starts, None)
                if start is not None:
                    end = start + batch_size
                    pending.append(
                        pool.submit(
                            _talent_copy_buffers,
                            ids[start:end],
                            rows[start:end],
                            now=now,
                            actor_id=actor_id,
                            source=source,
                            employment=employment,
                        )
                    )

            prepare_next()
            while pending:
                buffers = pending.popleft().result()
                prepare_next()
                for statement, text in zip(statements, buffers, strict=True):
                    if text:
                        cursor.copy_expert(statement, io.StringIO(text))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's default for the transaction


def export_log_record(*, user: Any, resource: str, rows: int, unmasked: bool, file_format: str = "") -> ExportLog:
    """Audit record of an export; an export with full personal identifiers is flagged."""
    return ExportLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        resource=resource,
        rows=rows,
        unmasked=unmasked,
        file_format=file_format[:20],
    )
