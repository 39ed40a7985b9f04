"""Certificate PDF rendering with WeasyPrint (D-20): A4, Noto Sans CJK SC (subset-embedded,
never full_fonts), QR code as vector SVG (segno) pointing at the public verification page."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from certification.seals import seal_pdf

TEMPLATE = "certification/certificates/pdf.html"


def verification_url(certificate) -> str:
    return settings.SITE_BASE_URL.rstrip("/") + reverse(
        "certification:verify", args=[certificate.verification_code]
    )


def certificate_html(certificate) -> str:
    from certification.rules.certificates import mask_name

    url = verification_url(certificate)
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return render_to_string(
        TEMPLATE,
        {
            "c": certificate,
            "holder": certificate.person.name,
            "masked_name": mask_name(certificate.person.name),
            "qr": qr,
            "url": url,
        },
    )


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def certificate_pdf_bytes(certificate) -> bytes:
    """The certificate as issued: rendered, then sealed (PAdES) so a change breaks the seal."""
    return seal_pdf(
        html_to_pdf(certificate_html(certificate)),
        issuer_name=certificate.issuer_name,
        reason=f"{certificate.get_kind_display()} {certificate.serial}",
    )
