from django.urls import path

from . import views

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("new/", views.site_edit, name="site_create"),
    path("<int:pk>/", views.site_edit, name="site_edit"),
    path("<int:site_pk>/desks/new/", views.desk_edit, name="desk_create"),
    path("<int:site_pk>/desks/<int:pk>/", views.desk_edit, name="desk_edit"),
]
