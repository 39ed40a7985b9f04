"""Request and response schemas of the data-exchange API (D-32)."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from certification.idnumbers import IdType


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] = []


class BanCheckIn(Schema):
    id_type: IdType = IdType.RESIDENT
    id_number: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=64)


class BanCheckOut(Schema):
    result: str  # "clear" | "blocked"; never the register details


class CertificateVerifyOut(Schema):
    serial: str
    kind: str
    status: str
    holder_name: str = Field(alias="person.name")
    issuer_name: str
    issue_date: dt.date
    revoked: bool

    @staticmethod
    def resolve_revoked(obj) -> bool:
        status = obj["status"] if isinstance(obj, dict) else obj.status
        return status == "revoked"


class PersonLookupIn(Schema):
    id_type: IdType = IdType.RESIDENT
    id_number: str = Field(min_length=1, max_length=40)


class PersonOut(Schema):
    id: int
    name: str
    id_masked: str
