import pytest

from bangban.cases.tests.conftest import items  # noqa: F401  (the cases tests' catalog items)


@pytest.fixture(autouse=True)
def _case_kind_registered():
    # SupervisionConfig.ready registers the case kind; the tests rely on it.
    from bangban.supervision.registry import KINDS

    assert "case" in KINDS
