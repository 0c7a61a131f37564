from django.urls import path

from bangban.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("tokens/", views.token_list_view, name="my_tokens"),
    path("tokens/<id:token_pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("staff/<id:pk>/tokens/", views.token_list_view, name="staff_tokens"),
    path("staff/", views.staff_list_view, name="staff_list"),
    path("staff/new/", views.staff_create_view, name="staff_create"),
    path("staff/<id:pk>/", views.staff_detail_view, name="staff_detail"),
    path("staff/<id:pk>/edit/", views.staff_edit_view, name="staff_edit"),
    path("staff/<id:pk>/<str:action>/", views.staff_action_view, name="staff_action"),
]
