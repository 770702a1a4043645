from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from lealtad.api import api
from lealtad.customers import consent_views
from lealtad.web import rules_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("lealtad.customers.urls")),
    path("consents/confirm/<str:token>/", consent_views.confirm, name="consent_confirm"),
    path("rules/", rules_views.access_rules, name="access_rules"),
    path("store/", include("lealtad.commerce.urls")),
    path("privacy/", include("lealtad.privacy.urls")),
    path("analytics/", include("lealtad.analytics.urls")),
    path("contactcenter/", include("lealtad.contactcenter.urls")),
    path("service/", include("lealtad.service.urls")),
    path("portal/", include("lealtad.service.views_portal")),
    path("marketing/", include("lealtad.marketing.urls")),
    path("m/", include("lealtad.marketing.urls_public")),
    path("loyalty/", include("lealtad.loyalty.urls")),
    path("sales/", include("lealtad.sales.urls")),
    path("", include("lealtad.accounts.urls")),
    path("", include("lealtad.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
