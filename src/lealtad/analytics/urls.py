from django.urls import URLPattern, path

from lealtad.analytics import views, views_economics

app_name = "analytics"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("parts/<slug:part>/", views.dashboard_part, name="dashboard_part"),
    path("refresh/", views.refresh_now, name="refresh"),
    path("refresh/progress/", views.refresh_progress, name="refresh_progress"),
    path("customers/<int:customer_id>/", views.customer_value, name="customer"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("economics/", views_economics.overview, name="economics"),
    path("economics/costs/", views_economics.acquisition_costs, name="acquisition_costs"),
    path(
        "economics/costs/<int:cost_id>/withdraw/",
        views_economics.withdraw_cost,
        name="withdraw_cost",
    ),
    path("economics/maturity/", views_economics.maturity, name="maturity"),
]
