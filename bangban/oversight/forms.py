from django import forms

from bangban.oversight import rules


class IssueForm(forms.Form):
    requirement = forms.CharField(
        label="督办要求", max_length=rules.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    limit_days = forms.IntegerField(
        label="答复时限（工作日）",
        min_value=1,
        max_value=rules.MAX_LIMIT_DAYS,
        initial=rules.DEFAULT_LIMIT_DAYS,
        help_text=f"按工作日计算，默认 {rules.DEFAULT_LIMIT_DAYS} 个，最多 {rules.MAX_LIMIT_DAYS} 个",
    )


class AnswerForm(forms.Form):
    reply = forms.CharField(
        label="答复内容", max_length=rules.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    actions_taken = forms.CharField(
        label="已采取的措施",
        max_length=rules.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label="评价",
        choices=[("1", "满意，办结"), ("0", "不满意，退回重办")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="评价意见",
        max_length=rules.MAX_TEXT,
        required=False,
        help_text="不满意时必填",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
