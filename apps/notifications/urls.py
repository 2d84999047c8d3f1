from django.urls import path

from . import api

urlpatterns = [
    path("", api.NotificationListView.as_view(), name="notification-list"),
    path("<int:pk>/read/", api.NotificationReadView.as_view(), name="notification-read"),
]
