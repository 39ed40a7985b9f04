from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    # One login for everyone: Wagtail's own login form would bypass lockout and MFA.
    path("cms-admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("cms-admin/", include(wagtailadmin_urls)),
    path(
        "django-admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)
    ),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include("certification.api.urls")),
    path("", include("certification.urls")),
    path("", include("lms.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves the home page and the course catalogue; it must stay last.
urlpatterns.append(path("", include(wagtail_urls)))
