"""Public page URLs."""

from django.urls import path

from geo_portal.publicmap import views

app_name = "publicmap"
urlpatterns = [path("", views.home, name="home")]
