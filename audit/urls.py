from django.urls import path

from . import views

urlpatterns = [
    path("", views.journal, name="journal"),
    path("verify/", views.journal_verify, name="journal_verify"),
]
