import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("大写字母", set(string.ascii_uppercase)),
    ("小写字母", set(string.ascii_lowercase)),
    ("数字", set(string.digits)),
)


class CharacterClassValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, other symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def _count(self, password: str) -> int:
        count = sum(1 for _name, chars in CLASSES if any(c in chars for c in password))
        if any(not (c.isascii() and c.isalnum()) for c in password):
            count += 1
        return count

    def validate(self, password, user=None):
        if self._count(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(n)d 类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(n)d 类。") % {"n": self.min_classes}


class MinimumLengthValidator:
    """Django's length rule, with a message that reads well in Chinese."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短，至少包含 %(n)d 个字符。") % {"n": self.min_length}, code="password_too_short"
            )

    def get_help_text(self):
        return _("密码至少包含 %(n)d 个字符。") % {"n": self.min_length}
