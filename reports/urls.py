from django.urls import path

from reports import dashboard

app_name = "statistics"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("recompute/", dashboard.recompute, name="recompute"),
    path("runs/", dashboard.run_history, name="runs"),
]
