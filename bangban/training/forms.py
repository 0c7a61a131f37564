from django import forms

from bangban.training import rules


class CourseForm(forms.Form):
    title = forms.CharField(label="培训主题", max_length=rules.TITLE_MAX)
    summary = forms.CharField(
        label="培训内容",
        max_length=rules.SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    hours = forms.DecimalField(
        label="学时",
        min_value=0.5,
        max_value=100,
        decimal_places=1,
        max_digits=4,
        help_text="以 0.5 学时为单位",
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(label="培训日期", widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="培训地点", max_length=rules.PLACE_MAX)
    trainer = forms.CharField(label="授课人", max_length=rules.TRAINER_MAX)
    attendees = forms.ModelMultipleChoiceField(
        label="参训人员",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选的人员记为参训，认定课程学时；缺席和考试成绩可在场次页修改",
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = staff
        self.fields["attendees"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.institution.name if u.institution else '—'}）"
        )


class AttendanceForm(forms.Form):
    user = forms.ModelChoiceField(label="参训人员", queryset=None)
    attended = forms.TypedChoiceField(
        label="是否参训", choices=[("1", "参训"), ("0", "缺席")], coerce=lambda v: v == "1", initial="1"
    )
    hours = forms.DecimalField(
        label="认定学时",
        min_value=0,
        max_value=100,
        decimal_places=1,
        max_digits=4,
        required=False,
        help_text="留空：参训按课程学时认定，缺席为 0",
    )
    score = forms.IntegerField(label="考试成绩", min_value=0, max_value=100, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.institution.name if u.institution else '—'}）"
        )


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if not self.errors:
            problem = rules.period_problem(data.get("start"), data.get("end"))
            if problem:
                self.add_error("end", problem)
        return data
