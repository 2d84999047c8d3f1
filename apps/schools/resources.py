"""Spreadsheet import and export of schools (django-import-export): matched by name, so importing a
sheet twice updates rather than duplicates."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from import_export import fields, resources

from .models import School


class SchoolResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="学校名称")
    stage = fields.Field(attribute="stage", column_name="学段")
    address = fields.Field(attribute="address", column_name="地址")
    active = fields.Field(attribute="active", column_name="启用")

    class Meta:
        model = School
        fields = ("name", "stage", "address", "active")
        import_id_fields = ("name",)
        skip_unchanged = True
        name = gettext_lazy("学校")

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        """The stage as a sheet writes it (小学/初中, or the code); 启用 as 是/否 (default 是)."""
        # The Chinese labels whatever the importer's language, the labels in that language, and the codes.
        with translation.override("zh-hans"):
            labels = {str(label): value for value, label in School.Stage.choices}
        labels |= {str(label): value for value, label in School.Stage.choices} | {v: v for v in School.Stage.values}
        stage = str(row.get("学段") or "").strip()
        if stage not in labels:
            raise ValueError(gettext("学段应为“小学”或“初中”"))
        row["学段"] = labels[stage]
        active = str(row.get("启用") if row.get("启用") is not None else "是").strip().lower()
        row["启用"] = active not in {"否", "0", "false", "no"}
        if not str(row.get("学校名称") or "").strip():
            raise ValueError(gettext("学校名称必填"))

    def dehydrate_stage(self, school: School) -> str:
        return str(school.get_stage_display())

    def dehydrate_active(self, school: School) -> str:
        return gettext("是") if school.active else gettext("否")
