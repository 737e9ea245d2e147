"""spreadsheet_safe: no cell a spreadsheet would run as a formula, and nothing else changed."""

from hypothesis import given
from hypothesis import strategies as st

from marketplace.api.csv_export import FORMULA_TRIGGERS, PLAIN_NUMBER, spreadsheet_safe


@given(st.text())
def test_no_text_cell_starts_a_formula_and_the_original_text_is_kept(text):
    safe = spreadsheet_safe(text)
    assert safe.endswith(text)
    if not PLAIN_NUMBER.fullmatch(text):
        assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe == text or safe == "'" + text


@given(st.integers() | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str) | st.integers().map(str))
def test_numbers_stay_numbers(value):
    assert spreadsheet_safe(value) == value


def test_the_classic_payloads_are_neutralised():
    for payload in ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]:
        assert spreadsheet_safe(payload) == "'" + payload
