"""``python manage.py import_talents FILE [--dry-run] [--batch-size N]``: import talents from a .csv or
.xlsx file.

All or nothing: every row is validated first and the report lists each bad row with its row
number (the header is row 1), column and message; if any row is bad nothing is written and the
command exits with status 1. ``--dry-run`` validates only. ``--batch-size`` must be a positive
number (a zero or negative one would write nothing and still report success).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from apps.core.spreadsheets import UnreadableFile
from apps.talents.importing import talent_import_file
from apps.talents.services import BULK_BATCH_SIZE


class Command(BaseCommand):
    help = "Import talents from a .csv or .xlsx file (all or nothing); --dry-run only validates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file; the first row is the header")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--actor", help="username recorded as the author in the profile history")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"rows per INSERT or COPY chunk, a positive number (default {BULK_BATCH_SIZE})",
        )

    def handle(self, *args: Any, file: str, dry_run: bool = False, actor: str | None = None, **options: Any) -> None:
        batch_size = options.get("batch_size")
        if batch_size is not None and batch_size < 1:
            raise CommandError(f"--batch-size must be a positive number, not {batch_size}")
        user = None
        if actor:
            user = get_user_model().objects.filter(username__iexact=actor).first()
            if user is None:
                raise CommandError(f"no user {actor!r}")
        try:
            report = talent_import_file(file, actor=user, dry_run=dry_run, batch_size=batch_size)
        except (OSError, UnreadableFile) as exc:
            raise CommandError(str(exc)) from exc
        timings = ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items())
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            counts = {"bad": report.bad_rows, "errors": len(report.errors), "total": report.total}
            raise CommandError(
                gettext("%(bad)d 行有误，共 %(errors)d 处错误（共 %(total)d 行），未导入任何数据") % counts
            )
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    gettext("试运行：%(total)d 行全部有效，未写入（%(timings)s）")
                    % {"total": report.total, "timings": timings}
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                gettext("已导入 %(created)d 名人才（%(timings)s）") % {"created": report.created, "timings": timings}
            )
        )
