"""Demo step: a few ban register entries in Yunnan (synthetic IDs), incl. a term ban, an
annulled entry and a banned person who is not employed anywhere."""

import datetime as dt

from certification import pii
from certification.idnumbers import build_resident_id
from certification.models import BanEntry, Region
from certification.services.ban_register import ban_annul, ban_create
from cms.demo import demo_step
from cms.models import User

# (area, birth, seq, name, ban_type, term, reason, decision, annul?)
ENTRIES = [
    (
        "530102",
        dt.date(1979, 4, 2),
        901,
        "马某强",
        "lifetime",
        None,
        "abuse",
        "（2025）云0102刑初318号",
        False,
    ),
    (
        "530103",
        dt.date(1986, 9, 12),
        903,
        "段某丽",
        "term",
        (dt.date(2025, 6, 1), dt.date(2030, 5, 31)),
        "violence",
        "（2025）云0103刑初77号",
        False,
    ),
    (
        "530111",
        dt.date(1990, 1, 23),
        905,
        "普某",
        "lifetime",
        None,
        "abandonment",
        "昆卫禁〔2024〕3号",
        True,
    ),
    (
        "530112",
        dt.date(1975, 11, 30),
        907,
        "杨某华",
        "lifetime",
        None,
        "sexual_assault",
        "（2024）云01刑初45号",
        False,
    ),  # not employed anywhere
]


@demo_step(60, "ban register")
def load_bans(log) -> None:

    region = Region.objects.filter(code="530100").first()
    if region is None:
        log("bans: skipped (no Kunming region)")
        return
    actor = User.objects.filter(email="reg@demo.carecert.cn").first()
    for area, birth, seq, name, ban_type, term, reason, decision, annul in ENTRIES:
        number = build_resident_id(area, birth, seq)
        entry = BanEntry.objects.filter(id_index=pii.blind_index(number)).first()
        if entry is None:
            entry = ban_create(
                actor=actor,
                id_type="resident",
                id_number=number,
                name=name,
                region=region,
                ban_type=ban_type,
                term_start=term[0] if term else None,
                term_end=term[1] if term else None,
                reason_category=reason,
                decision_number=decision,
                authority="昆明市中级人民法院",
                effective_date=term[0] if term else dt.date(2025, 3, 1),
                reason_detail="演示数据",
                institution_name="（演示）",
            )
        if annul and entry.status == BanEntry.Status.ACTIVE:
            ban_annul(
                actor=actor,
                entry=entry,
                decision_number="（2025）云刑再2号",
                reason="再审撤销原决定（演示）",
            )
    log(f"bans: {BanEntry.objects.count()} entries")
