from django.urls import path

from lealtad.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("account/two-factor/", views.two_factor_status, name="two_factor"),
]
