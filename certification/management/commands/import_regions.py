"""``manage.py import_regions [FILE] [--version 2026] [--retire-missing]``: load the GB/T 2260
code table (D-1).

All-or-nothing: the whole file is validated first and nothing is written if any row is bad.
Codes missing from the file are left untouched, unless --retire-missing says the file is the
complete current list: then they are marked not current (is_active=False), never deleted, so
people, organisations and rules recorded under a retired code keep it as history and new records
can no longer choose it. The shipped file is built by scripts/regions_csv.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from certification.audit import audit_record
from certification.models import Region
from certification.regions_data import (
    RegionFileError,
    load_region_rows,
    region_level,
    region_parent_code,
    region_path,
)

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.csv"
DEFAULT_VERSION = "2026"
VERSION_MAX_LENGTH = 16  # Region.version.max_length


class Command(BaseCommand):
    """Validate a ``code,name`` CSV and upsert it into Region in one transaction (rule D-1)."""

    help = "导入 GB/T 2260 行政区划代码表（CSV：code,name），全部校验通过才写入。"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Let our ``--version`` (code-table edition) replace Django's built-in ``--version``."""
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(DEFAULT_FILE),
            help="CSV 文件路径（默认 certification/data/regions.csv）",
        )
        parser.add_argument(
            "--version",
            dest="code_version",
            metavar="VERSION",
            default=DEFAULT_VERSION,
            help=f"代码表版本，如 {DEFAULT_VERSION}",
        )
        parser.add_argument(
            "--retire-missing",
            action="store_true",
            help="文件是完整的现行代码表：不在文件中的代码标记为已撤销（保留历史，不删除）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        version = (options["code_version"] or "").strip()
        if len(version) > VERSION_MAX_LENGTH:
            raise CommandError(
                _("版本号 %(version)s 超过 %(max)d 个字符")
                % {"version": version, "max": VERSION_MAX_LENGTH}
            )

        known = set(Region.objects.values_list("code", flat=True))
        try:
            rows = load_region_rows(path, known_codes=known)
        except RegionFileError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(
                _("文件 %(path)s 有 %(count)d 处错误，未导入任何数据")
                % {"path": path, "count": len(exc.errors)}
            ) from exc

        created = updated = unchanged = retired = 0
        with transaction.atomic():
            existing = Region.objects.in_bulk([code for code, _name in rows])
            for code, name in rows:
                values = {
                    "name": name,
                    "level": region_level(code),
                    "parent_id": region_parent_code(code),
                    "path": region_path(code),
                    "version": version,
                    "is_active": True,
                }
                current = existing.get(code)
                if current is not None and all(
                    getattr(current, field) == value for field, value in values.items()
                ):
                    unchanged += 1
                    continue
                _region, was_created = Region.objects.update_or_create(code=code, defaults=values)
                if was_created:
                    created += 1
                else:
                    updated += 1
            if options["retire_missing"]:
                retired = (
                    Region.objects.filter(is_active=True)
                    .exclude(code__in=[code for code, _name in rows])
                    .update(is_active=False)
                )
            if created or updated or retired:
                audit_record(
                    actor=None,
                    action="regions.import",
                    data={
                        "file": path.name,
                        "version": version,
                        "created": created,
                        "updated": updated,
                        "retired": retired,
                    },
                )

        self.stdout.write(
            _(
                "行政区划导入完成（版本 %(version)s）：新建 %(created)d 条，更新 %(updated)d 条，"
                "未变 %(unchanged)d 条，撤销 %(retired)d 条"
            )
            % {
                "version": version or "-",
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "retired": retired,
            }
        )
