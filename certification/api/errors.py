"""JSON errors of the API: {"code": <stable code>, "message": <中文>, "errors": [...]}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from certification.api.principal import key_actor
from certification.audit import audit_record, audit_refusal_survive, client_ip
from certification.services.bans import PersonBanned
from certification.services.certificates import CertificateRefused
from certification.services.subsidies import TransitionNotAllowed


def _body(code: str, message: str, errors=None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def _presented_prefix(request) -> str:
    """The first characters of the bearer secret presented, as the key list shows them."""
    header = request.headers.get("Authorization", "")
    token = header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else ""
    prefix = token[:8]
    return prefix if prefix.replace("_", "").replace("-", "").isalnum() else ""


def _refused(api, request, body: dict, status: int):
    """Every refused call leaves an audit row naming the key (its prefix, and its service
    account as the actor), the method, the path (never the query, which may hold data) and the
    answer. The view's own writes ran in their own transactions, so this row stays."""
    key = getattr(request, "auth", None)
    audit_record(
        actor=key_actor(key) if key is not None else None,
        action="api.refused",
        data={
            "api_key": key.prefix if key is not None else _presented_prefix(request),
            "method": request.method,
            "path": request.path[:200],
            "status": status,
            "code": body["code"],
        },
        ip=client_ip(request),
    )
    return api.create_response(request, body, status=status)


def _field(loc) -> str | None:
    """("body", "payload", "id_number") → "id_number"; ("query", "page") → "page"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or None


def install(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request, exc):
        errors = [
            {
                "field": _field(e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors
        ]
        return _refused(api, request, _body("invalid_payload", "请求内容有误", errors), 422)

    @api.exception_handler(DjangoValidationError)
    def django_validation(request, exc):
        if hasattr(exc, "error_dict"):
            errors = [
                # m is a ValidationError: str(m) would be "['…']"; .messages is the text
                {"field": f, "message": "；".join(m.messages), "type": m.code or ""}
                for f, msgs in exc.error_dict.items()
                for m in msgs
            ]
        else:
            errors = [{"field": None, "message": str(m), "type": ""} for m in exc.messages]
        return _refused(api, request, _body("invalid_payload", "请求内容有误", errors), 422)

    @api.exception_handler(TransitionNotAllowed)
    def invalid_state(request, exc):
        """A double decision or a move the state machine does not allow (D-29)."""
        return _refused(api, request, _body("invalid_state", "；".join(exc.messages)), 409)

    @api.exception_handler(CertificateRefused)
    def not_eligible(request, exc):
        errors = [{"field": None, "message": r, "type": "not_eligible"} for r in exc.reasons]
        return _refused(api, request, _body("not_eligible", "不符合发证条件", errors), 422)

    @api.exception_handler(PersonBanned)
    def person_banned(request, exc):
        """D-23: the gated action is refused without any detail of the ban."""
        return _refused(api, request, _body("person_banned", str(exc)), 403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return _refused(api, request, _body("unauthenticated", "接口密钥无效或已撤销"), 401)

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        response = _refused(api, request, _body("rate_limited", "请求过于频繁，请稍后再试"), 429)
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        audit_refusal_survive(exc)
        return _refused(api, request, _body("forbidden", "该接口密钥无权执行此操作"), 403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _refused(api, request, _body("not_found", "未找到"), 404)
