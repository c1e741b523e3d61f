from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from trygg.core import views as core_views

# A malformed query value answers 400 with its problems (trygg.core.params).
handler400 = "trygg.core.params.bad_request"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("areas/", include("trygg.areas.urls")),
    path("groups/", include("trygg.accounts.urls")),
    path("manage/", include("trygg.accounts.manage_urls")),
    path("reports/", include("trygg.reports.urls")),
    path("imports/", include("trygg.imports.urls")),
    path("surveys/", include("trygg.surveys.urls")),
    path("svar/", include("trygg.surveys.answer_urls")),
    path("open/", include("trygg.public.urls")),
    path("", include("trygg.public.info_urls")),
    path("trygghet/", include("trygg.residents.public_urls")),
    path("residents/", include("trygg.residents.urls")),
    path("situation/", include("trygg.situation.urls")),
    path("operations/", include("trygg.interventions.urls")),
    path("cases/", include("trygg.cases.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("trygg.api.urls")),
    path("api-keys/", include("trygg.api.key_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
