"""URLs of the field app under ``/census/field/``."""

from django.urls import path

app_name = "census_field"
urlpatterns: list = []
