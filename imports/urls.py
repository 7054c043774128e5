from django.urls import path

from postings import views

app_name = "imports"
urlpatterns = [path("", views.not_built_yet, name="start")]
