"""Public page URLs: the map, its vector tiles, the district summary."""

from django.urls import path

from geo_portal.publicmap import views

app_name = "publicmap"
urlpatterns = [
    path("", views.home, name="home"),
    path("districts/", views.districts, name="districts"),
    path("cards/<int:plate_id>", views.CardView.as_view(), name="card"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", views.TileView.as_view(), name="tile"),
]
