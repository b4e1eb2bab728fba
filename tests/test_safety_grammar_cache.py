"""lark's grammar cache is no pickle in $TMPDIR: a payload planted under its name never runs."""

import pickle
import tempfile
from pathlib import Path

import lark
import pytest

from automath import GrammarError
from automath.core.grammar import SHIPPED, Grammar

TEXT = """start: sum
?sum: sum "+" atom -> add
    | atom
atom: NAME -> var
%import common.CNAME -> NAME
%import common.WS
%ignore WS
// planted-cache test {n}
"""


class Payload:
    """Unpickling this writes the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "ran"))


def old_cache_name(text: str, path: str) -> Path:
    """The file lark's ``cache=True`` writes for this grammar (found by letting lark write it)."""
    before = set(Path(tempfile.gettempdir()).glob(".lark_cache_*"))
    lark.Lark(text, parser="lalr", propagate_positions=True,
              import_paths=[str(Path(path).parent), str(SHIPPED)], source_path=path, cache=True)
    (made,) = set(Path(tempfile.gettempdir()).glob(".lark_cache_*")) - before
    return made


def test_planted_cache_pickle_does_not_run(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    grammar, marker = tmp_path / "g.lark", tmp_path / "MARKER"
    text = TEXT.format(n=id(tmp_path))
    grammar.write_text(text)
    planted = old_cache_name(text, str(grammar))
    planted.write_bytes(b"any\n" + pickle.dumps(Payload(marker)))
    g = Grammar.load(str(grammar))
    assert g.format(g.parse("a + b")) == "a + b"
    assert not marker.exists()


def test_loading_writes_nothing_to_tmpdir(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "h.lark").write_text(TEXT.format(n="fresh"))
    Grammar.load(str(tmp_path / "h.lark"))
    Grammar.load("arith")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.lark"]


def test_an_edited_import_is_read_again(tmp_path: Path):
    (tmp_path / "base.lark").write_text('NUM: "1"\n')
    (tmp_path / "top.lark").write_text('start: NUM -> num\n%import .base.NUM\n')
    assert Grammar.load(str(tmp_path / "top.lark")).parse("1").token == "1"
    (tmp_path / "base.lark").write_text('NUM: "22"\n')
    assert Grammar.load(str(tmp_path / "top.lark")).parse("22").token == "22"


def test_grammar_file_that_is_not_utf8_is_a_grammar_error(tmp_path: Path):
    path = tmp_path / "latin.lark"
    path.write_bytes(b'start: "a"\n// caf\xe9\n')
    with pytest.raises(GrammarError, match=r"latin\.lark:2: .*not UTF-8"):
        Grammar.load(str(path))
