from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("services", api.ServiceViewSet, basename="service")
router.register("applications", api.ApplicationViewSet, basename="application")

urlpatterns = router.urls
