"""``ava ingest``, ``ava knowledge eval`` and ``ava knowledge search``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ava_core.errors import AvaError, ConfigError

# markup off: file names, lead messages and passages are printed verbatim, brackets and all.
_out = Console(highlight=False, markup=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

ProfileOption = Annotated[
    Path | None, typer.Option("--profile", "-p", help="business profile YAML (default: AVA_PROFILE)")
]


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and the ``knowledge`` sub-commands to the ``ava`` app."""
    app.command("ingest")(ingest)
    knowledge = typer.Typer(
        name="knowledge", help="Try and measure the knowledge base.", no_args_is_help=True,
        add_completion=False, pretty_exceptions_enable=False,
    )
    knowledge.command("eval")(evaluate)
    knowledge.command("search")(search)
    app.add_typer(knowledge, name="knowledge")


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="files or folders: Markdown, text, PDF, HTML, objections .yaml/.csv "
             "(default: the profile's knowledge.sources)", show_default=False, exists=True)] = None,
    profile: ProfileOption = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="drop the collections and embed everything again")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar; one summary line")] = False,
) -> None:
    """Embed documents and objection pairs into the knowledge base; only what changed is redone."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ava_core.knowledge.factory import build_embedder, open_index
    from ava_core.knowledge.ingest import ingest as run_ingest

    with _failures():
        settings, loaded = _load(profile)
        targets = list(paths) if paths else _sources(loaded.knowledge.sources, profile or settings.profile)
        if not targets:
            raise ConfigError("nothing to ingest: give PATHs or list knowledge.sources in the profile")
        embedder = build_embedder(settings)
        index = open_index(settings, loaded)
        if not quiet:
            _err.print(f"Ingesting {', '.join(str(t) for t in targets)} into {index.location} ({embedder.name})")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=_err, transient=True, disable=quiet) as bar:
            task = bar.add_task("Embedding", total=None)
            report = run_ingest(
                targets, index, embedder, rebuild=rebuild,
                on_start=lambda total: bar.update(task, total=total),
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    domain, pairs = report.counts["domain"], report.counts["objection"]
    if quiet:
        changed = sum(c.added + c.updated + c.removed for c in report.counts.values())
        _out.print(f"knowledge: {domain.added + domain.updated + domain.unchanged} chunks, "
                   f"{pairs.added + pairs.updated + pairs.unchanged} objection pairs, "
                   f"{changed} changed, in {report.seconds:.1f} s ({index.location})")
        return
    if report.collections:
        _out.print(f"Collections {report.collections}: {', '.join(index.names.values())}")
    table = Table("", "added", "updated", "unchanged", "removed", box=None, pad_edge=False)
    for label, c in (("document chunks", domain), ("objection pairs", pairs)):
        table.add_row(label, str(c.added), str(c.updated), str(c.unchanged), str(c.removed))
    _out.print(table)
    for file, why in report.skipped:
        _out.print(f"skipped {file}: {why}")
    written = sum(c.points_written for c in report.counts.values())
    deleted = sum(c.points_deleted for c in report.counts.values())
    _out.print(f"{len(report.files)} files, {written} point{'s' * (written != 1)} written, {deleted} deleted, "
               f"in {report.seconds:.1f} s")


def evaluate(
    eval_file: Annotated[Path | None, typer.Argument(
        help="labelled messages (default: eval.yaml in the profile's knowledge sources)",
        show_default=False, exists=True, dir_okay=False)] = None,
    profile: ProfileOption = None,
    min_recall_at_3: Annotated[float | None, typer.Option(
        "--min-recall-at-3", help="exit 1 when recall@3 is below this (for CI)")] = None,
) -> None:
    """Search each labelled message and print recall@1, recall@3 and MRR."""
    from ava_core.knowledge.evaluation import evaluate as run_eval
    from ava_core.knowledge.evaluation import load_eval

    with _failures():
        settings, loaded = _load(profile)
        path = eval_file or _default_eval(loaded.knowledge.sources, profile or settings.profile)
        cases = load_eval(path)
        report = run_eval(_knowledge(settings, loaded), cases, threshold=loaded.knowledge.objection_threshold,
                          profile=loaded)
    _out.print(f"{report.cases} labelled messages, {report.negatives} non-objections, from {path}")
    _out.print(f"recall@1  {report.recall_at_1:.3f}")
    _out.print(f"recall@3  {report.recall_at_3:.3f}")
    _out.print(f"MRR       {report.mrr:.3f}")
    if report.objection_cases:
        _out.print(f"objections matched first with score >= {report.threshold:g}: "
                   f"{report.objection_above_threshold}/{report.objection_cases}")
    if report.negatives:
        _out.print(f"non-objections scoring >= {report.threshold:g} (false alarms): "
                   f"{len(report.false_alarms)}/{report.negatives}")
    if report.objection_cases and report.negatives:
        sweep = ", ".join(
            f"{t:.2f}: {a}/{report.objection_cases} vs {f}/{report.negatives}"
            for t in (0.35, 0.40, 0.45, 0.50, 0.55, 0.60) for a, f in [report.at(t)]
        )
        _out.print(f"threshold → objections answered vs false alarms: {sweep}")
    for message, pair, score in report.false_alarms:
        _out.print(f"  false alarm: {message!r} → {pair} ({score:.2f})")
    if report.matching:
        _print_matching(report)
    if report.answering and report.profile is not None:
        _print_answering(report)
    for miss in report.misses:
        got = ", ".join(f"{pid} ({score:.2f})" for pid, score in miss.got) or "nothing"
        _out.print(f"  miss: {miss.message!r} expected {' or '.join(miss.expect)}, got {got}")
    if min_recall_at_3 is not None and report.recall_at_3 < min_recall_at_3:
        _err.print(f"error: recall@3 {report.recall_at_3:.3f} is below {min_recall_at_3:g}")
        raise typer.Exit(1)


def _print_matching(report) -> None:
    """Objection matching as AVA does it: recall and false-alarm rate, against their targets."""
    from ava_core.knowledge.evaluation import FALSE_ALARM_TARGET, RECALL_TARGET

    answered, cases, alarms, negatives = report.matching_at(report.threshold)
    _out.print(f"objection matching at threshold {report.threshold:g} (answers to what was asked set aside, "
               "a pair must beat the documents):")
    _print_figures("objection recall", answered, cases, RECALL_TARGET,
                   "false-alarm rate", alarms, negatives, FALSE_ALARM_TARGET)
    sweep = ", ".join(
        f"{t:.2f}: {a}/{c} vs {f}/{n}" for t in (0.35, 0.38, 0.40, 0.42, 0.45, 0.50)
        for a, c, f, n in [report.matching_at(t)]
    )
    _out.print(f"threshold → recall vs false alarms: {sweep}")
    for message, pair, score in report.matched_false_alarms:
        _out.print(f"  matched false alarm: {message!r} → {pair} ({score:.2f})")


def _print_figures(hit_name: str, hits: int, cases: int, hit_target: float,
                   miss_name: str, misses: int, negatives: int, miss_target: float) -> None:
    """A recall (hits of the cases, at least its target) and an error rate (misses of the messages
    that should not hit, at most its target), each flagged when it misses its target."""
    recall = hits / cases if cases else 0.0
    rate = misses / negatives if negatives else 0.0
    _out.print(f"{hit_name:<22}{recall:.3f} ({hits}/{cases}), target >= {hit_target:g}"
               f"{'' if recall >= hit_target else '  BELOW TARGET'}")
    _out.print(f"{miss_name:<22}{rate:.3f} ({misses}/{negatives}), target <= {miss_target:g}"
               f"{'' if rate <= miss_target else '  ABOVE TARGET'}")


def _print_answering(report) -> None:
    """Answering a question as AVA does it: from a right passage, pair or rule, and nothing answered
    from the knowledge that it does not answer, against their targets."""
    from ava_core.knowledge.evaluation import QUESTION_TARGET, WRONG_ANSWER_TARGET

    floor = report.profile.knowledge.passage_threshold
    right, questions, wrong, negatives = report.answering_at()
    _out.print(f"answering at passage floor {floor:g} (a rule, a pair, or a passage that speaks to the message; "
               "else the advisor answers it on the call):")
    _print_figures("question recall", right, questions, QUESTION_TARGET,
                   "wrong-answer rate", wrong, negatives, WRONG_ANSWER_TARGET)
    sweep = ", ".join(f"{f:.2f}: {r}/{q} vs {w}/{n}" for f in (0.20, 0.25, 0.30, 0.35, 0.40, 0.45)
                      for r, q, w, n in [report.answering_at(f)])
    _out.print(f"passage floor → question recall vs wrong answers: {sweep}")
    unanswered, wrong_answers = report.answering_misses()
    for message, said in wrong_answers:
        _out.print(f"  wrong answer: {message!r} → {said}")
    for message, said in unanswered:
        _out.print(f"  unanswered: {message!r} → {said}")


def search(
    query: Annotated[str, typer.Argument(help="what a lead might write")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="domain or objection")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50)] = 5,
    profile: ProfileOption = None,
) -> None:
    """Show the passages a message finds, with their scores."""
    if kind not in (None, "domain", "objection"):
        _err.print(f"error: --kind must be domain or objection, not {kind!r}")
        raise typer.Exit(2)
    with _failures():
        settings, loaded = _load(profile)
        passages = _knowledge(settings, loaded).search(query, kind=kind, limit=limit)  # type: ignore[arg-type]
    if not passages:
        _out.print("no passages found")
        return
    for p in passages:
        where = p.source + (f" › {p.section}" if p.section else "")
        _out.print(f"{p.score:.3f}  {p.kind:<9} {p.id}  {where}")
        _out.print(f"    {_short(p.text)}")
        if p.response:
            _out.print(f"    → {_short(p.response)}")


# --- shared -----------------------------------------------------------------------------------

@contextmanager
def _failures() -> Iterator[None]:
    """One line on stderr instead of a traceback: 2 for bad input files, 1 for everything else."""
    try:
        yield
    except ConfigError as exc:
        _err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    except AvaError as exc:
        _err.print(f"error: {exc}")
        raise typer.Exit(1) from None


def _load(profile: Path | None):
    from ava_core.profile.loader import load_profile
    from ava_core.settings import Settings

    settings = Settings()
    return settings, load_profile(profile or settings.profile)


def _knowledge(settings, profile):
    """The Qdrant knowledge base, checked now so a problem is reported before any search."""
    from ava_core.knowledge.factory import build_embedder, open_index
    from ava_core.knowledge.qdrant import QdrantKnowledge

    embedder = build_embedder(settings)
    index = open_index(settings, profile)
    index.check(embedder)
    return QdrantKnowledge(index, embedder)


def _sources(sources: list[str], profile_path: Path) -> list[Path]:
    """Profile sources are relative to the working folder, or else to the profile's own folder."""
    paths = []
    for source in sources:
        path = Path(source)
        if not path.is_absolute() and not path.exists() and (profile_path.parent / path).exists():
            path = profile_path.parent / path
        paths.append(path)
    return paths


def _default_eval(sources: list[str], profile_path: Path) -> Path:
    for folder in _sources(sources, profile_path):
        candidate = folder / "eval.yaml" if folder.is_dir() else folder.parent / "eval.yaml"
        if candidate.is_file():
            return candidate
    raise ConfigError("no EVAL_FILE given and no eval.yaml in the profile's knowledge.sources")


def _short(text: str, size: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"
