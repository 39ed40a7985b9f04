"""Replace Wagtail's "Welcome to your new Wagtail site!" page with CareCert's home page and its
course catalogue, so a fresh installation opens on CareCert at "/" (issue 17). A site whose
tree has already been built (a HomePage exists, or the welcome page has children) is left as
it is. Historical models and explicit tree paths, as wagtailcore's own data migrations do."""

from django.db import migrations

HOME_TITLE = "CareCert 托育从业人员培训认证"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's path alphabet, 4 per step


def _next_step(step: str) -> str:
    value = int(step, 36) + 1
    out = ""
    for _ in range(4):
        value, digit = divmod(value, 36)
        out = ALPHABET[digit] + out
    return out


def forwards(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentType = apps.get_model("contenttypes", "ContentType")
    HomePage = apps.get_model("cms", "HomePage")
    CourseIndexPage = apps.get_model("cms", "CourseIndexPage")
    if HomePage.objects.exists():
        return
    welcome = Page.objects.filter(
        depth=2,
        numchild=0,
        content_type__app_label="wagtailcore",
        content_type__model="page",
    ).first()
    root = Page.objects.filter(depth=1).first()
    if welcome is None or root is None:
        return
    siblings = Page.objects.filter(depth=2).values_list("path", flat=True)
    path = root.path + _next_step(max(siblings)[-4:])
    common = {"locale_id": welcome.locale_id, "live": True, "has_unpublished_changes": False}
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="carecert",
        content_type=ContentType.objects.get_or_create(app_label="cms", model="homepage")[0],
        path=path,
        depth=2,
        numchild=1,
        url_path="/carecert/",
        intro="",
        **common,
    )
    CourseIndexPage.objects.create(
        title="课程",
        draft_title="课程",
        slug="courses",
        content_type=ContentType.objects.get_or_create(app_label="cms", model="courseindexpage")[
            0
        ],
        path=path + "0001",
        depth=3,
        numchild=0,
        url_path="/carecert/courses/",
        intro="",
        **common,
    )
    # Sites cascade with their root page: move them before the welcome page goes.
    Site.objects.filter(root_page_id=welcome.pk).update(root_page_id=home.pk)
    Page.objects.filter(pk=welcome.pk).delete()
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_course_pages"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
