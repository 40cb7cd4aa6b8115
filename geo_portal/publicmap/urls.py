"""Public page URLs: the map, its vector tiles, the district summary."""

from django.urls import path

from geo_portal.publicmap import views
from geo_portal.publicmap.directory import views as directory

app_name = "publicmap"
urlpatterns = [
    path("", views.home, name="home"),
    path("districts/", views.districts, name="districts"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/villages.csv", views.stats_csv, name="stats-csv"),
    path("stats/villages.geojson", views.stats_geojson, name="stats-geojson"),
    path("cards/<int:plate_id>", views.CardView.as_view(), name="card"),
    path("roads/<int:road_id>", directory.road, name="road"),
    path("entrances/<int:plate_id>", directory.entrance, name="entrance"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", views.tile, name="tile"),
]
