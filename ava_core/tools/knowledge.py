"""``search_knowledge``: the business's documents and objection answers, by meaning."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ava_core.errors import KnowledgeError
from ava_core.tools.base import ToolContext, ToolResult, tool


class SearchKnowledgeArgs(BaseModel):
    query: str = Field(min_length=2, description="what the lead asked or objected, in plain words")
    kind: Literal["domain", "objection"] | None = Field(None, description="narrow to one collection")


@tool("search_knowledge", SearchKnowledgeArgs)
def search_knowledge(ctx: ToolContext, args: SearchKnowledgeArgs) -> ToolResult:
    """Search the business's knowledge base (FAQ, process, financing, warranties, and proven
    answers to objections). Use it before answering factual questions or objections."""
    try:
        passages = ctx.knowledge.search(args.query, kind=args.kind, limit=4)
    except KnowledgeError as exc:
        return ToolResult.failure(str(exc), passages=[])
    return ToolResult.success(
        passages=[
            {
                "kind": p.kind,
                "text": p.text,
                **({"response": p.response} if p.response else {}),
                **({"follow_up": p.follow_up} if p.follow_up else {}),
                **({"tags": p.tags} if p.tags else {}),
                "source": p.source + (f" › {p.section}" if p.section else ""),
                "score": round(p.score, 3),
            }
            for p in passages
        ]
    )
