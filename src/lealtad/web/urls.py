from django.urls import path

from lealtad.accounts.views import LoginView
from lealtad.web import views

app_name = "web"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
]
