from django.urls import path

from . import kiosk, views, views_admin, views_desk, views_visit

urlpatterns = [
    path("desk/", views_desk.desk_screen, name="desk_screen"),
    path("desk/visits/", views_desk.desk_rows, name="desk_rows"),
    path("desk/visits/<int:pk>/arrive/", views_desk.desk_arrive, name="desk_arrive"),
    path("desk/visits/<int:pk>/depart/", views_desk.desk_depart, name="desk_depart"),
    path("desk/scan/", views_desk.desk_scan, name="desk_scan"),
    path("desk/walk-in/", views_desk.desk_walk_in, name="desk_walk_in"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/group/", views.visit_group_create, name="visit_group_create"),
    path("visits/import/", views.visit_import, name="visit_import"),
    path("visits/<int:pk>/", views_visit.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/cancel/", views_visit.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/decide/", views_visit.visit_decide, name="visit_decide"),
    path("on-site/", views.on_site_index, name="on_site_index"),
    path("on-site/<int:site_pk>/", views.on_site, name="on_site"),
    path("on-site/<int:site_pk>/roll-call.pdf", views.on_site_pdf, name="on_site_pdf"),
    path("visit-types/", views_admin.visit_types, name="visit_types"),
    path("visit-types/<int:pk>/", views_admin.visit_types, name="visit_type_edit"),
    path("watchlist/", views_admin.watchlist, name="watchlist"),
    path("watchlist/<int:pk>/delete/", views_admin.watchlist_delete, name="watchlist_delete"),
    path("kiosks/", views_admin.kiosk_admin, name="kiosk_admin"),
    path("kiosks/<int:pk>/revoke/", views_admin.kiosk_revoke, name="kiosk_revoke"),
    path("kiosk/<str:key>/", kiosk.kiosk, name="kiosk"),
]
