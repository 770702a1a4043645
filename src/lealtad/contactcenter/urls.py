"""The contact center's pages under ``/contactcenter/``: the agent desktop (CONTACT_HANDLE) and
the supervisor's wallboard, reports, agents and configuration (CONTACT_SUPERVISE)."""

from django.urls import URLPattern, path

from lealtad.contactcenter import (
    views,
    views_config,
    views_desktop,
    views_staffing,
    views_supervisor,
)

app_name = "contactcenter"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("desktop/", views_desktop.desktop, name="desktop"),
    path("desktop/stream/", views_desktop.desktop_stream, name="desktop_stream"),
    path("desktop/state/", views_desktop.change_state, name="state"),
    path("desktop/contacts/<int:contact_id>/transfer/", views_desktop.transfer, name="transfer"),
    path(
        "desktop/contacts/<int:contact_id>/conference/",
        views_desktop.conference,
        name="conference",
    ),
    path("desktop/contacts/<int:contact_id>/wrap-up/", views_desktop.wrap_up, name="wrap_up"),
    path("desktop/contacts/<int:contact_id>/link/", views_desktop.link_customer, name="link"),
    path(
        "desktop/contacts/<int:contact_id>/search/",
        views_desktop.search_customers,
        name="search",
    ),
    path(
        "desktop/contacts/<int:contact_id>/<slug:step>/",
        views_desktop.contact_step,
        name="step",
    ),
    path("wallboard/", views_supervisor.wallboard, name="wallboard"),
    path("wallboard/stream/", views_supervisor.wallboard_stream, name="wallboard_stream"),
    path("reports/", views_supervisor.reports, name="reports"),
    path("staffing/", views_staffing.staffing_page, name="staffing"),
    path("agents/", views_supervisor.agents_list, name="agents"),
    path("agents/<int:agent_id>/", views_config.agent_edit, name="agent_edit"),
    path("setup/", views_config.setup_page, name="setup"),
]
