"""Django admin (at /django-admin/) for API keys (D-32): create shows the secret once, revoke is
an audited action; keys are never deleted or edited."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from certification.api.auth import api_key_create, api_key_revoke
from certification.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "role",
        "organisation",
        "region",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["name", "prefix"]
    fields = ["name", "role", "organisation", "region"]
    autocomplete_fields: list = []
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [
                "name",
                "role",
                "organisation",
                "region",
                "prefix",
                "created_by",
                "created_at",
                "last_used_at",
                "revoked_at",
            ]
        return []

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.get_readonly_fields(request, obj)
        return self.fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        key, secret = api_key_create(
            actor=request.user,
            name=obj.name,
            role=obj.role,
            organisation=obj.organisation,
            region=obj.region,
        )
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = (
            key.pk,
            key.prefix,
            key.key_hash,
            key.created_at,
        )
        obj._state.adding = False
        messages.warning(
            request, _("接口密钥（仅显示这一次，请立即妥善保存）：%(secret)s") % {"secret": secret}
        )

    @admin.action(description=_("撤销所选接口密钥"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(actor=request.user, key=key)
        messages.success(request, _("已撤销。"))
