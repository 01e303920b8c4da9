"""The alias regression set refuses a change that breaks a case which passes today."""

from __future__ import annotations

import pytest

from dialog.matcher import Matcher
from hotline.regression import Case, RegressionFailed, RegressionSet, compare
from knowledge.records import ProcedureRecord
from knowledge.seed import load_seed

PASSPORT, BIRTH = "1.001456", "1.001193"


def _with_alias(records, code, alias):
    return [r if r.code != code else ProcedureRecord.from_dict(r.to_dict() | {"aliases": [*r.aliases, alias]})
            for r in records]


def test_a_case_that_flips_where_the_change_is_not_involved_is_reported_not_blamed():
    records = load_seed()
    before = Matcher(records)
    after = Matcher(_with_alias(records, PASSPORT, "khai sinh"))
    cases = [Case("khai sinh", (BIRTH,))]
    assert [b.case.text for b in compare(before, after, cases, changed=PASSPORT).broken] == ["khai sinh"]
    # Had another procedure been edited (one that is not among the case's candidates), the
    # flip would be a shift of word weights: reported, not blocking.
    elsewhere = compare(before, after, cases, changed="1.000894")
    assert elsewhere.ok and [b.case.text for b in elsewhere.shifted] == ["khai sinh"]


def test_compare_reports_broken_fixed_and_skipped():
    records = load_seed()
    before = Matcher(records)
    after = Matcher(_with_alias(records, PASSPORT, "khai sinh"))  # "khai sinh" becomes ambiguous
    cases = [Case("khai sinh", (BIRTH,)), Case("làm hộ chiếu", (PASSPORT,)), Case("x", ("9.999999",)),
             Case("kết quả xổ số miền nam", ())]
    report = compare(before, after, cases)
    assert report.skipped == 1 and report.checked == 3
    assert [b.case.text for b in report.broken] == ["khai sinh"]
    assert report.broken[0].before.top == BIRTH and report.broken[0].after.action == "disambiguate"
    assert not report.ok
    assert compare(before, before, cases).ok


@pytest.fixture
def regression(services):
    return RegressionSet(services.db.sessions)


def test_accepted_alias_case_protects_it_from_a_later_change(services, regression):
    store = services.store
    before = Matcher(store.all_records())
    saved, report = regression.checked_update(store, before, PASSPORT,
                                              {"aliases": [*store.get(PASSPORT).aliases, "làm pát pọt"]}, actor="t")
    assert "làm pát pọt" in saved.aliases and report.ok and report.checked > 500  # + the bundled evaluation set
    assert regression.add("làm pát pọt", PASSPORT, actor="t") and not regression.add("Làm  pát pọt", PASSPORT, actor="t")

    # The same words as an alias of another procedure would take them away from the passport: refused.
    before = Matcher(store.all_records())
    with pytest.raises(RegressionFailed) as err:
        regression.checked_update(store, before, BIRTH, {"aliases": [*store.get(BIRTH).aliases, "làm pát pọt"]},
                                  actor="t")
    broken = {b.case.text: b for b in err.value.report.broken}
    assert "làm pát pọt" in broken and broken["làm pát pọt"].before.top == PASSPORT
    assert "làm pát pọt" not in store.get(BIRTH).aliases  # nothing was written
    assert "làm pát pọt" in str(err.value)


def test_evaluation_set_cases_block_too_and_harmless_edits_skip_the_check(services, regression):
    store = services.store
    before = Matcher(store.all_records())
    with pytest.raises(RegressionFailed) as err:
        regression.checked_update(store, before, PASSPORT, {"aliases": [*store.get(PASSPORT).aliases, "khai sinh"]},
                                  actor="t")
    assert any(b.case.source == "evalset" and b.case.codes == (BIRTH,) for b in err.value.report.broken)
    saved, report = regression.checked_update(store, before, PASSPORT, {"spoken_summary": "Ông bà nộp ở công an tỉnh."},
                                              actor="t")
    assert report is None and saved.spoken_summary.startswith("Ông bà")


def test_republishing_compares_with_the_last_published_version(services, regression):
    store = services.store
    before = Matcher(store.all_records())
    # Unpublishing shifts word weights a little; it is reported, never refused.
    saved, report = regression.checked_update(store, before, PASSPORT, {"status": "draft"}, actor="t")
    assert saved.status == "draft" and report is not None and report.skipped > 0
    before = Matcher(store.all_records())
    saved, report = regression.checked_update(store, before, PASSPORT, {"status": "published"}, actor="t")
    assert saved.status == "published" and report.ok
