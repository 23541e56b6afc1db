"""The published pages kept in data/sources are the ones in the shared corpus, byte for byte."""
import pytest

from .conftest import CORPUS, SHARED_CORPUS


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="no ../shared/corpus beside this clone")
def test_sources_are_the_shared_corpus():
    shared = {p.name: p.read_bytes() for p in SHARED_CORPUS.glob("*.md")}
    ours = {p.name: p.read_bytes() for p in CORPUS.glob("raci_*.md")}
    assert shared and ours == shared
