import re
from pathlib import Path

from knowledge.parsing.flags import FLAG_DESCRIPTIONS, describe

ROOT = Path(__file__).resolve().parents[2]


def test_every_flag_the_code_can_raise_is_described():
    sources = [*ROOT.joinpath("knowledge", "parsing").glob("*.py"), *ROOT.joinpath("knowledge", "formats").glob("*.py")]
    pattern = re.compile(r'"((?:time|fee|channels?|documents?|legal|level|steps)_[a-z_]+)"')
    raised = {m for path in sources if path.name != "flags.py" for m in pattern.findall(path.read_text("utf-8"))}
    assert raised, "no flags found: the pattern no longer matches the code"
    assert raised <= set(FLAG_DESCRIPTIONS), raised - set(FLAG_DESCRIPTIONS)


def test_describe():
    assert describe("fee_note_conflict").startswith("The portal says free")
    assert describe("something_new") == "something_new"
