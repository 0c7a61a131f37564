from __future__ import annotations

from django import forms

from bangban.evaluations import rules
from bangban.evaluations.models import COMMENT_MAX, NOTE_MAX, Aspect, Finding, Level, ReviewChannel, Stage

# Best first, as the applicant reads them; each with a face for those who read little.
LEVEL_CHOICES = [(str(v), label) for v, label in sorted(Level.choices, reverse=True)]
# Unicode 6.0 faces only: older phones lack the later ones (🙂, 🙁).
FACES = {"5": "😄", "4": "😊", "3": "😐", "2": "😟", "1": "😠"}


class RateForm(forms.Form):
    level = forms.TypedChoiceField(
        label="请您评价本次服务", choices=LEVEL_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    aspects = forms.MultipleChoiceField(
        label="主要是哪方面（可不选）",
        choices=Aspect.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label="您的意见或建议（可不填）",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"最多 {COMMENT_MAX} 字",
    )

    def levels(self):
        """(value, label, face, checked) for the big buttons."""
        current = str(self["level"].value() or "")
        return [(v, label, FACES[v], v == current) for v, label in LEVEL_CHOICES]


class EnterForm(RateForm):
    channel = forms.ChoiceField(
        label="代录方式",
        choices=[(c, ReviewChannel(c).label) for c in (ReviewChannel.STAFF_PAPER, ReviewChannel.STAFF_PHONE)],
    )
    case = forms.IntegerField(
        label="办件编号（系统内部编号，可不填）", required=False, min_value=1, max_value=10**17
    )
    stage = forms.ChoiceField(label="评价环节", choices=[("", "自动")] + Stage.choices, required=False)
    level = forms.TypedChoiceField(
        label="评价等级", choices=LEVEL_CHOICES, coerce=int, widget=forms.RadioSelect
    )


class RevisitForm(forms.Form):
    called_at = forms.DateTimeField(
        label="回访时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reached = forms.TypedChoiceField(
        label="是否联系上",
        choices=[("1", "已联系上"), ("0", "未联系上")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    said = forms.CharField(
        label="群众意见", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(forms.Form):
    finding = forms.ChoiceField(label="核实结论", choices=Finding.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="核实说明", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class RectifyForm(forms.Form):
    action_taken = forms.CharField(
        label="整改措施", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label="反馈内容",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="实名评价将以短信告知评价人",
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label="复核意见", required=False, max_length=NOTE_MAX)


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=NOTE_MAX)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="申诉理由", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="裁定",
        choices=[("1", "申诉成立（不计入统计）"), ("0", "申诉不成立")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="裁定理由", max_length=NOTE_MAX)


class RectifyLimitForm(forms.Form):
    institution = forms.ModelChoiceField(
        label="机构",
        queryset=None,
        error_messages={"invalid_choice": "所选机构不存在或不在您的数据范围内", "required": "请选择机构"},
    )
    days = forms.IntegerField(
        label="整改时限（工作日）",
        required=False,
        min_value=rules.LIMIT_MIN,
        max_value=rules.LIMIT_MAX,
        help_text=f"{rules.LIMIT_MIN} 至 {rules.LIMIT_MAX} 个工作日；留空则沿用上级机构或默认时限",
    )

    def __init__(self, *args, user, **kwargs):
        from bangban.org.selectors import institutions_in_scope

        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_in_scope(user).order_by("path")
