from django.conf import settings

from .navigation import navigation_for


def trygg(request):
    return {
        "navigation": navigation_for(request.user) if hasattr(request, "user") else [],
        "demo_mode": settings.TRYGG_DEMO_MODE,
        "require_two_factor": settings.TRYGG_REQUIRE_TWO_FACTOR,
        "map_tile_url": settings.TRYGG_MAP_TILE_URL,
        "map_tile_attribution": settings.TRYGG_MAP_TILE_ATTRIBUTION,
    }
