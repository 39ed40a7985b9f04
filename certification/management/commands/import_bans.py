"""python manage.py import_bans FILE.xlsx --region CODE --actor EMAIL (D-22, all-or-nothing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certification.access import staff_scope
from certification.models import Region, StaffRole
from certification.services.ban_register import ban_import
from certification.spreadsheets import SpreadsheetRefused
from cms.models import User


class Command(BaseCommand):
    help = "从 Excel 导入禁入登记（任一行有误则全部不导入）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--region", required=True, help="登记地区代码，如 530100")
        parser.add_argument("--actor", required=True, help="操作的卫健监管人员邮箱")

    def handle(self, *args, file, region, actor, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError("需要一个存在的 .xlsx 文件")
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            raise CommandError(f"未知的地区代码 {region}")
        user = User.objects.filter(email__iexact=actor).first()
        if user is None or not staff_scope(user).covers_path(region_obj.path, StaffRole.REGULATOR):
            raise CommandError("操作人必须是该地区的卫健监管人员")
        with path.open("rb") as fh:
            try:
                created = ban_import(actor=user, fileobj=fh, region=region_obj, filename=path.name)
            except SpreadsheetRefused as exc:
                for err in exc.errors:
                    self.stderr.write(str(err))
                raise CommandError(f"{len(exc.errors)} 处错误，未导入任何数据") from None
        self.stdout.write(f"已导入 {len(created)} 条")
