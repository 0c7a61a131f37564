from django import template

from bangban.core import forms as core_forms

register = template.Library()


@register.filter
def named_errors(bound_field) -> list[str]:
    return core_forms.field_error_messages(bound_field)


@register.filter
def error_id(bound_field) -> str:
    return core_forms.error_id(bound_field)


@register.filter
def help_id(bound_field) -> str:
    return core_forms.help_id(bound_field)


@register.inclusion_tag("core/_error_summary.html", takes_context=True)
def error_summary(context):
    """The errors of every bound form on the page, for the top of <main>."""
    return {"errors": core_forms.error_summary(context.flatten().values())}
