"""The conversation orchestrator run by the real Durable Functions SDK executor, the way the
Durable extension runs it: one episode per batch of new history events.

``Instance`` keeps one instance's history and hands it to the SDK's entry point after each
batch (activity results, timers firing, ``lead_message`` events raised), reads the actions the
SDK answers with, and records them as the extension would (TaskScheduled, TimerCreated).
Continue-as-new starts a fresh history with the new input; events of a batch that come after
the point where the instance completed or continued are dropped, as the extension drops them.

``World`` is a model of everything outside the orchestrator, in memory: the store's rows
(lead messages, sent bubbles) and the activities' contract (begin reads what the lead wrote
since AVA last spoke; ``send_reply`` checks staleness and claims each bubble once). The webhook
starts or signals the instance, and a sweeper starts it again when a lead is left waiting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrators import conversation
from orchestrators.contracts import LEAD_MESSAGE, ORCHESTRATOR

HANDLE = conversation.conversation.build().get_user_function()
T0 = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)

# HistoryEventType and ActionType values of the out-of-process protocol.
EXECUTION_STARTED, TASK_SCHEDULED, TASK_COMPLETED, TIMER_CREATED, TIMER_FIRED = 0, 4, 5, 10, 11
ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, EVENT_RAISED = 12, 13, 15
CALL_ACTIVITY, CALL_WITH_RETRY, CONTINUE_AS_NEW, CREATE_TIMER, WHEN_ANY, WHEN_ALL = 0, 1, 4, 5, 11, 12


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(at: datetime, kind: int, **fields) -> dict:
    return {"EventId": -1, "IsPlayed": False, "Timestamp": stamp(at), "EventType": kind, **fields}


@dataclass
class Task:
    """A task the orchestrator scheduled (its id is its place among the scheduled tasks)."""

    id: int
    kind: str  # "activity" or "timer"
    name: str = ""
    input: Any = None
    fire_at: datetime | None = None
    cancelled: bool = False


@dataclass
class Generation:
    input: dict
    history: list[dict] = field(default_factory=list)
    episodes: int = 0
    events_raised: int = 0
    begins: int = 0


class Instance:
    """One instance (all its generations) on the real SDK executor."""

    def __init__(self, world: World, input_: dict):
        self.world = world
        self.status = "Running"
        self.output: Any = None
        self.generations: list[Generation] = []
        self.batch: list[dict] = []
        self.custom_statuses: list[Any] = []
        self._begin(input_)

    # --- what the world does to the instance ---------------------------------------------

    def raise_event(self, payload: dict) -> None:
        self.batch.append(_event(self.world.now, EVENT_RAISED, Name=LEAD_MESSAGE, Input=json.dumps(payload)))
        self.generation.events_raised += 1

    def complete(self, task: Task) -> None:
        """The activity finishes now: its result is computed against the world at this moment."""
        result = self.world.activity(task.name, json.loads(task.input), self)
        self.world.log.append(("activity", task.name, json.loads(task.input), result))
        self.batch.append(_event(self.world.now, TASK_COMPLETED, TaskScheduledId=task.id, Result=json.dumps(result)))

    def fire(self, task: Task) -> None:
        self.batch.append(_event(self.world.now, TIMER_FIRED, TimerId=task.id, FireAt=stamp(task.fire_at)))

    def run_episode(self) -> None:
        """Hand the history and the new batch to the SDK, as the extension does after each batch."""
        gen = self.generation
        new = [_event(self.world.now, ORCHESTRATOR_STARTED), *self.batch]
        self.batch = []
        history = gen.history + new
        context = {"history": history, "instanceId": "conv-whatsapp-1", "isReplaying": False,
                   "parentInstanceId": None, "input": gen.input, "upperSchemaVersion": 2}
        state = json.loads(HANDLE(json.dumps(context)))  # raises when the orchestrator fails
        gen.episodes += 1
        self.custom_statuses.append(state.get("customStatus"))
        if state["isDone"]:
            # The extension stops reading the batch where the instance completed or continued.
            gen.history = history
            continued = [a for a in state["actions"][0] if a["actionType"] == CONTINUE_AS_NEW]
            if continued:
                self._begin(json.loads(continued[0]["input"]))
            else:
                self.status, self.output = "Completed", state.get("output")
            return
        known = {t.id for t in self.tasks}
        self.actions = state["actions"][0]
        scheduled = [t for t in self._tasks() if t.id not in known]
        gen.history = history + [_scheduled(self.world.now, t) for t in scheduled] + [
            _event(self.world.now, ORCHESTRATOR_COMPLETED)]

    # --- what the instance is waiting for ------------------------------------------------

    @property
    def generation(self) -> Generation:
        return self.generations[-1]

    @property
    def tasks(self) -> list[Task]:
        return self._tasks()

    def outstanding(self) -> Task | None:
        """The activity or live timer the orchestrator waits on (it waits on one at a time)."""
        done = {e.get("TaskScheduledId", e.get("TimerId")) for e in self.generation.history + self.batch
                if e["EventType"] in (TASK_COMPLETED, TIMER_FIRED)}
        open_ = [t for t in self.tasks if t.id not in done and not t.cancelled]
        assert len(open_) <= 1, f"the orchestrator waits on several tasks at once: {open_}"
        return open_[0] if open_ else None

    def fire_cancelled(self) -> None:
        """A cancelled timer still fires when its time comes (the extension cannot take a durable
        timer back); the SDK has to ignore it."""
        fired = {e.get("TimerId") for e in self.generation.history + self.batch if e["EventType"] == TIMER_FIRED}
        for task in self.tasks:
            if task.cancelled and task.id not in fired and task.fire_at <= self.world.now:
                self.fire(task)

    def _tasks(self) -> list[Task]:
        tasks: list[Task] = []

        def walk(action: dict) -> None:
            kind = action["actionType"]
            if kind in (WHEN_ANY, WHEN_ALL):  # a retried activity is a WhenAll of its attempts
                for child in action["compoundActions"]:
                    walk(child)
            elif kind in (CALL_ACTIVITY, CALL_WITH_RETRY):
                tasks.append(Task(len(tasks), "activity", name=action["functionName"], input=action["input"]))
            elif kind == CREATE_TIMER:
                tasks.append(Task(len(tasks), "timer", fire_at=datetime.fromisoformat(action["fireAt"]),
                                  cancelled=action.get("isCanceled", False)))

        for action in self.actions:
            walk(action)
        return tasks

    def _begin(self, input_: dict) -> None:
        self.generations.append(Generation(input_))
        self.actions: list[dict] = []
        self.batch = [_event(self.world.now, EXECUTION_STARTED, Name=ORCHESTRATOR, Input=json.dumps(input_),
                             Version="")]
        self.run_episode()


def _scheduled(at: datetime, task: Task) -> dict:
    if task.kind == "timer":
        return _event(at, TIMER_CREATED, EventId=task.id, FireAt=stamp(task.fire_at))
    return _event(at, TASK_SCHEDULED, EventId=task.id, Name=task.name)


class World:
    """The lead, the store and the activities, in memory; one conversation."""

    def __init__(self, pacing):
        self.pacing = pacing
        self.now = T0
        self.rows: list[dict] = []  # the store's messages: {"id", "role", "turn", "index"}
        self.turns: dict[str, dict] = {}  # turn id -> {"last_message_id", "read"}
        self.sends: list[tuple[str, int]] = []  # every send_reply scheduled: (turn id, bubble index)
        self.posted: list[tuple[str, int]] = []  # what reached the lead
        self.instance: Instance | None = None
        self.instances: list[Instance] = []
        self.log: list[tuple] = []

    # --- the lead and the webhook ---------------------------------------------------------

    def write(self, gap: float = 0.0) -> int:
        """The lead writes ``gap`` seconds from now (a live timer due before then fires first)."""
        at = self.now + timedelta(seconds=gap)
        task = self.instance.outstanding() if self.running else None
        if task is not None and task.kind == "timer" and task.fire_at <= at:
            self.now = max(self.now, task.fire_at)
            self.instance.fire(task)
            self.instance.run_episode()
        self.now = max(self.now, at)
        message_id = self._add("user")
        if self.running:
            self.instance.raise_event(self.lead_message(message_id))
        else:
            self._start(message_id)
        return message_id

    def lead_message(self, message_id: int) -> dict:
        return {"message_id": message_id}

    def start_input(self, message_id: int) -> dict:
        return {"conversation_id": 1, "pacing": self.pacing.model_dump(mode="json"), "message_id": message_id}

    @property
    def running(self) -> bool:
        return self.instance is not None and self.instance.status == "Running"

    def _start(self, message_id: int) -> None:
        self.instance = Instance(self, self.start_input(message_id))
        self.instances.append(self.instance)

    # --- time passing ------------------------------------------------------------------------

    def settle(self, seconds: float = 1.0) -> None:
        """The task the instance waits on finishes: an activity after ``seconds``, or the timer."""
        if self.instance.batch:
            self.instance.run_episode()
            if not self.running:
                return
        task = self.instance.outstanding()
        assert task is not None, "a running instance waits on nothing"
        if task.kind == "activity":
            self.now += timedelta(seconds=seconds)
            self.instance.fire_cancelled()
            self.instance.complete(task)
        else:
            self.now = max(self.now, task.fire_at)
            self.instance.fire_cancelled()
            self.instance.fire(task)
        self.instance.run_episode()

    def quiesce(self, limit: int = 400) -> None:
        """Let everything run out; the sweeper starts a conversation whose lead is still waiting."""
        for _ in range(limit):
            if self.running:
                self.settle(1.0)
            elif self.unanswered():
                self.now += timedelta(minutes=3)
                self._start(self.unanswered()[-1])
            else:
                return
        raise AssertionError(f"still not quiet after {limit} steps")

    # --- the activities' contract --------------------------------------------------------

    def activity(self, name: str, payload: dict, instance: Instance) -> dict:
        return getattr(self, name)(payload, instance)

    def llm_step(self, payload: dict, instance: Instance) -> dict:
        if payload["turn_id"] is not None:  # a tool ran: now the reply
            return self._view(payload["turn_id"], pending=False)
        turn_id = f"t{len(self.turns) + 1}"
        read = self.unanswered()
        self.turns[turn_id] = {"last_message_id": self.rows[-1]["id"], "read": read}
        instance.generation.begins += 1
        return self._view(turn_id, pending=len(self.turns) % 3 == 1)  # turns 1, 4, 7… call a tool

    def run_tool(self, payload: dict, instance: Instance) -> dict:
        return {"ok": True}

    def send_typing(self, payload: dict, instance: Instance) -> dict:
        return {"ok": True}

    def send_reply(self, payload: dict, instance: Instance) -> dict:
        turn_id, index = payload["turn_id"], payload["index"]
        key = (turn_id, index)
        self.sends.append(key)
        newer = [r for r in self.rows if r["role"] == "user" and r["id"] > self.turns[turn_id]["last_message_id"]]
        if newer and payload["check_stale"]:
            return {"sent": 0, "stale": True}
        if key not in self.posted:  # the claim under the bubble's key
            self.posted.append(key)
            self._add("assistant", turn=turn_id, index=index)
        return {"sent": 1, "stale": bool(newer)}

    def hand_off(self, payload: dict, instance: Instance) -> dict:
        raise AssertionError("no activity fails in this world, so nothing is handed off")

    def _view(self, turn_id: str, *, pending: bool) -> dict:
        """What ``llm_step`` answers: ids, counts and lengths of the turn."""
        turn = self.turns[turn_id]
        view = {"turn_id": turn_id, "last_message_id": turn["last_message_id"], "read_chars": 20 * len(turn["read"])}
        if not turn["read"]:
            return {**view, "outcome": "silent"}
        if pending:
            return {**view, "outcome": "thinking", "pending": 1}
        return {**view, "outcome": "reply", "bubble_chars": [12, 21][: 1 + int(turn_id[1:]) % 2]}

    # --- the store -----------------------------------------------------------------------

    def _add(self, role: str, **fields) -> int:
        message_id = len(self.rows) + 1
        self.rows.append({"id": message_id, "role": role, **fields})
        return message_id

    def unanswered(self) -> list[int]:
        """The lead's messages since AVA last spoke (the engine's rule)."""
        tail = []
        for row in reversed(self.rows):
            if row["role"] == "assistant":
                break
            tail.append(row["id"])
        return list(reversed(tail))

    # --- what must hold ------------------------------------------------------------------

    def check(self) -> None:
        """Every lead message read by exactly one answered turn, no bubble sent twice, and each
        generation's history bounded: one batch of messages, its events, and nothing older."""
        answered = {turn for turn, _ in self.posted}
        for row in self.rows:
            if row["role"] == "user":
                readers = [t for t in answered if row["id"] in self.turns[t]["read"]]
                assert len(readers) == 1, f"message {row['id']} was read by the answered turns {readers}"
        assert len(self.sends) == len(set(self.sends)), f"a bubble was sent twice: {self.sends}"
        for instance in self.instances:
            for gen in instance.generations:
                # One batch of messages per generation: its turn and at most MAX_REGENERATIONS more.
                assert gen.begins <= conversation.MAX_REGENERATIONS + 1, f"{gen.begins} turns in one generation"
                assert len(gen.history) <= 200 + 6 * gen.events_raised, len(gen.history)
