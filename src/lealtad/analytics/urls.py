from django.urls import URLPattern, path

from lealtad.analytics import views

app_name = "analytics"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh_now, name="refresh"),
    path("refresh/progress/", views.refresh_progress, name="refresh_progress"),
    path("customers/<int:customer_id>/", views.customer_value, name="customer"),
    path("scorecard/", views.scorecard, name="scorecard"),
]
