from django.urls import path

from lealtad.web import views

app_name = "web"
urlpatterns = [
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
]
