from django.urls import path

from lms.views import offline as views

urlpatterns = [
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/roster-template.xlsx", views.roster_template_download, name="roster_template"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:pk>/enrol/", views.class_enrol, name="class_enrol"),
    path("classes/<int:pk>/import/", views.class_import, name="class_import"),
    path("classes/<int:pk>/mark/", views.class_mark, name="class_mark"),
    path("classes/<int:pk>/finalise/", views.class_finalise, name="class_finalise"),
    path("classes/<int:pk>/assessment/", views.class_assessment, name="class_assessment"),
    path("classes/<int:pk>/qr/", views.class_qr, name="class_qr"),
    path("classes/<int:pk>/sign/<str:token>/", views.class_sign, name="class_sign"),
]
