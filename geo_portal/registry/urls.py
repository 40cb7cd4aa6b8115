"""URLs of the household register under ``/registry/`` (namespace ``registry``)."""

app_name = "registry"
urlpatterns: list = []
