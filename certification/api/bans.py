"""Ban checks (D-23): institutions and regulators ask; the answer is clear or blocked only."""

from ninja import Router

from certification.api import throttles
from certification.api.common import ERRORS, require
from certification.api.schemas import BanCheckIn, BanCheckOut
from certification.audit import client_ip
from certification.models import ApiKey, CheckPurpose
from certification.services.bans import ban_check_id_number

router = Router(tags=["禁入核查"])


@router.post("/ban-checks", response={200: BanCheckOut, **ERRORS}, throttle=throttles.ban_checks())
def ban_check_create(request, payload: BanCheckIn):
    """D-23/D-32: institution and regulator keys only; answers clear/blocked, no details."""
    key = require(request, ApiKey.Role.INSTITUTION, ApiKey.Role.REGULATOR)
    outcome = ban_check_id_number(
        id_type=payload.id_type,
        id_number=payload.id_number,
        name=payload.name,
        purpose=CheckPurpose.API,
        actor=None,
        actor_role=f"api:{key.role}:{key.prefix}",
        organisation=key.organisation,
        ip=client_ip(request),
    )
    return {"result": "blocked" if outcome.is_hit else "clear"}
