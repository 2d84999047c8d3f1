from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.identifiers import phone_mask, resident_id_mask
from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage


class TalentCategory(models.Model):
    """A talent category (人才类别), as data staff edit: the seed's national/provincial programmes
    and the district's own tiers. ``level`` orders priority (1 = highest)."""

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), default=9, help_text=_("1 为最高；用于优先级与按最高类别统计"))
    is_high_level = models.BooleanField(_("高层次人才"), default=False)
    city_total = models.PositiveIntegerField(_("全市总数"), null=True, blank=True, help_text=_("用于计算全市占比"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "level", "code"]
        verbose_name = _("人才类别")
        verbose_name_plural = _("人才类别")

    def __str__(self) -> str:
        return self.name


class Talent(TimeStampedModel):
    """A talent profile (人才信息). May exist before its owner has an account (staff import);
    ``user`` is set when the owner claims it. Resident ID and phone are encrypted at rest and
    found through their keyed hashes."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class EmploymentStatus(models.TextChoices):
        CLAIMED = "claimed", _("待企业确认")
        CONFIRMED = "confirmed", _("企业已确认")
        REFUSED = "refused", _("企业不予确认")

    class Education(models.TextChoices):
        DOCTORATE = "doctorate", _("博士研究生")
        MASTER = "master", _("硕士研究生")
        BACHELOR = "bachelor", _("大学本科")
        COLLEGE = "college", _("大学专科")
        OTHER = "other", _("其他")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="talent_profile"
    )
    name = models.CharField(_("姓名"), max_length=100, db_index=True)
    id_number = EncryptedTextField(_("居民身份证号码"), blank=True, default="", hash_field="id_number_hash")
    # Unique and indexed through Meta: a plain btree, without the varchar_pattern_ops twin PostgreSQL
    # gets for a CharField(unique/db_index) — a hash is never searched by prefix.
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("手机号码"), blank=True, default="", hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=50, blank=True)
    field = models.CharField(_("专业领域"), max_length=100, blank=True)
    employer = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talents",
    )
    # The employer is a claim until someone accountable confirms it (``apps.talents.employment``):
    # only a confirmed employment shows the talent to that enterprise's HR, lets HR apply for them
    # and lets an approval spend the enterprise's quota.
    employment_status = models.CharField(
        _("在职状态"), max_length=10, choices=EmploymentStatus.choices, blank=True, default=""
    )
    employment_claimed_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    employment_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    employment_confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    employment_refusal_reason = models.CharField(_("不予确认的理由"), max_length=500, blank=True, default="")
    is_green_card_holder = models.BooleanField(_("人才绿卡持有人"), default=False, db_index=True)
    categories = models.ManyToManyField(TalentCategory, through="TalentCategoryHolding", related_name="talents")

    class Meta:
        ordering = ["id"]
        verbose_name = _("人才")
        verbose_name_plural = _("人才信息库")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="talent_id_number_hash_unique"),
            models.CheckConstraint(
                condition=Q(employment_status__in=["", "claimed", "confirmed", "refused"]),
                name="talent_employment_status_valid",
            ),
            # Every employer on record is claimed, confirmed or refused. (Not the converse: deleting
            # an enterprise nulls the employer and leaves a status that no longer counts for anyone.)
            models.CheckConstraint(
                condition=Q(employer__isnull=True) | ~Q(employment_status=""), name="talent_employer_has_status"
            ),
        ]
        indexes = [
            models.Index(fields=["phone_hash"], name="talent_phone_hash_idx"),
            models.Index(fields=["employer", "employment_status"], name="talent_employment_idx"),
        ]
        permissions = [
            ("import_talent", "Can import talents"),
            ("confirm_employment", "Can confirm or refuse a talent's employment"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return resident_id_mask(self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return phone_mask(self.phone) if self.phone else ""

    @property
    def confirmed_employer_id(self) -> int | None:
        """The employer's id when the employment is confirmed, else None: what every decision reads."""
        if self.employer_id is not None and self.employment_status == self.EmploymentStatus.CONFIRMED:
            return self.employer_id
        return None


def evidence_upload_to(instance: TalentCategoryHolding, filename: str) -> str:
    # The stored name never uses the uploaded file's name.
    import uuid

    return f"evidence/{instance.talent_id}/{uuid.uuid4().hex}"


class TalentCategoryHolding(TimeStampedModel):
    """A category a talent holds: the year, the issuing body, the evidence, staff verification."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="holdings")
    category = models.ForeignKey(TalentCategory, on_delete=models.PROTECT, related_name="holdings")
    year = models.PositiveSmallIntegerField(_("入选年度"), null=True, blank=True)
    issuing_body = models.CharField(_("认定机构"), max_length=200, blank=True)
    evidence = models.FileField(_("证明材料"), upload_to=evidence_upload_to, storage=private_storage, blank=True)
    verified = models.BooleanField(_("已核验"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["category__level", "id"]
        verbose_name = _("人才类别认定")
        verbose_name_plural = _("人才类别认定")
        constraints = [models.UniqueConstraint(fields=["talent", "category"], name="holding_unique_per_category")]


class TalentProfileChange(models.Model):
    """Append-only history of a profile: who changed what, when. Personal identifiers appear masked."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=30, default="api", help_text="api, admin, import, claim, system")
    changes = models.JSONField(default=dict, help_text='{"field": [old, new]}')

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("人才信息变更记录")
        verbose_name_plural = _("人才信息变更记录")


class ProfileClaim(TimeStampedModel):
    """A registered user's request to take over an imported profile with the same resident ID.

    Completed when the user enters the code sent to the phone on the imported record, or when
    staff confirm it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        EXPIRED = "expired", _("已失效")

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_claims")
    code_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("认领申请")
        verbose_name_plural = _("认领申请")
        constraints = [
            models.UniqueConstraint(
                fields=["talent", "user"], condition=Q(status="pending"), name="one_pending_claim_per_user_talent"
            )
        ]


class ExportLog(models.Model):
    """Append-only audit of exports from the admin: who exported how many rows of what, and
    whether personal identifiers were in full (``unmasked``, needs accounts.export_personal_data)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)
    resource = models.CharField(_("导出内容"), max_length=100)
    file_format = models.CharField(_("格式"), max_length=20, blank=True)
    rows = models.PositiveIntegerField(_("行数"))
    unmasked = models.BooleanField(_("含完整身份证号/手机号"), default=False, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
