"""python manage.py export_credit_records REGION_CODE FILE.xlsx (D-38): the credit records of a
region's subtree for the provincial credit platform, as the credit list's export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certification.models import Region
from certification.selectors.credit import credit_records_in_region
from certification.services.credit import credit_export
from certification.spreadsheets import xlsx_bytes


class Command(BaseCommand):
    help = "导出地区诚信档案记录（省信用平台 .xlsx；个人仅含脱敏姓名和证件号）"

    def add_arguments(self, parser):
        parser.add_argument("region_code", help="地区代码，如 530000")
        parser.add_argument("file", help="输出的 .xlsx 文件")

    def handle(self, *args, region_code, file, **options):
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise CommandError(f"未知的地区代码 {region_code}")
        records = credit_records_in_region(region)
        sheets = credit_export(actor=None, records=records, region=region)
        Path(file).write_bytes(xlsx_bytes(sheets))
        self.stdout.write(f"已导出 {len(sheets[0][2])} 条到 {file}")
