"""D-1: GB/T 2260 region codes, the shipped code table and ``manage.py import_regions``."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certification.models import AuditEvent, Region
from certification.regions_data import (
    RegionFileError,
    load_region_rows,
    region_level,
    region_parent_code,
    region_path,
)

SHIPPED_CSV = Path(__file__).resolve().parents[2] / "certification" / "data" / "regions.csv"

PROVINCIAL_CODES = {
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000",
    "320000", "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000",
    "440000", "450000", "460000", "500000", "510000", "520000", "530000", "540000", "610000",
    "620000", "630000", "640000", "650000", "710000", "810000", "820000",
}  # fmt: skip


def write_csv(tmp_path: Path, body: str, name: str = "regions.csv") -> Path:
    path = tmp_path / name
    path.write_text("code,name\n" + body, encoding="utf-8")
    return path


def run_import(*args: str, **options: object) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_regions", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- pure code rules -------------------------------------------------------------------------


def test_a_province_code_is_a_province_with_no_parent():
    assert region_level("530000") == "province"
    assert region_parent_code("530000") is None
    assert region_path("530000") == "530000/"


def test_a_prefecture_code_belongs_to_its_province():
    assert region_level("530100") == "prefecture"
    assert region_parent_code("530100") == "530000"


def test_a_county_code_belongs_to_its_prefecture():
    assert region_level("530102") == "county"
    assert region_parent_code("530102") == "530100"
    assert region_path("530102") == "530000/530100/530102/"


def test_a_province_administered_county_with_yy_90_belongs_to_the_province():
    assert region_level("429004") == "county"
    assert region_parent_code("429004") == "420000"
    assert region_path("429004") == "420000/429004/"


@pytest.mark.parametrize("code", ["", "53010", "5301020", "53O102", " 530102", "５３０１０２"])
def test_a_code_that_is_not_six_digits_is_rejected_with_a_message(code):
    with pytest.raises(ValueError, match="不是 6 位数字"):
        region_level(code)
    with pytest.raises(ValueError, match="不是 6 位数字"):
        region_parent_code(code)


@pytest.mark.parametrize("code", ["000000", "110001", "429000"])
def test_a_six_digit_code_that_breaks_the_code_structure_is_rejected(code):
    with pytest.raises(ValueError, match=code):
        region_level(code)


# --- CSV validation --------------------------------------------------------------------------


def test_loading_a_csv_returns_parents_before_children_whatever_the_file_order(tmp_path):
    path = write_csv(
        tmp_path, "530102,五华区\n429004,仙桃市\n530100,昆明市\n530000,云南省\n420000,湖北省\n"
    )

    codes = [code for code, _name in load_region_rows(path)]

    for code in codes:
        parent = region_parent_code(code)
        assert parent is None or codes.index(parent) < codes.index(code)


def test_a_bad_csv_reports_every_bad_row_number_and_reason(tmp_path):
    path = write_csv(
        tmp_path,
        "530000,云南省\n"  # row 2: fine
        "5301,昆明市\n"  # row 3: not 6 digits
        "530100,昆明市\n"  # row 4: fine
        "530102,\n"  # row 5: empty name
        "530100,昆明\n"  # row 6: duplicate of row 4
        "620102,城关区\n"  # row 7: parent 620100 neither in file nor known
        "530103,盘龙区,多余\n",  # row 8: too many columns
    )

    with pytest.raises(RegionFileError) as excinfo:
        load_region_rows(path)

    errors = excinfo.value.errors
    assert len(errors) == 5
    assert errors[0].startswith("第 3 行") and "不是 6 位数字" in errors[0]
    assert errors[1].startswith("第 5 行") and "名称为空" in errors[1]
    assert errors[2].startswith("第 6 行") and "第 4 行重复" in errors[2]
    assert errors[3].startswith("第 7 行") and "620100" in errors[3]
    assert errors[4].startswith("第 8 行") and "2 列" in errors[4]


def test_a_parent_that_is_already_known_need_not_be_in_the_file(tmp_path):
    path = write_csv(tmp_path, "620102,城关区\n")

    assert load_region_rows(path, known_codes={"620000", "620100"}) == [("620102", "城关区")]


def test_a_csv_with_the_wrong_header_is_rejected_at_row_1(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("代码,名称\n530000,云南省\n", encoding="utf-8")

    with pytest.raises(RegionFileError) as excinfo:
        load_region_rows(path)

    assert excinfo.value.errors[0].startswith("第 1 行")


def test_the_shipped_csv_loads_and_contains_all_34_provincial_level_codes():
    rows = dict(load_region_rows(SHIPPED_CSV))

    provinces = {code for code in rows if region_level(code) == "province"}
    assert provinces == PROVINCIAL_CODES
    assert len(provinces) == 34
    assert rows["810000"] == "香港特别行政区"
    assert rows["820000"] == "澳门特别行政区"
    assert rows["710000"] == "台湾省"
    assert rows["530102"] == "五华区"
    assert rows["429004"] == "仙桃市"
    assert rows["441881"] == "英德市"


# --- import command --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_csv_import_prints_every_bad_row_and_saves_nothing(tmp_path):
    run_import(str(write_csv(tmp_path, "530000,云南省\n", name="seed.csv")))
    before = Region.objects.count()
    path = write_csv(
        tmp_path,
        "420000,湖北省\n"  # row 2: fine on its own
        "42000X,湖北\n"  # row 3: not 6 digits
        "429004,\n"  # row 4: empty name
        "420000,湖北省\n"  # row 5: duplicate
        "610902,汉滨区\n",  # row 6: parent 610900 missing
    )
    err = StringIO()

    with pytest.raises(CommandError, match="4 处错误"):
        call_command("import_regions", str(path), stdout=StringIO(), stderr=err)

    for row in (3, 4, 5, 6):
        assert f"第 {row} 行" in err.getvalue()
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="420000").exists()


@pytest.mark.django_db
def test_a_good_import_builds_the_tree_and_path(tmp_path):
    path = write_csv(
        tmp_path, "530102,五华区\n530100,昆明市\n530000,云南省\n420000,湖北省\n429004,仙桃市\n"
    )

    out, _err = run_import(str(path), version="2023")

    assert "新建 5 条" in out
    wuhua = Region.objects.get(code="530102")
    assert wuhua.name == "五华区"
    assert wuhua.level == Region.Level.COUNTY
    assert wuhua.parent_id == "530100"
    assert wuhua.parent.parent_id == "530000"
    assert wuhua.path == "530000/530100/530102/"
    assert wuhua.version == "2023"
    assert wuhua.is_active
    xiantao = Region.objects.get(code="429004")
    assert xiantao.parent_id == "420000"
    assert xiantao.path == "420000/429004/"
    assert Region.objects.get(code="530000").parent is None
    assert Region.objects.get(code="530100").level == Region.Level.PREFECTURE
    assert set(
        Region.objects.filter(path__startswith="530000/").values_list("code", flat=True)
    ) == {"530000", "530100", "530102"}


@pytest.mark.django_db
def test_re_running_the_import_is_idempotent(tmp_path):
    path = write_csv(tmp_path, "530000,云南省\n530100,昆明市\n530102,五华区\n")
    run_import(str(path))
    first = list(Region.objects.order_by("code").values())

    out, _err = run_import(str(path))

    assert "新建 0 条，更新 0 条" in out
    assert list(Region.objects.order_by("code").values()) == first


@pytest.mark.django_db
def test_an_import_updates_changed_rows_and_leaves_codes_missing_from_the_file_alone(tmp_path):
    run_import(str(write_csv(tmp_path, "530000,云南省\n530100,昆明市\n", name="v1.csv")))
    Region.objects.filter(code="530100").update(is_active=False)

    out, _err = run_import(
        str(write_csv(tmp_path, "530000,云南\n", name="v2.csv")), "--version", "2024"
    )

    assert "更新 1 条" in out
    province = Region.objects.get(code="530000")
    assert (province.name, province.version) == ("云南", "2024")
    kunming = Region.objects.get(code="530100")
    assert (kunming.name, kunming.is_active, kunming.version) == ("昆明市", False, "2026")


@pytest.mark.django_db
def test_a_file_may_add_children_under_parents_already_imported(tmp_path):
    run_import(str(write_csv(tmp_path, "620000,甘肃省\n620100,兰州市\n", name="base.csv")))

    run_import(str(write_csv(tmp_path, "620102,城关区\n", name="more.csv")))

    assert Region.objects.get(code="620102").path == "620000/620100/620102/"


@pytest.mark.django_db
def test_the_shipped_csv_imports_by_default():
    run_import()

    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 34
    assert Region.objects.get(code="441882").path == "440000/441800/441882/"
    assert Region.objects.get(code="110108").parent.parent_id == "110000"


def test_the_shipped_csv_is_the_full_county_level_list():
    rows = dict(load_region_rows(SHIPPED_CSV))

    gansu_counties = [c for c in rows if c.startswith("62") and region_level(c) == "county"]
    assert len(gansu_counties) == 86  # every county-level division of Gansu, not a sample
    assert sum(1 for c in rows if region_level(c) == "county") > 2800
    assert rows["620102"] == "城关区" and rows["110100"] == "市辖区"
    assert not [c for c in rows if c.startswith("99")]


@pytest.mark.django_db
def test_a_complete_newer_list_retires_missing_codes_and_keeps_them(tmp_path):
    run_import(str(write_csv(tmp_path, "620000,甘肃省\n620100,兰州市\n620102,城关区\n")))
    org_region = Region.objects.get(code="620102")

    out, _err = run_import(
        str(write_csv(tmp_path, "620000,甘肃省\n620100,兰州市\n", name="v2.csv")),
        "--version",
        "2027",
        "--retire-missing",
    )

    current = set(Region.objects.filter(is_active=True).values_list("code", flat=True))
    assert current == {"620000", "620100"}
    assert f"撤销 {Region.objects.filter(is_active=False).count()} 条" in out
    org_region.refresh_from_db()
    assert org_region.is_active is False and org_region.name == "城关区"  # history kept
    assert AuditEvent.objects.filter(action="regions.import", data__version="2027").exists()
    # A code that comes back in a later list is current again.
    run_import(str(write_csv(tmp_path, "620102,城关区\n", name="v3.csv")))
    assert Region.objects.get(code="620102").is_active is True
