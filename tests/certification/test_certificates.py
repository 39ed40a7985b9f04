"""Certificates (D-17…D-21): eligibility refusals, serials, revocation, access, idempotent
tasks, PDF with a subset CJK font and a QR code to the verification page."""

import datetime as dt
import shutil
import subprocess  # noqa: S404
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate, CertificateBatch
from certification.pdf import verification_url
from certification.services.certificates import (
    CertificateRefused,
    certificate_batch_create,
    certificate_issue_training,
    certificate_revoke,
    certificate_serial_allocate,
)
from certification.tasks.certificates import issue_certificate_batch, render_certificate_pdf
from tests.certification.builders import earn, make_course
from tests.factories import AccreditationFactory, BanEntryFactory, PersonFactory


def test_an_eligible_person_gets_a_certificate_with_a_training_serial(cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    cert = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    assert cert.serial.startswith(f"TC-{timezone.localdate().year}-")
    assert cert.hours == Decimal("12") and len(cert.verification_code) >= 40
    assert cert.issuer_name == orgs.base.name


def test_missing_hours_are_refused_with_the_amounts(cast, orgs, course):
    earn(cast.worker, course, orgs.base, theory="5", practice="0")
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    assert any("理论学时不足" in r and "5" in r for r in exc.value.reasons)
    assert any("实操学时不足" in r for r in exc.value.reasons)


def test_a_failed_assessment_is_refused(cast, orgs, course):
    earn(cast.worker, course, orgs.base, passed=False)
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    assert "理论考试未通过。" in exc.value.reasons and "实操考核未通过。" in exc.value.reasons


def test_a_course_outside_the_accreditation_is_refused(cast, orgs):
    other = make_course()
    earn(cast.worker, other, orgs.base)
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=other, training_base=orgs.base
        )
    assert exc.value.reasons == ["本基地的培训资质不包含该课程。"]


def test_an_expired_accreditation_is_refused(cast, orgs):
    c = make_course()
    today = timezone.localdate()
    AccreditationFactory(
        training_base=orgs.base,
        valid_from=today - dt.timedelta(days=400),
        valid_to=today - dt.timedelta(days=1),
    ).courses.add(c)
    earn(cast.worker, c, orgs.base)
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=c, training_base=orgs.base
        )
    assert exc.value.reasons == ["本基地该课程的培训资质在发证日期已过期或未生效。"]


def test_a_banned_person_is_refused_and_the_check_is_kept(cast, orgs, course):
    from certification.models import BanCheck

    earn(cast.worker, course, orgs.base)
    BanEntryFactory(
        person=cast.worker,
        region=orgs.base.region,
        effective_date=timezone.localdate() - dt.timedelta(days=3),
    )
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    assert "不得从事托育服务" in exc.value.reasons[0]
    assert BanCheck.objects.filter(purpose="certificate", result="hit").exists()
    assert not Certificate.objects.exists()


def test_a_second_valid_certificate_for_the_same_course_is_refused(cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    with pytest.raises(CertificateRefused) as exc:
        certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    assert "已持有" in exc.value.reasons[0]
    assert Certificate.objects.count() == 1


def test_another_bases_staff_cannot_issue_revoke_or_see_your_certificates(
    client, cast, orgs, course
):
    from django.core.exceptions import PermissionDenied

    earn(cast.worker, course, orgs.base)
    with pytest.raises(PermissionDenied):
        certificate_issue_training(
            actor=cast.other_base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    cert = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=cast.other_base_staff, certificate=cert, reason="误发")
    client.force_login(cast.other_base_staff)
    assert (
        client.post(
            reverse("certification:certificate_revoke", args=[cert.pk]), {"reason": "误发"}
        ).status_code
        == 404
    )
    assert client.get(reverse("certification:certificate_pdf", args=[cert.pk])).status_code == 404
    page = client.get(reverse("certification:base_certificates"))
    assert cert.serial not in page.content.decode()
    cert.refresh_from_db()
    assert cert.is_valid


def test_revoking_shows_revoked_and_the_date_on_the_public_page(client, cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    cert = certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    page = client.get(reverse("certification:verify", args=[cert.verification_code]))
    assert (
        "有效" in page.content.decode()
        and page["Cache-Control"].startswith("no-store")
        or "no-store" in page["Cache-Control"]
    )
    with pytest.raises(ValueError):
        certificate_revoke(actor=cast.base_staff, certificate=cert, reason="  ")
    client.force_login(cast.regulator)
    client.post(reverse("certification:certificate_revoke", args=[cert.pk]), {"reason": "资料造假"})
    client.logout()
    body = client.get(
        reverse("certification:verify", args=[cert.verification_code])
    ).content.decode()
    today = timezone.localdate()
    assert "已撤销" in body and f"{today.year}年{today.month}月{today.day}日" in body
    assert cast.worker.name not in body and "王*育" in body
    assert Certificate.objects.filter(pk=cert.pk, status="revoked").exists()


def test_an_unknown_code_shows_not_found(client, db):
    r = client.get(reverse("certification:verify", args=["nope"]))
    assert r.status_code == 404 and "未找到该证书" in r.content.decode()


def test_the_holder_lists_and_downloads_their_pdf(run_on_commit, client, cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        cert = certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    cert.refresh_from_db()
    assert cert.pdf  # rendered by the eager task after commit
    client.force_login(cast.worker_user)
    assert cert.serial in client.get(reverse("certification:my_certificates")).content.decode()
    r = client.get(reverse("certification:certificate_pdf", args=[cert.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content)[:4] == b"%PDF"
    assert "no-store" in r["Cache-Control"]
    client.force_login(cast.outsider)
    assert client.get(reverse("certification:certificate_pdf", args=[cert.pk])).status_code == 404


def test_a_retried_pdf_task_keeps_one_pdf(run_on_commit, cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        cert = certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    cert.refresh_from_db()
    first = cert.pdf.name
    render_certificate_pdf(cert.pk)
    cert.refresh_from_db()
    assert cert.pdf.name == first
    import os

    assert first
    folder = os.path.dirname(cert.pdf.path)
    assert [f for f in os.listdir(folder) if f.endswith(".pdf")] == [os.path.basename(first)]


def test_a_retried_batch_issues_once_and_lists_refusals(run_on_commit, cast, orgs, course):
    earn(cast.worker, course, orgs.base)
    earn(cast.director, course, orgs.base, theory="1")
    with run_on_commit():
        batch = certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk, cast.director.pk],
        )
    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.issued) == ("done", 2, 1)
    CertificateBatch.objects.filter(pk=batch.pk).update(status="running")
    issue_certificate_batch(batch.pk)
    assert Certificate.objects.filter(course=course).count() == 1
    batch.refresh_from_db()
    assert batch.issued == 1 and batch.refusals[0]["person_id"] == cast.director.pk
    assert any("理论学时不足" in r for r in batch.refusals[0]["reasons"])


def test_a_batch_counts_only_what_it_created_and_names_those_already_certified(
    run_on_commit, client, cast, orgs, course
):
    """Before: the page said 已发证 4 for a batch that created none."""
    earn(cast.worker, course, orgs.base)
    earn(cast.director, course, orgs.base)
    certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    with run_on_commit():
        batch = certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk, cast.director.pk],
        )
    batch.refresh_from_db()
    assert batch.issued == 1 == Certificate.objects.filter(created_at__gte=batch.created_at).count()
    assert [r["person_id"] for r in batch.refusals] == [cast.worker.pk]
    assert "未重复发证" in batch.refusals[0]["reasons"][0]


def test_the_batch_form_offers_no_one_who_already_holds_a_valid_certificate(
    client, cast, orgs, course
):
    earn(cast.worker, course, orgs.base)
    earn(cast.director, course, orgs.base)
    certificate_issue_training(
        actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
    )
    client.force_login(cast.base_staff)
    response = client.get(reverse("certification:certificate_batch_new"), {"course": course.pk})
    assert [p.pk for p in response.context["candidates"]] == [cast.director.pk]


def test_a_row_button_issues_one_certificate_and_the_base_list_links_its_pdf(
    run_on_commit, client, cast, orgs, course
):
    """Before: no single-issue action, every candidate pre-ticked, no PDF link on the base's list."""
    earn(cast.worker, course, orgs.base)
    earn(cast.director, course, orgs.base)
    client.force_login(cast.base_staff)
    url = reverse("certification:certificate_batch_new")
    form = client.get(url, {"course": course.pk}).content.decode()
    assert "checked" not in form and "单独发证" in form
    with run_on_commit():
        client.post(
            url,
            {
                "course": course.pk,
                "person_ids": [cast.worker.pk, cast.director.pk],
                "only": cast.director.pk,
            },
        )
    issued = Certificate.objects.get(course=course)
    assert issued.person == cast.director
    listing = client.get(reverse("certification:base_certificates")).content.decode()
    assert reverse("certification:certificate_pdf", args=[issued.pk]) in listing
    assert f'<label for="reason-{issued.pk}"' in listing


def test_the_batch_progress_endpoint_reports_counts_to_its_base_only(
    run_on_commit, client, cast, orgs, course
):
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        batch = certificate_batch_create(
            actor=cast.base_staff,
            training_base=orgs.base,
            course=course,
            person_ids=[cast.worker.pk],
        )
    url = reverse("certification:certificate_batch_status", args=[batch.pk])
    client.force_login(cast.base_staff)
    assert client.get(url).json()["percent"] == 100
    client.force_login(cast.other_base_staff)
    assert client.get(url).status_code == 404


def test_serials_are_never_reused(db):
    serials = {certificate_serial_allocate(prefix="TC", year=2026) for _ in range(5)}
    assert serials == {f"TC-2026-00000{i}" for i in range(1, 6)}


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issues_give_twenty_distinct_serials(cast, orgs):
    course = make_course()
    AccreditationFactory(training_base=orgs.base).courses.add(course)
    people = [PersonFactory(region=orgs.base.region) for _ in range(20)]
    for p in people:
        earn(p, course, orgs.base)
    results, errors = [], []
    barrier = threading.Barrier(20)

    def work(person):
        try:
            barrier.wait()
            results.append(
                certificate_issue_training(
                    actor=cast.base_staff, person=person, course=course, training_base=orgs.base
                ).serial
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 20


def _need(*bins):
    missing = [b for b in bins if shutil.which(b) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (poppler-utils / zbar-tools)")


def test_the_pdf_embeds_a_subset_cjk_font_and_its_qr_opens_the_verify_page(
    run_on_commit, cast, orgs, course, tmp_path
):
    _need("pdffonts", "pdftoppm", "zbarimg")
    earn(cast.worker, course, orgs.base)
    with run_on_commit():
        cert = certificate_issue_training(
            actor=cast.base_staff, person=cast.worker, course=course, training_base=orgs.base
        )
    cert.refresh_from_db()
    pdf = cert.pdf.path
    fonts = subprocess.run(
        [shutil.which("pdffonts"), pdf],
        capture_output=True,
        text=True,  # noqa: S603
        check=True,
    ).stdout
    cjk = [ln for ln in fonts.splitlines() if "CJK" in ln.replace("-", "")]
    assert cjk, fonts
    assert all(ln.split()[0][6] == "+" for ln in cjk)  # ABCDEF+Noto-Sans-CJK-SC
    assert all(ln.split()[-5] == "yes" for ln in cjk)  # emb yes
    subprocess.run(
        [
            shutil.which("pdftoppm"),
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            pdf,  # noqa: S603
            str(tmp_path / "page"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(
        [shutil.which("zbarimg"), "--raw", "-q", str(png)],
        capture_output=True,  # noqa: S603
        text=True,
    ).stdout.strip()
    assert decoded == verification_url(cert)
    assert decoded.endswith(f"/verify/{cert.verification_code}/")
