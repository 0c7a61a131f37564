"""Every form with an SMS code (one shared set of buttons, portal/_code_actions.html): Enter in a field
presses the form's first submit button (HTML's implicit submission), so the action comes before
获取验证码 and Enter after typing the code submits instead of sending a new code. In a browser:
tests/browser/test_portal.py (the keyboard-only journey presses Enter in the code field)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORM_RE = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
BUTTON_RE = re.compile(r"<button\b[^>]*>")


def code_forms(html: str) -> list[str]:
    return [f for f in FORM_RE.findall(html) if 'name="code"' in f]


@pytest.mark.parametrize(
    "url",
    [
        "portal:ask",
        "bookings:track_lookup",
        "bookings:manage",
        "bookings:ask",  # with ?institution=: the second step holds the code
    ],
)
def test_the_first_submit_button_of_every_code_form_is_its_action(client, org, url):
    path = reverse(url) + (f"?institution={org.town.pk}" if url == "bookings:ask" else "")
    html = client.get(path).content.decode()
    forms = code_forms(html)
    assert forms, url
    for form in forms:
        buttons = [b for b in BUTTON_RE.findall(form) if 'type="submit"' in b]
        assert len(buttons) >= 2
        assert 'name="send_code"' not in buttons[0], buttons
        assert any('name="send_code"' in b for b in buttons[1:])
