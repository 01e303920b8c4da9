"""What each import flag means, for the staff review screens and reports.

Flags are short machine-readable reasons on ``ProcedureRecord.flags``; the
source text of the field concerned is kept in ``ProcedureRecord.raw``."""

from __future__ import annotations

FLAG_DESCRIPTIONS: dict[str, str] = {
    # Submission channels (cách thức thực hiện): time and fee.
    "channels_unparsed": "The channel table could not be split into rows; its text is kept in raw.",
    "channels_missing": "The source gives no submission channel, so no time or fee to tell callers.",
    "channel_unknown": "A channel row names a channel other than online, direct or postal; it was left out.",
    "time_unit_missing": "A processing time is a bare number ('1') with no unit; kept in words, days left unknown.",
    "time_unit_from_text": "A bare time number got its unit from the row note or the steps; please confirm.",
    "time_unparsed": "A processing time is free text with no number; kept as text.",
    "time_zero": "A processing time of 0; kept as text, not as a number of days.",
    "time_fee_glued": "Time and fee digits ran together ('120 VNĐ': 1 + 20 or 12 + 0?); neither was guessed.",
    "fee_from_note": "Time and fee digits ran together; the split and the amount come from the fee's own note.",
    "fee_unparsed": "A fee could not be read as an amount; kept as text.",
    "fee_amount_missing": "A fee cell names a fee or a regulation but gives no amount.",
    "fee_note_conflict": (
        "The portal says free but the fee note names an amount or a fee schedule; the fee is left unknown "
        "and the note is its text."
    ),
    "fee_in_thousands": "The fee cell's amount was typed in thousands ('135 VNĐ'); the note's full amount was taken.",
    "fee_note_differs": (
        "The fee note states other amounts than the fee cell (often a reduced rate for a period); left unknown, "
        "the text keeps both."
    ),
    "fee_implausible": (
        "A fee under 1,000 đồng its note does not confirm (thousands? another currency?); left unknown."
    ),
    "fee_set_locally": "The fee note says the provincial council sets the amount; it may differ by province.",
    # Documents (thành phần hồ sơ).
    "documents_unparsed": "The document table could not be read; its text is kept in raw.",
    "documents_from_page_text": "The crawl cut the steps/documents fields wrongly; both were read from the page text.",
    "document_quantity_missing": "The last document row has no quantity (the source text is cut).",
    "document_form_unsplit": "A template file name could not be separated from a document name.",
    "document_name_in_heading": "A document row had no name; the heading before the table was used.",
    # Other fields.
    "legal_unparsed": "Part of the legal basis could not be split into titles and codes; kept as one entry.",
    "level_unknown": "An unknown level (cấp thực hiện) was left out.",
    "steps_missing": "The source gives no steps (trình tự thực hiện).",
}


def describe(flag: str) -> str:
    """A one-line explanation; unknown flags are returned as they are."""
    return FLAG_DESCRIPTIONS.get(flag, flag)
