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
            raise CommandError(
                f"{report.bad_rows} 行有误，共 {len(report.errors)} 处错误（共 {report.total} 行），未导入任何数据 / "
                f"{report.bad_rows} bad rows, {len(report.errors)} errors in {report.total} rows: nothing was imported"
            )
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"试运行：{report.total} 行全部有效，未写入 / dry run: all {report.total} rows are valid, nothing written ({timings})"
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {report.created} 名人才 / imported {report.created} talents ({timings})")
        )
