"""The bundled seed catalogue: everyday procedures the hotline answers out of
the box, before any import of the national catalogue.

Facts (codes, names, fees, processing times) come from the national public
service portal; spoken summaries, aliases and keywords are written by staff
for reading aloud on the phone."""

from __future__ import annotations

import json
from importlib import resources

from knowledge.records import ProcedureRecord

CATALOGUE = "catalogue.json"


def load_seed() -> list[ProcedureRecord]:
    """All seed procedures, in catalogue order."""
    text = resources.files(__package__).joinpath(CATALOGUE).read_text(encoding="utf-8")
    return [ProcedureRecord.from_dict(item) for item in json.loads(text)]
