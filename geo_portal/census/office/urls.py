"""URLs of the office's census pages under ``/census/``."""

from django.urls import path

app_name = "census"
urlpatterns: list = []
