from hypothesis import given
from hypothesis import strategies as st

from bangban.cases import workflow
from bangban.cases.models import Kind, Status


def test_help_path():
    path = [
        ("apply", Status.APPLIED),
        ("accept", Status.ACCEPTED),
        ("start", Status.IN_PROGRESS),
        ("complete", Status.COMPLETED),
        ("archive", Status.ARCHIVED),
    ]
    status = Status.CONSULTING
    for action, expected in path:
        status = workflow.target(action, Kind.HELP, status)
        assert status == expected


def test_agency_path_with_suspension():
    status = Status.CONSULTING
    for action in (
        "analyse",
        "entrust",
        "start",
        "suspend",
        "resume",
        "suspend",
        "resume",
        "complete",
        "archive",
    ):
        status = workflow.target(action, Kind.AGENCY, status)
        assert status is not None, action
    assert status == Status.ARCHIVED


def test_no_suspension_for_help_and_no_termination_after_completion():
    assert workflow.target("suspend", Kind.HELP, Status.IN_PROGRESS) is None
    assert workflow.target("terminate", Kind.AGENCY, Status.COMPLETED) is None
    assert workflow.target("complete", Kind.AGENCY, Status.SUSPENDED) is None


@given(
    st.sampled_from(Kind.values), st.sampled_from(Status.values), st.sampled_from(list(workflow.TRANSITIONS))
)
def test_terminal_states_have_no_way_back(kind, status, action):
    if status == Status.ARCHIVED:
        assert workflow.target(action, kind, status) is None
    target = workflow.target(action, kind, status)
    if target is not None:
        assert action in workflow.allowed_actions(kind, status)


@given(st.sampled_from(Kind.values), st.sampled_from(list(workflow.TRANSITIONS)))
def test_a_kind_ever_takes_an_action_when_some_status_allows_it(kind, action):
    assert workflow.ever_takes(kind, action) == any(workflow.target(action, kind, s) for s in Status.values)


def test_a_help_case_is_never_entrusted_suspended_or_resumed():
    assert not any(workflow.ever_takes(Kind.HELP, a) for a in ("entrust", "suspend", "resume"))
    assert all(workflow.ever_takes(Kind.AGENCY, a) for a in ("entrust", "suspend", "resume"))
