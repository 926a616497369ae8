"""The Knowledge tab without a browser: search, uploads ingested with their progress, and uploads
refused (wrong type, wrong content, too big, broken) leaving the knowledge base as it was."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ava_core.errors import KnowledgeError
from ava_core.knowledge.client import disconnect_all
from ava_core.knowledge.factory import open_index
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.local_embedder import LocalEmbedder
from ava_core.knowledge.qdrant import QdrantKnowledge
from ava_core.settings import Settings
from gradio_app import lab
from gradio_app.session import build_engines
from gradio_app.site import Site
from gradio_app.uploads import UploadRejected, Uploads, check_upload, safe_name

ROOT = Path(__file__).resolve().parents[2]
DEMO_OBJECTIONS = ROOT / "examples" / "knowledge" / "objections.yaml"
MB = 2**20

CRITTER_GUARD = """# Critter guards

## Squirrels and pigeons

Pigeons love nesting under panels. Every install includes a stainless steel critter guard mesh
around the array edge at no extra charge, so birds and squirrels cannot chew the wiring.
"""


@pytest.fixture(autouse=True)
def _release_qdrant_folders():
    yield
    disconnect_all()  # each test's embedded folder is opened by this process only


@pytest.fixture
def settings_(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "data" / "ava.sqlite3", qdrant_path=tmp_path / "data" / "qdrant")


@pytest.fixture
def site(settings_) -> Site:
    """A site that started before anything was ingested."""
    return Site(build_engines(settings_))


@pytest.fixture
def demo_site(settings_) -> Site:
    """A site started on a knowledge base that holds the demo's objection pairs."""
    from ava_core.profile import load_profile

    ingest([DEMO_OBJECTIONS], open_index(settings_, load_profile(settings_.profile)), LocalEmbedder())
    return Site(build_engines(settings_))


def _uploads(site: Site, tmp_path: Path, *, max_mb: float = 10) -> Uploads:
    return Uploads(site.engines, tmp_path / "data" / "knowledge-uploads", max_bytes=int(max_mb * MB),
                   on_knowledge=site.use_knowledge)


def _file(tmp_path: Path, name: str, content: str | bytes) -> tuple[Path, str]:
    """A file as the browser uploaded it: a temporary copy that keeps the original name."""
    folder = tmp_path / "browser-upload" / hashlib.sha1(name.encode()).hexdigest()[:8]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path, name


def _counts(site: Site) -> tuple[int, int]:
    index = site.engines.knowledge.index
    return index.count("domain"), index.count("objection")


def test_an_uploaded_document_is_ingested_with_progress_and_then_found(site, tmp_path):
    seen: list[tuple[float, str]] = []
    results = _uploads(site, tmp_path).ingest([_file(tmp_path, "Critter Guard FAQ.md", CRITTER_GUARD)],
                                             lambda share, what: seen.append((share, what)))

    assert [(r.name, r.ok) for r in results] == [("Critter-Guard-FAQ.md", True)]
    assert "chunks: 1 new" in results[0].detail
    shares = [share for share, _ in seen]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert any("embedded 1 of 1" in what for _, what in seen)
    hits = lab.search_rows(site.engines, "do birds nest under the panels?")
    assert hits[0][2].endswith("knowledge-uploads/Critter-Guard-FAQ.md")
    assert "critter guard" in hits[0][3]


def test_a_conversation_open_before_the_first_upload_searches_the_new_knowledge(site, tmp_path):
    key = site.new_lead(model="playbook", name="Jordan", phone="+15125550142", start="2026-12-01 09:30")
    _uploads(site, tmp_path).ingest([_file(tmp_path, "critters.md", CRITTER_GUARD)])

    engine = site.session(key).assistant.engine
    assert engine.knowledge is site.engines.knowledge
    assert engine.knowledge.search("pigeons", limit=1)[0].source.endswith("critters.md")


def test_objection_pairs_from_a_csv_join_the_pairs_already_there(demo_site, tmp_path):
    domain, pairs = _counts(demo_site)
    csv = ("id,objection,response,paraphrases\n"
           "hoa-paperwork,My HOA won't allow panels,Texas law (Property Code 202.010) limits what an HOA can "
           "forbid; we handle the HOA paperwork for you.,the homeowners association said no|hoa says no solar\n")
    (result,) = _uploads(demo_site, tmp_path).ingest([_file(tmp_path, "hoa.csv", csv)])

    assert result.ok and "objection pairs: 1 new" in result.detail
    assert _counts(demo_site) == (domain, pairs + 3)  # one point per phrasing
    hit = demo_site.engines.knowledge.search("the homeowners association won't let me", kind="objection")[0]
    assert (hit.id, hit.source.endswith("knowledge-uploads/hoa.csv")) == ("hoa-paperwork", True)
    assert demo_site.engines.knowledge.search("solar is too expensive", kind="objection")[0].source \
        == "examples/knowledge/objections.yaml"


def test_uploading_the_same_file_again_changes_nothing_and_a_new_version_replaces_the_old(site, tmp_path):
    uploads = _uploads(site, tmp_path)
    uploads.ingest([_file(tmp_path, "critters.md", CRITTER_GUARD)])
    (again,) = uploads.ingest([_file(tmp_path, "critters.md", CRITTER_GUARD)])
    assert again.detail.startswith("chunks: 1 unchanged")

    newer = CRITTER_GUARD.replace("stainless steel critter guard mesh", "black PVC-coated critter mesh")
    (replaced,) = uploads.ingest([_file(tmp_path, "critters.md", newer)])
    assert replaced.detail.startswith("chunks: 1 updated")
    assert _counts(site) == (1, 0)
    assert "PVC-coated" in site.engines.knowledge.search("critter mesh", limit=1)[0].text


@pytest.mark.parametrize(("name", "content", "says"), [
    ("setup.exe", b"MZ\x90\x00\x03", "setup.exe: .exe is not taken; upload Markdown"),
    ("brochure.pdf", "# not really a pdf\njust text", "brochure.pdf: not a PDF (no %PDF- header)"),
    ("notes.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "notes.md: not UTF-8 text"),
    ("notes.txt", "line one\x00\x00binary", "notes.txt: binary content (control character 0x00"),
    ("empty.md", b"", "empty.md: the file is empty"),
    ("README", "no suffix at all", "README: a file without a suffix is not taken"),
])
def test_a_file_of_the_wrong_type_or_content_is_refused_by_name_before_anything_is_read(
        demo_site, tmp_path, name, content, says):
    before = _counts(demo_site)
    (result,) = _uploads(demo_site, tmp_path).ingest([_file(tmp_path, name, content)])

    assert not result.ok and result.detail.startswith(says)
    assert _counts(demo_site) == before
    assert not (tmp_path / "data" / "knowledge-uploads").exists()


def test_a_file_over_the_size_limit_is_refused_and_the_others_in_the_batch_go_in(site, tmp_path):
    big = "# Big\n\n" + "solar " * 30_000  # ~180 KB
    results = _uploads(site, tmp_path, max_mb=0.1).ingest(
        [_file(tmp_path, "big.md", big), _file(tmp_path, "critters.md", CRITTER_GUARD)])

    assert [r.ok for r in results] == [False, True]
    assert results[0].detail == "big.md: 0.2 MB is over the 0.1 MB limit (AVA_RD_UPLOAD_MAX_MB)"


def test_a_broken_objections_file_names_its_row_and_keeps_the_version_before_it(demo_site, tmp_path):
    uploads = _uploads(demo_site, tmp_path)
    good = "id,objection,response\nhoa-paperwork,My HOA won't allow panels,We handle the HOA paperwork for you.\n"
    uploads.ingest([_file(tmp_path, "hoa.csv", good)])
    before = _counts(demo_site)

    broken = "id,objection,response\nhoa-paperwork,My HOA won't allow panels,\n"
    (result,) = uploads.ingest([_file(tmp_path, "hoa.csv", broken)])

    assert not result.ok and "knowledge-uploads/hoa.csv: row 2: response" in result.detail
    assert _counts(demo_site) == before
    assert (tmp_path / "data" / "knowledge-uploads" / "hoa.csv").read_text() == good
    found = demo_site.engines.knowledge.search("My HOA won't allow panels", kind="objection", limit=3)
    assert ("hoa-paperwork", "We handle the HOA paperwork for you.") in [(p.id, p.response) for p in found]


@pytest.mark.parametrize(("name", "content", "says"), [
    ("pairs.yaml", "questions:\n  - what is solar\n", "not an objections file"),
    ("pairs.yaml", "objections:\n  - {id: x, objection: [unclosed\n", "invalid YAML"),
    ("price.yaml", "objections:\n  - {id: price-too-expensive, objection: Too pricey, response: We finance it.}\n",
     "'price-too-expensive' is in both"),
    ("title-only.md", "# Just a title\n", "no text found to search"),
])
def test_a_file_the_ingest_cannot_take_is_refused_and_nothing_already_there_is_lost(
        demo_site, tmp_path, name, content, says):
    before = _counts(demo_site)
    (result,) = _uploads(demo_site, tmp_path).ingest([_file(tmp_path, name, content)])

    assert not result.ok and says in result.detail and name in result.detail
    assert _counts(demo_site) == before
    assert not (tmp_path / "data" / "knowledge-uploads" / name).exists()


class BreaksOn:
    """An embedder that fails on the batch holding ``word``, after earlier batches were written."""

    name = "test:breaks"
    dimension = 8

    def __init__(self, word: str):
        self.word = word

    def embed(self, texts: list[str]) -> list[list[float]]:
        if any(self.word in t for t in texts):
            raise KnowledgeError("the embedding service answered 503")
        vectors = []
        for text in texts:
            v = [0.0] * self.dimension
            for w in text.lower().split():
                v[hashlib.sha256(w.encode()).digest()[0] % self.dimension] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            vectors.append([x / norm for x in v])
        return vectors


def test_an_ingest_that_fails_half_way_takes_back_what_it_wrote(site, tmp_path):
    index = open_index(site.engines.settings, site.engines.profile)
    site.use_knowledge(QdrantKnowledge(index, BreaksOn("zebra")))
    uploads = _uploads(site, tmp_path)
    uploads.ingest([_file(tmp_path, "critters.md", CRITTER_GUARD)])
    before = _counts(site)
    # 70 sections: the first 64 are embedded and written before the batch holding "zebra" fails.
    sections = "".join(f"## Topic {i}\n\nPanel fact number {i}.\n\n" for i in range(69))
    long_doc = f"# Facts\n\n{sections}## Last\n\nThe longest section mentions a zebra, so it sorts last of all.\n"
    (result,) = uploads.ingest([_file(tmp_path, "facts.md", long_doc)])

    assert not result.ok and "503" in result.detail
    assert _counts(site) == before


def test_uploads_are_refused_when_the_collections_were_built_by_another_embedder(demo_site, tmp_path):
    index = demo_site.engines.knowledge.index
    demo_site.use_knowledge(QdrantKnowledge(index, BreaksOn("never")))

    with pytest.raises(KnowledgeError, match="built with local:all-MiniLM-L6-v2"):
        _uploads(demo_site, tmp_path).ingest([_file(tmp_path, "critters.md", CRITTER_GUARD)])
    assert index.count("objection") > 0


def test_search_lists_score_kind_source_and_passage(demo_site):
    rows = lab.search_rows(demo_site.engines, "solar is way too expensive for us")
    assert rows[0][1:3] == ["objection", "examples/knowledge/objections.yaml"]
    assert 0 < rows[0][0] <= 1
    assert lab.search_rows(demo_site.engines, "   ") == []


def test_an_empty_batch_is_refused():
    with pytest.raises(UploadRejected, match="choose at least one file"):
        Uploads(None, Path("unused"), max_bytes=MB).ingest([])  # type: ignore[arg-type]


@given(st.text(min_size=1, max_size=60))
def test_a_kept_name_is_one_plain_visible_file_name(name):
    kept = safe_name(name)
    assert "/" not in kept and "\\" not in kept and not kept.startswith(".")
    assert kept.isascii() and kept


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=400),
       st.sampled_from([".md", ".txt", ".html", ".csv", ".yaml"]))
def test_any_utf8_text_passes_the_content_check_and_binary_never_does(tmp_path, text, suffix):
    path = tmp_path / f"doc{suffix}"
    path.write_text(text + "\n", encoding="utf-8")
    check_upload(path, path.name, max_bytes=MB)
    path.write_bytes(text.encode() + b"\x00\xff")
    with pytest.raises(UploadRejected, match=f"^doc{suffix}: "):
        check_upload(path, path.name, max_bytes=MB)
