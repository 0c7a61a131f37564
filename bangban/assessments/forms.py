from django import forms

from bangban.assessments import rules


class AssessmentScoreForm(forms.Form):
    score = forms.IntegerField(
        label="主管评分", min_value=rules.SCORE_MIN, max_value=rules.SCORE_MAX, help_text="0 至 100 的整数"
    )
    comment = forms.CharField(
        label="考核评语",
        required=False,
        max_length=rules.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
