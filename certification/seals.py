"""Electronic seals on certificate PDFs (issue 19): a PAdES signature (pyHanko) with a visible
seal, so any PDF reader can tell the file is the one CareCert issued and that nothing in it
has changed since.

Production reads the sealing certificate, its key and the chain up to the trust root from
settings (SEAL_CERT_FILE, SEAL_KEY_FILE, SEAL_CHAIN_FILES, SEAL_TRUST_ROOT_FILE). Development
and tests have none: a self-made demo CA and seal certificate are made on first use under
PRIVATE_STORAGE_ROOT/seal/ (never in production, which refuses to start without real ones).
"""

import asyncio
import concurrent.futures
import datetime as dt
import io
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

FIELD = "CareCertSeal"
SIGNATURE_BYTES = 16_384
# Lower right of the A4 page (points from the bottom left), clear of the certificate's table.
SEAL_BOX = (405, 70, 545, 210)
SEAL_FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"


@dataclass(frozen=True)
class SealMaterial:
    key_file: Path
    cert_file: Path
    chain_files: tuple[Path, ...]
    trust_root_file: Path


def seal_material() -> SealMaterial:
    if getattr(settings, "SEAL_CERT_FILE", ""):
        return SealMaterial(
            key_file=Path(settings.SEAL_KEY_FILE),
            cert_file=Path(settings.SEAL_CERT_FILE),
            chain_files=tuple(Path(p) for p in settings.SEAL_CHAIN_FILES),
            trust_root_file=Path(settings.SEAL_TRUST_ROOT_FILE),
        )
    return _demo_material(Path(settings.PRIVATE_STORAGE_ROOT) / "seal")


def _demo_material(folder: Path) -> SealMaterial:
    """A demo CA and a seal certificate it issued, made once per installation. Made in a
    scratch folder and renamed into place, so two processes starting together (web and
    worker) never mix one's CA with the other's certificate."""
    material = SealMaterial(
        key_file=folder / "seal.key",
        cert_file=folder / "seal.pem",
        chain_files=(folder / "ca.pem",),
        trust_root_file=folder / "ca.pem",
    )
    if material.cert_file.exists():
        return material
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".seal-", dir=folder.parent))
    _write_demo_material(scratch)
    try:
        os.rename(scratch, folder)
    except OSError:  # another process won the race: use its material
        shutil.rmtree(scratch, ignore_errors=True)
    return material


def _write_demo_material(folder: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CareCert demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "CareCert Demo Seal CA"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CareCert demo"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "CareCert Certificate Seal"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(seal_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "seal.key").write_bytes(
        seal_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "seal.key").chmod(0o600)
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "seal.pem").write_bytes(seal.public_bytes(pem))


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@cache
def _signer(material: SealMaterial) -> signers.SimpleSigner:
    return signers.SimpleSigner.load(
        str(material.key_file),
        str(material.cert_file),
        ca_chain_files=tuple(str(p) for p in material.chain_files),
    )


@cache
def seal_image(issuer_name: str) -> Image.Image:
    """The red round seal: the issuing body's name over a star, as Chinese seals are drawn."""
    size = 600
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 16, 46, 255)
    draw.ellipse((18, 18, size - 18, size - 18), outline=red, width=22)
    cx = cy = size // 2
    star = []
    for i in range(10):
        radius = 90 if i % 2 == 0 else 36
        angle = math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy - 20 - radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    name = issuer_name[:16]
    font_size = max(24, min(60, int(340 / max(len(name), 1))))
    font = ImageFont.truetype(SEAL_FONT, font_size)
    width = draw.textlength(name, font=font)
    draw.text((cx - width / 2, 165 - font_size), name, font=font, fill=red)
    label = ImageFont.truetype(SEAL_FONT, 44)
    text = "电子证照专用章"
    draw.text((cx - draw.textlength(text, font=label) / 2, cy + 110), text, font=label, fill=red)
    # Four palette colours (red, white, two edge tones): a fraction of RGB's bytes to compress.
    return image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4)


def seal_pdf(pdf: bytes, *, issuer_name: str, reason: str) -> bytes:
    """The PDF with a PAdES signature over the whole file and the seal drawn in its box."""
    material = seal_material()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    style = TextStampStyle(
        stamp_text="",
        background=PdfImage(seal_image(issuer_name)),
        background_opacity=1,
        border_width=0,
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location="CN",
        ),
        signer=_signer(material),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(FIELD, on_page=0, box=SEAL_BOX),
    )
    out = io.BytesIO()
    # A fixed reservation (an ECDSA signature with a two-certificate chain needs ~3 KB) spares
    # pyHanko a dry-run signature to measure it.
    _run(pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=SIGNATURE_BYTES))
    return out.getvalue()


def _run(coroutine):
    """pyHanko works in asyncio; its sync wrappers call asyncio.run, which fails where an event
    loop already runs in this thread (an ASGI server, Playwright's sync API). Then the coroutine
    runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass(frozen=True)
class SealReport:
    valid: bool
    summary: str


def seal_verify(pdf: bytes, *, trust_root_file: Path | None = None) -> SealReport:
    """Whether the PDF carries an intact seal covering the whole file, by a certificate that
    chains to the trust root (this installation's unless another root is given)."""
    root_file = trust_root_file or seal_material().trust_root_file
    root = x509.load_pem_x509_certificate(Path(root_file).read_bytes())
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds for a damaged file  # noqa: BLE001
        return SealReport(False, f"unreadable PDF: {exc}")
    if not signatures:
        return SealReport(False, "no seal in this PDF")
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))],
        allow_fetching=False,
    )
    try:
        status = _run(async_validate_pdf_signature(signatures[0], context))
    except (SignatureValidationError, ValueError) as exc:
        return SealReport(False, f"seal does not validate: {exc}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    valid = bool(status.intact and status.valid and status.trusted and whole)
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else "?"
    parts = [
        "intact" if status.intact else "CHANGED after sealing",
        "trusted" if status.trusted else "not from the trusted root",
        "covers the whole file" if whole else "the file was extended after sealing",
    ]
    return SealReport(valid, f"{signer}: " + ", ".join(parts))
