"""URLs of re-issuance under ``/reissue/`` (namespace ``reissue``)."""

app_name = "reissue"
urlpatterns: list = []
