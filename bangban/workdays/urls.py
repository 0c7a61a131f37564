from django.urls import path, register_converter

from bangban.workdays import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        import datetime

        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:  # e.g. 2025-02-30: not a route
            raise ValueError(value) from exc

    def to_url(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "workdays_date")

urlpatterns = [
    path("", views.calendar_home_view, name="home"),
    path("<id:year>/", views.year_view, name="year"),
    path("<id:year>/seed/", views.year_seed_view, name="year_seed"),
    path("<id:year>/confirm/", views.year_confirm_view, name="year_confirm"),
    path("days/set/", views.day_set_view, name="day_set"),
    path("days/<workdays_date:day>/clear/", views.day_clear_view, name="day_clear"),
]
