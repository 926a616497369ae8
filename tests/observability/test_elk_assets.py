"""The files in infra/elk parse, and reference only fields AVA's logger emits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ava_core.observability.ecs import emitted_fields

ELK = Path(__file__).resolve().parents[2] / "infra" / "elk"
FIELDS = emitted_fields()
# A KQL clause names its field before the colon: `event.action : "booked"`.
_KQL_FIELD = re.compile(r"(?:^|[\s(])(@?[A-Za-z_][\w.]*)\s*:")
# A Logstash field reference: [service][name], and not the pipeline-only [@metadata].
_LOGSTASH_FIELD = re.compile(r"((?:\[[\w@]+\])+)")
# Query DSL clauses whose keys are field names.
_DSL_FIELD_CLAUSES = {"term", "terms", "prefix", "range", "match", "match_phrase", "wildcard", "regexp", "fuzzy"}


def saved_objects() -> list[dict[str, Any]]:
    lines = (ELK / "kibana" / "saved-objects.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def kql_fields(query: str) -> set[str]:
    return set(_KQL_FIELD.findall(query))


def dsl_fields(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _DSL_FIELD_CLAUSES and isinstance(value, dict):
                found |= set(value)
            elif key == "exists":
                found.add(value["field"])
            else:
                found |= dsl_fields(value)
    elif isinstance(node, list):
        for item in node:
            found |= dsl_fields(item)
    return found


def saved_object_fields(obj: dict[str, Any]) -> set[str]:
    """Every field a data view, visualisation or dashboard names: aggregations, KQL, formats."""
    attributes = obj["attributes"]
    found: set[str] = set()
    if obj["type"] == "index-pattern":
        found.add(attributes["timeFieldName"])
        found |= set(json.loads(attributes.get("fieldFormatMap", "{}")))
    if obj["type"] == "visualization":
        for agg in json.loads(attributes["visState"])["aggs"]:
            params = agg.get("params", {})
            if "field" in params:
                found.add(params["field"])
            for named in params.get("filters", []):
                found |= kql_fields(named["input"]["query"])
    meta = attributes.get("kibanaSavedObjectMeta", {})
    if "searchSourceJSON" in meta:
        found |= kql_fields(json.loads(meta["searchSourceJSON"])["query"]["query"])
    return found


def test_the_saved_objects_parse_and_name_only_emitted_fields():
    objects = saved_objects()
    assert {o["type"] for o in objects} == {"index-pattern", "visualization", "dashboard"}
    named = set().union(*(saved_object_fields(o) for o in objects))
    assert "event.action" in named and "labels.conversation_id" in named
    assert sorted(named - set(FIELDS)) == []


def test_the_dashboard_shows_every_visualisation_and_each_reference_resolves():
    objects = saved_objects()
    ids = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} refers to a missing {ref['type']} {ref['id']}"
    dashboard = next(o for o in objects if o["type"] == "dashboard")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    shown = {refs[p["panelRefName"]] for p in panels}
    assert shown == {o["id"] for o in objects if o["type"] == "visualization"}
    titles = " | ".join(o["attributes"]["title"] for o in objects if o["type"] == "visualization")
    for wanted in ("Conversations per day", "Funnel", "Hand-offs and opt-outs", "latency", "tokens", "cost",
                   "Webhook rejections", "Errors"):
        assert wanted in titles


def test_the_index_template_maps_exactly_the_emitted_fields_with_their_types():
    template = json.loads((ELK / "elasticsearch" / "index-template.json").read_text())
    assert template["index_patterns"] == ["logs-ava-*"] and "data_stream" in template
    assert template["template"]["settings"]["index.lifecycle.name"] == "logs-ava"

    def mapped(properties: dict, prefix: str = "") -> dict[str, str]:
        out = {}
        for name, spec in properties.items():
            if "properties" in spec:
                out |= mapped(spec["properties"], f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = spec["type"]
        return out

    assert mapped(template["template"]["mappings"]["properties"]) == FIELDS


def test_the_ilm_policy_rolls_over_and_deletes():
    policy = json.loads((ELK / "elasticsearch" / "ilm-policy.json").read_text())["policy"]
    assert "rollover" in policy["phases"]["hot"]["actions"]
    assert policy["phases"]["delete"]["actions"] == {"delete": {}}


def test_the_alert_rules_query_emitted_fields_and_mail_through_the_connector():
    connectors = {p.stem for p in (ELK / "kibana" / "connectors").glob("*.json")}
    for path in (ELK / "kibana" / "connectors").glob("*.json"):
        assert json.loads(path.read_text())["connector_type_id"] == ".email"
    rules = {p.stem: json.loads(p.read_text()) for p in (ELK / "kibana" / "rules").glob("*.json")}
    assert set(rules) == {"ava-error-rate", "ava-model-failover", "ava-booking-failures", "ava-signature-failures"}
    for name, rule in rules.items():
        params = rule["params"]
        named = dsl_fields(json.loads(params["esQuery"])) | {params["timeField"]}
        assert named and sorted(named - set(FIELDS)) == [], name
        assert params["index"] == ["logs-ava-*"]
        assert {a["id"] for a in rule["actions"]} <= connectors


def test_the_logstash_pipeline_references_only_emitted_fields():
    text = (ELK / "logstash" / "ava.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert re.search(r"input\s*{\s*http\s*{", code) and re.search(r"output\s*{\s*elasticsearch\s*{", code)
    assert code.count("{") == code.count("}")
    references = {ref for ref in _LOGSTASH_FIELD.findall(code) if not ref.startswith("[@metadata]")}
    fields = {".".join(re.findall(r"\[([\w@]+)\]", ref)) for ref in references}
    assert fields and sorted(fields - set(FIELDS)) == []


def test_the_compose_file_starts_elasticsearch_and_kibana_and_loads_the_objects():
    compose = yaml.safe_load((ELK / "docker-compose.yml").read_text())
    assert {"elasticsearch", "kibana", "setup"} <= set(compose["services"])
    setup = (ELK / "setup.sh").read_text()
    for loaded in ("ilm-policy.json", "index-template.json", "saved-objects.ndjson", "connectors/", "rules/"):
        assert loaded in setup


@pytest.mark.parametrize("query, fields", [
    ('event.action : "model_call" and event.outcome : "success"', {"event.action", "event.outcome"}),
    ('log.level : ("error" or "critical") or event.kind : "alert"', {"log.level", "event.kind"}),
])
def test_field_references_are_read_from_kql(query, fields):
    assert kql_fields(query) == fields
