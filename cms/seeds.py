"""The Wagtail rows that wagtailcore's data migrations create (0002 root page, welcome page and
default site; 0025 root collection; 0054 default locale). Wagtail's migrations stay as they are;
the test harness (tests/conftest.py) calls `ensure_wagtail_tree(apps)` to put these rows back
after a transactional test has flushed the database, followed by cms 0003's home page. Idempotent; uses `apps.get_model` and
explicit tree paths (as wagtail's migrations do) so it works with historical models too."""

from importlib import import_module

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant


def ensure_wagtail_tree(apps) -> None:
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")

    code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale = Locale.objects.filter(language_code=code).first() or Locale.objects.create(
        language_code=code
    )
    if not Collection.objects.filter(depth=1).exists():
        Collection.objects.create(name="Root", path="0001", depth=1, numchild=0)
    if not Page.objects.filter(depth=1).exists():
        _wagtail_welcome_tree(apps, locale)
    # cms 0003 then replaces the welcome page with CareCert's home page and catalogue.
    import_module("cms.migrations.0003_carecert_home").forwards(apps, None)


def _wagtail_welcome_tree(apps, locale) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    common = {"content_type": page_type, "locale": locale, "live": True}
    Page.objects.create(
        title="Root",
        slug="root",
        path="0001",
        depth=1,
        numchild=1,
        url_path="/",
        draft_title="Root",
        **common,
    )
    home = Page.objects.create(
        title="Welcome to your new Wagtail site!",
        slug="home",
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        draft_title="Welcome to your new Wagtail site!",
        **common,
    )
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page_id=home.pk, is_default_site=True)
