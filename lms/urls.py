from django.urls import include, path

from lms.views import dashboard, online

app_name = "lms"

urlpatterns: list = [
    path("learning/", online.my_learning, name="my_learning"),
    path("learning/courses/<int:course_id>/enrol/", online.enrol, name="enrol"),
    path("learning/lessons/<int:lesson_id>/beat/", online.heartbeat, name="heartbeat"),
    path("learning/lessons/<int:lesson_id>/quiz/", online.quiz, name="quiz"),
    path("base/dashboard/", dashboard.base_dashboard, name="base_dashboard"),
    path("", include("lms.urls_offline")),
]
