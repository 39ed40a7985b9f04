import datetime as dt

import pytest

from certification.idnumbers import (
    IdNumberError,
    IdType,
    build_resident_id,
    mask_id_number,
    parse_id_number,
    validate_credit_code,
)


def test_the_domain_example_is_valid_and_female():
    parsed = parse_id_number(IdType.RESIDENT, "11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.gender == "F"


def test_lower_case_x_is_normalised_to_upper_case():
    assert parse_id_number(IdType.RESIDENT, " 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("11010519491231002A", "characters"),
        ("1101051949X231002X", "characters"),
        ("110105194902300023", "birth_date"),  # 30 February
        ("110105299901010011", "birth_date"),  # in the future
        ("110105194912310021", "check_char"),
        ("", "empty"),
    ],
)
def test_each_kind_of_invalid_resident_id_gets_its_own_error(raw, code):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(IdType.RESIDENT, raw)
    assert exc.value.code == code
    assert str(exc.value)  # a message the user can read


def test_a_retired_area_code_is_not_rejected():
    # 110102 was merged away in 2010 but people still carry IDs issued under it.
    number = build_resident_id("110103", dt.date(1980, 1, 1), 11)
    assert parse_id_number(IdType.RESIDENT, number).number == number


@pytest.mark.parametrize(
    ("id_type", "area"),
    [
        (IdType.HK_MACAU_PERMIT, "810000"),
        (IdType.HK_MACAU_PERMIT, "820000"),
        (IdType.TAIWAN_PERMIT, "830000"),
    ],
)
def test_residence_permits_use_the_same_format_with_their_area(id_type, area):
    number = build_resident_id(area, dt.date(1988, 8, 8), 33)
    assert parse_id_number(id_type, number).gender == "M"


def test_a_residence_permit_with_a_mainland_area_is_refused():
    number = build_resident_id("530102", dt.date(1988, 8, 8), 33)
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(IdType.TAIWAN_PERMIT, number)
    assert exc.value.code == "area"


def test_the_2023_foreign_permanent_resident_card_starts_with_9():
    number = build_resident_id("933156", dt.date(1985, 3, 4), 12)
    assert parse_id_number(IdType.FOREIGN_PR, number).birth_date == dt.date(1985, 3, 4)
    with pytest.raises(IdNumberError):
        parse_id_number(IdType.FOREIGN_PR, build_resident_id("530102", dt.date(1985, 3, 4), 12))


def test_passports_are_typed_free_text():
    assert parse_id_number(IdType.PASSPORT, "e12345678").number == "E12345678"
    with pytest.raises(IdNumberError):
        parse_id_number(IdType.PASSPORT, "E123 45678<script>")


def test_masking_keeps_area_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_credit_code_check_character():
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(IdNumberError) as exc:
        validate_credit_code("91350100M000100Y44")
    assert exc.value.code == "check_char"
