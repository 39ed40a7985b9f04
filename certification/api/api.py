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
    description=(
        "托育从业人员培训认证平台的数据交换接口（D-32）。认证：机构接口密钥，"
        "`Authorization: Bearer <密钥>`；密钥的权限范围与其所属机构或地区的工作人员相同。"
        "错误以 JSON 返回稳定的 code 与中文 message（422 时附字段错误）；列表按页返回"
        "（page、page_size ≤ 100）。本说明（/api/v1/openapi.json）凭有效接口密钥或登录的"
        "工作人员可读；交互式文档（/api/v1/docs）仅限登录的工作人员。"
    ),
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs_decorator=docs_access,
)
errors.install(api)

for module in (persons, employments, hours, certificates, bans, subsidies):
    api.add_router("/", module.router)
