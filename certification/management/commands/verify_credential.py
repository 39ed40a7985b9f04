"""`manage.py verify_credential FILE`: check a CareCert credential offline.

FILE is a credential (the VC-JWT a holder downloads, or a JSON file holding it) or a sealed
certificate PDF. A credential is checked against the published keys — this installation's, or
`--jwks FILE` (the JSON served at /.well-known/jwks.json) for a machine that has only the
files — and, with `--status-list FILE` (the VC-JWT served at /credentials/status/<code>/),
against the revocation bit. A PDF's seal is checked with pyHanko against the seal's trust root.
Exit code 0 only when valid."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certification.rules import credentials as vc
from certification.seals import seal_verify
from certification.selectors.credentials import verification_keys


class Command(BaseCommand):
    help = "Verify a signed credential (VC-JWT) or a sealed certificate PDF; exit 0 only if valid."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--jwks", help="published keys (JWKS JSON) instead of this database")
        parser.add_argument("--status-list", help="the issuer's status list credential (VC-JWT)")

    def handle(self, *args, file, jwks=None, status_list=None, **options):
        data = _read(file)
        if data.startswith(b"%PDF"):
            return self._pdf(data)
        token = _token(data)
        keys = _jwks(jwks) if jwks else verification_keys()
        lists = None
        if status_list:
            list_token = _token(_read(status_list))
            listed = vc.verify(list_token, keys)
            lists = {listed.credential.get("id"): list_token} if listed.credential else {}
        result = vc.verify(token, keys, status_lists=lists)
        credential = result.credential or {}
        self.stdout.write(f"credential: {credential.get('name', '?')}")
        self.stdout.write(f"issuer: {vc_issuer(credential)}")
        self.stdout.write(f"signature: {'valid' if result.signature_ok else 'INVALID'}")
        if result.revoked is not None:
            self.stdout.write(f"status: {'已撤销 revoked' if result.revoked else 'not revoked'}")
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.valid:
            raise CommandError("credential is NOT valid")
        self.stdout.write("credential is valid")

    def _pdf(self, data: bytes):
        report = seal_verify(data)
        self.stdout.write(f"seal: {report.summary}")
        if not report.valid:
            raise CommandError("PDF seal is NOT valid")
        self.stdout.write("PDF seal is valid")


def vc_issuer(credential: dict) -> str:
    issuer = credential.get("issuer")
    return (issuer.get("name") or issuer.get("id")) if isinstance(issuer, dict) else str(issuer)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def _token(data: bytes) -> str:
    """A VC-JWT as downloaded, or a JSON document carrying one (a string or {"jwt": …})."""
    text = data.decode("utf-8", "replace").strip()
    if text.startswith(("{", '"')):
        try:
            value = json.loads(text)
        except ValueError:
            raise CommandError("the file is neither a VC-JWT nor JSON") from None
        text = value if isinstance(value, str) else str(value.get("jwt", ""))
    return text


def _jwks(path: str) -> dict[str, dict]:
    try:
        keys = json.loads(_read(path))["keys"]
        return {key["kid"]: key for key in keys}
    except (ValueError, KeyError, TypeError):
        raise CommandError(f"{path} is not a JWKS document") from None
