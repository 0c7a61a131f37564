from django import template

from bangban.audit.presentation import readable_changes

register = template.Library()


@register.filter
def changes_of(event):
    return readable_changes(event)
