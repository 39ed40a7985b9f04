"""Issue 19: the certificate PDF carries a PAdES seal (pyHanko) with a visible seal image;
pyHanko's validator accepts the file as issued and rejects it after a one-byte change or an
appended update; `manage.py verify_credential FILE.pdf` says the same with its exit code."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils.reader import PdfFileReader

from certification.pdf import certificate_pdf_bytes
from certification.seals import SEAL_BOX, seal_verify
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(cast, orgs):
    return certificate_pdf_bytes(CertificateFactory(person=cast.worker, issuer=orgs.base))


def test_the_issued_pdf_validates_and_shows_its_seal(sealed):
    report = seal_verify(sealed)
    assert report.valid, report.summary
    reader = PdfFileReader(io.BytesIO(sealed))
    (signature,) = reader.embedded_signatures
    widget = (
        signature.sig_field["/Kids"][0] if "/Kids" in signature.sig_field else signature.sig_field
    )
    assert [round(float(v)) for v in widget["/Rect"]] == list(SEAL_BOX)  # visible, not hidden
    assert "/AP" in widget  # drawn with its appearance (the seal image)


def test_a_one_byte_change_breaks_the_seal(sealed):
    position = sealed.index(b"BT") if b"BT" in sealed else len(sealed) // 3
    tampered = bytearray(sealed)
    tampered[position + 1] ^= 0x01
    assert not seal_verify(bytes(tampered)).valid


def test_an_update_appended_after_sealing_is_not_accepted(sealed):
    appended = sealed + b"\n% appended after sealing\n"
    report = seal_verify(appended)
    assert not report.valid


def test_the_offline_command_checks_a_pdf(sealed, tmp_path, capsys):
    good = tmp_path / "good.pdf"
    good.write_bytes(sealed)
    call_command("verify_credential", str(good))
    assert "PDF seal is valid" in capsys.readouterr().out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(sealed[:-200] + b"x" * 200)
    with pytest.raises(CommandError):
        call_command("verify_credential", str(bad))
