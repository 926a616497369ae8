"""Loads a profile YAML and reports every problem as ``file:line: field: problem``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ava_core.errors import ConfigError
from ava_core.language.phrases import table
from ava_core.profile.models import Profile, template_problems

M = TypeVar("M", bound=BaseModel)


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile; raise ConfigError listing every problem with its line."""
    path = Path(path)
    return load_yaml_model(path, Profile)


def check_profile(path: str | Path) -> Profile:
    """`load_profile`, and what would break later: placeholders a template cannot be filled with,
    knowledge sources that do not exist, languages served without opt-out phrasings, without
    AVA's own lines (the booking confirmation, the meeting link), without the meeting's name or
    without the business's ``about``, and WhatsApp re-engagement templates for a language AVA
    does not speak or approved in another.
    Raises ConfigError listing every problem with its line."""
    path = Path(path)
    profile = load_profile(path)
    root = yaml.compose(path.read_text(encoding="utf-8"))
    problems = template_problems(profile)
    for index, source in enumerate(profile.knowledge.sources):
        if not resolve_source(source, path).exists():
            problems.append((["knowledge", "sources", index],
                             f"{source!r} does not exist (relative paths are read from the working folder, "
                             f"or else from the profile's folder {path.parent})"))
    for code in profile.served_languages:
        if not profile.opt_out.phrases.get(code):
            problems.append((["opt_out", "phrases"],
                             f"no opt-out phrasings for {code!r}, which AVA speaks: list how leads say "
                             f"\"stop writing to me\" under opt_out.phrases.{code}"))
        if not table(code).said.complete:
            problems.append((["languages", code] if code in profile.languages else ["persona", "language"],
                             f"AVA ships no lines in {code!r} for what it says itself (the booking confirmation, "
                             f"the meeting link): add them under `said:` in ava_core/language/tables/{code}.yaml"))
        if code in profile.languages and not profile.languages[code].meeting_title:
            problems.append((["languages", code],
                             f"no meeting_title: the booking confirmation would name the meeting as "
                             f"{profile.booking.meeting_title!r}; give its name in {code!r}"))
        if code in profile.languages and profile.business.about and not profile.languages[code].about:
            problems.append((["languages", code],
                             f"no about: a lead who asks in {code!r} who the business is would only hear its name; "
                             f"say business.about in {code!r}"))
    for code, template in profile.whatsapp.reengagement_templates.items():
        at: list[str | int] = ["whatsapp", "reengagement_templates", code]
        if code not in profile.served_languages:
            problems.append((at, f"AVA does not speak {code!r} (languages: {', '.join(profile.served_languages)}), "
                                 f"so no conversation is ever in it: add languages.{code} or remove this template"))
        elif template.base_language != code:
            problems.append((at, f"a conversation in {code!r} would be sent a template approved in "
                                 f"{template.language}: give the template approved in {code!r}"))
    if problems:
        raise ConfigError("\n".join(
            f"{path}:{_line_of(root, loc)}: {'.'.join(str(p) for p in loc)}: {message}" for loc, message in problems
        ))
    return profile


def resolve_source(source: str, profile_path: Path) -> Path:
    """A knowledge source: relative to the working folder, or else to the profile's own folder."""
    path = Path(source)
    if not path.is_absolute() and not path.exists() and (profile_path.parent / path).exists():
        return profile_path.parent / path
    return path


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Validate a YAML file against a pydantic model, naming file and line of each error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line} invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the file must be a mapping of sections, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(format_errors(path, root, exc))) from None


def format_errors(path: Path, root: yaml.Node | None, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = [part for part in err["loc"] if not (isinstance(part, str) and "[" in part)]
        line = _line_of(root, loc)
        field = ".".join(str(p) for p in loc) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        lines.append(f"{path}:{line}: {field}: {message}")
    return lines


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int:
    """The line of the deepest YAML node on ``loc`` that exists (a missing key → its parent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
