"""JSON errors of the API: {"code": <stable code>, "message": <中文>, "errors": [...]}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from certification.services.bans import PersonBanned
from certification.services.certificates import CertificateRefused
from certification.services.subsidies import TransitionNotAllowed


def _body(code: str, message: str, errors=None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


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
        return api.create_response(
            request, _body("invalid_payload", "请求内容有误", errors), status=422
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation(request, exc):
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": f, "message": str(m), "type": getattr(m, "code", "") or ""}
                for f, msgs in exc.error_dict.items()
                for m in msgs
            ]
        else:
            errors = [{"field": None, "message": str(m), "type": ""} for m in exc.messages]
        return api.create_response(
            request, _body("invalid_payload", "请求内容有误", errors), status=422
        )

    @api.exception_handler(TransitionNotAllowed)
    def invalid_state(request, exc):
        """A double decision or a move the state machine does not allow (D-29)."""
        return api.create_response(
            request, _body("invalid_state", "；".join(exc.messages)), status=409
        )

    @api.exception_handler(CertificateRefused)
    def not_eligible(request, exc):
        errors = [{"field": None, "message": r, "type": "not_eligible"} for r in exc.reasons]
        return api.create_response(
            request, _body("not_eligible", "不符合发证条件", errors), status=422
        )

    @api.exception_handler(PersonBanned)
    def person_banned(request, exc):
        """D-23: the gated action is refused without any detail of the ban."""
        return api.create_response(request, _body("person_banned", str(exc)), status=403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request, _body("unauthenticated", "接口密钥无效或已撤销"), status=401
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(
            request, _body("forbidden", "该接口密钥无权执行此操作"), status=403
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body("not_found", "未找到"), status=404)
