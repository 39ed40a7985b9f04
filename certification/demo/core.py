"""Demo step: regions, organisations, people, employments, and one login per role."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command

from certification.idnumbers import IdType, build_resident_id, uscc_check_char
from certification.models import (
    Employment,
    Organisation,
    Person,
    Region,
    StaffMembership,
    StaffRole,
)
from certification.services.compliance import compliance_on_employment_change
from cms.choices import WorkerRole
from cms.demo import DEMO_PASSWORD, demo_step
from cms.models import User

# (credit-code seed, kind, name, region, nature, inclusive)
ORGANISATIONS = [
    (1, "institution", "昆明市五华区阳光托育园", "530102", "non_profit", True),
    (2, "institution", "昆明市盘龙区小橡树托育中心", "530103", "for_profit", False),
    (3, "institution", "兰州市城关区七彩托育园", "620102", "public", True),
    (4, "institution", "西安市雁塔区童心托育园", "610113", "non_profit", True),
    (5, "institution", "安康市汉滨区向阳托育中心", "610902", "public", True),
    (6, "institution", "清远市清城区蒲公英托育园", "441802", "for_profit", False),
    (7, "training_base", "云南省托育服务培训基地（昆明）", "530100", "public", False),
    (8, "training_base", "广东省清远市托育人才培训基地", "441800", "public", False),
]

# (email, display name, role, scope: org seed or region code)
STAFF = [
    ("inst@demo.carecert.cn", "周园长（机构管理员）", StaffRole.INSTITUTION_ADMIN, 1),
    ("base@demo.carecert.cn", "陈老师（培训基地）", StaffRole.BASE_STAFF, 7),
    ("hr@demo.carecert.cn", "刘科长（人社审核）", StaffRole.HR_REVIEWER, "530100"),
    ("pay@demo.carecert.cn", "杨会计（人社支付）", StaffRole.HR_PAYMENT, "530100"),
    ("reg@demo.carecert.cn", "孙处长（卫健监管）", StaffRole.REGULATOR, "530000"),
    ("editor@demo.carecert.cn", "吴编辑（课程内容）", StaffRole.EDITOR, None),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = [
    "秀英",
    "桂兰",
    "晓燕",
    "丽娟",
    "海燕",
    "静",
    "敏",
    "婷婷",
    "雪梅",
    "春花",
    "建华",
    "志强",
    "玉兰",
    "红梅",
    "佳怡",
    "思雨",
    "欣然",
    "梓涵",
    "雨桐",
    "子轩",
]


def credit_code(seed: int) -> str:
    body = f"52530100MJ{seed:07d}"[:17]
    return body + uscc_check_char(body)


def demo_person(i: int, area: str) -> tuple[str, str, dt.date]:
    birth = dt.date(1975 + i % 25, 1 + i % 12, 1 + i % 27)
    number = build_resident_id(area, birth, 100 + i * 2 + (i % 2))
    return SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], number, birth


def ensure_user(email: str, name: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = staff
        user.save()
    # Demo addresses arrive verified, so the README's "enrol two-step on first login" holds
    # under mandatory e-mail verification too (issue 17).
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@demo_step(10, "regions, organisations, people and accounts")
def load_core(log) -> None:
    if not Region.objects.filter(code="530000").exists():
        call_command("import_regions", verbosity=0)
    log(f"regions: {Region.objects.count()}")

    orgs = {}
    for seed, kind, name, code, nature, inclusive in ORGANISATIONS:
        orgs[seed], _ = Organisation.objects.get_or_create(
            credit_code=credit_code(seed),
            defaults={
                "kind": kind,
                "name": name,
                "region_id": code,
                "nature": nature,
                "is_inclusive": inclusive,
                "filing_status": Organisation.FilingStatus.FILED,
                "filing_number": f"托备-{code}-{seed:04d}",
                "contact_email": f"org{seed}@demo.carecert.cn",
            },
        )
    log(f"organisations: {len(orgs)}")

    institutions = [orgs[s] for s in (1, 2, 3, 4, 5, 6)]
    for i in range(30):
        institution = institutions[i % len(institutions)]
        name, number, birth = demo_person(i, institution.region_id)
        person = Person.objects.filter(
            id_masked__startswith=number[:6], id_masked__endswith=number[-4:], name=name
        ).first()
        if person is None:
            person = Person(
                name=name,
                birth_date=birth,
                region_id=institution.region_id,
                gender="M" if int(number[16]) % 2 else "F",
                phone=f"1390000{i:04d}",
            )
            person.set_id_number(IdType.RESIDENT, number)
            person.save()
        role = (
            WorkerRole.DIRECTOR
            if i < 6
            else (WorkerRole.HEALTH_WORKER if i % 10 == 9 else WorkerRole.CAREGIVER)
        )
        Employment.objects.get_or_create(
            person=person,
            institution=institution,
            role=role,
            defaults={
                "start_date": dt.date(2019 + i % 6, 1 + i % 12, 1),
                "ui_contribution_months": 6 + i * 2,
            },
        )
        # As employment_create does: the current cycle's summary exists from day one, so the
        # dashboards count people who have not logged an hour yet.
        compliance_on_employment_change(person=person)
    log(f"people: {Person.objects.count()}")

    # The worker and director demo logins own person records 6 (caregiver) and 0 (director).
    for email, display, index in [
        ("worker@demo.carecert.cn", None, 6),
        ("director@demo.carecert.cn", None, 0),
    ]:
        name, number, _birth = demo_person(index, institutions[index % 6].region_id)
        user = ensure_user(email, display or name)
        person = Person.objects.get(
            id_masked__startswith=number[:6], id_masked__endswith=number[-4:], name=name
        )
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user"])

    for email, display, role, scope in STAFF:
        user = ensure_user(email, display, staff=role in {StaffRole.EDITOR})
        StaffMembership.objects.get_or_create(
            user=user,
            role=role,
            organisation=orgs[scope] if isinstance(scope, int) else None,
            region_id=scope if isinstance(scope, str) else None,
        )
    # Wagtail ships an "Editors" group with page permissions; content editors join it.
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        User.objects.get(email="editor@demo.carecert.cn").groups.add(editors)
    admin = ensure_user("admin@demo.carecert.cn", "系统管理员", staff=True)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
    log("accounts: one per role, password " + DEMO_PASSWORD)
