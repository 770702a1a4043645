from django.urls import path

from lealtad.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.request_list, name="requests"),
    path("retention/", views.retention_page, name="retention"),
    path("<int:request_id>/", views.request_detail, name="request"),
    path("<int:request_id>/export/", views.export, name="export"),
    path("<int:request_id>/<str:action>/", views.act, name="act"),
]
