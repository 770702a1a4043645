from django.urls import URLPattern, path  # noqa: F401  (pages join as they land)

app_name = "analytics"
urlpatterns: list[URLPattern] = []
