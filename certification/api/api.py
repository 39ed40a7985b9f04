"""The data-exchange API (D-32), django-ninja, mounted at /api/v1/.

Handlers stay thin: schema → key scope check → one service/selector → response. Writes act as
the key's service account (see principal.py), so the services run their own access checks, ban
gates and audit rows exactly as for a staff member of the key's organisation or region.

The OpenAPI description (/api/v1/openapi.json) is readable with a valid API key or by logged-in
staff; the interactive docs (/api/v1/docs) by logged-in staff only.
"""

from ninja import NinjaAPI

from certification.api import bans, certificates, employments, errors, hours, persons, subsidies
from certification.api.auth import ApiKeyAuth, docs_access

api = NinjaAPI(
    title="CareCert 数据交换接口",
    version="1",
    description="托育从业人员培训认证平台的数据交换接口。使用机构接口密钥认证："
    "`Authorization: Bearer <密钥>`；错误以 JSON 返回稳定的 code 与中文 message。",
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs_decorator=docs_access,
)
errors.install(api)

for module in (persons, employments, hours, certificates, bans, subsidies):
    api.add_router("/", module.router)
