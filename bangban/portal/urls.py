"""Public pages at the site root (namespace "portal"): no login, nothing about the visitor."""

from django.urls import path

from bangban.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ask/", views.ask, name="ask"),
    path("ask/done/", views.ask_done, name="ask_done"),
    path("search/", views.search, name="search"),
    path("help/", views.help_page, name="help"),
    path("track/", views.track, name="track"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("care/on/", views.care_switch, {"on": True}, name="care_on"),
    path("care/off/", views.care_switch, {"on": False}, name="care_off"),
    path("care/mode.css", views.mode_css, name="mode_css"),
]
