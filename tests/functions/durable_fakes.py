"""Test doubles for Durable Functions: an orchestration context on a simulated clock, and a client.

``FakeContext`` runs an orchestrator generator the way the durable runtime would: activities
call their handlers (retried per their RetryOptions), durable timers move the clock, and the
lead's messages arrive as ``lead_message`` events at scheduled times, also while an activity
runs. As in the Durable Functions SDK, an event that finds no open wait is kept, the last one
only, and handed to every wait made after it. Everything the orchestrator asked for is logged in ``actions``; what the world answered
is recorded in ``history``, and a context built from that history replays it without
calling any handler, as the runtime does on every episode.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus


class FakeTask:
    def __init__(self, kind: str, **info: Any):
        self.kind = kind
        self.info = info
        self.result: Any = None
        self.is_completed = False
        self.cancelled = False

    def cancel(self) -> None:
        if self.is_completed:
            raise ValueError("Cannot cancel a completed task.")
        self.cancelled = True

    def complete(self, value: Any) -> None:
        self.result = value
        self.is_completed = True


Event = tuple[float, Callable[[], dict] | dict]


class FakeContext:
    def __init__(
        self,
        input_: dict,
        *,
        start: datetime,
        activities: dict[str, Callable[[Any], Any]] | None = None,
        events: list[Event] = (),
        durations: dict[str, float] | None = None,
        on_time: Callable[[datetime], None] | None = None,
        history: list[tuple] | None = None,
    ):
        self._input = input_
        self.start = start
        self.current_utc_datetime = start
        self.instance_id = "conv-whatsapp-1"
        self.is_replaying = history is not None
        self.activities = activities or {}
        self.durations = durations or {}
        self.on_time = on_time or (lambda at: None)
        self._events = sorted(events, key=lambda e: e[0])
        self._replay = list(history) if history is not None else None
        if self._replay is not None:
            self._events = [(seconds, payload) for kind, seconds, payload in self._replay if kind == "event"]
        self._waiting: list[FakeTask] = []
        self._buffered: list[dict] = []
        self.actions: list[tuple] = []
        self.scheduled: list[tuple[float, str]] = []
        self.history: list[tuple] = []
        self.attempts: Counter[str] = Counter()
        self.custom_status: Any = None
        self.statuses: list[Any] = []
        self.continued_with: dict | None = None

    # --- the DurableOrchestrationContext surface the orchestrator uses ------------------------

    def get_input(self, expected_type: type | None = None) -> dict:
        return self._input

    def set_custom_status(self, status: Any) -> None:
        self.custom_status = status
        self.statuses.append(_json(status))

    def continue_as_new(self, input_: Any) -> None:
        self.continued_with = input_
        self.actions.append(("continue_as_new", input_))

    def wait_for_external_event(self, name: str, expected_type: type | None = None) -> FakeTask:
        task = FakeTask("event", name=name)
        if self._buffered:  # like the SDK: the last event that found no wait, handed to every later wait
            task.complete(self._buffered[-1])
        else:
            self._waiting.append(task)
        return task

    def create_timer(self, fire_at: datetime) -> FakeTask:
        return FakeTask("timer", fire_at=fire_at)

    def call_activity(self, name: str, input_: Any = None, expected_type: type | None = None) -> FakeTask:
        return FakeTask("activity", name=name, input=input_, retry=None)

    def call_activity_with_retry(
        self, name: str, retry_options: Any, input_: Any = None, expected_type: type | None = None
    ) -> FakeTask:
        return FakeTask("activity", name=name, input=input_, retry=retry_options)

    def task_any(self, tasks: list[FakeTask]) -> FakeTask:
        return FakeTask("any", tasks=tasks)

    # --- running it ---------------------------------------------------------------------------

    def run(self, orchestrator: Callable[[Any], Any]) -> Any:
        """Drive the orchestrator generator to its end; returns its output."""
        generator = orchestrator(self)
        value, error = None, None
        while True:
            try:
                task = generator.throw(error) if error is not None else generator.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = self._resolve(task)

    @property
    def seconds(self) -> float:
        return round((self.current_utc_datetime - self.start).total_seconds(), 3)

    def calls(self, name: str) -> list[Any]:
        """Inputs of every scheduled call of activity ``name``."""
        return [a[1] for a in self.actions if a[0] == name]

    def first(self, name: str) -> float:
        """Seconds after the start at which activity ``name`` was first scheduled."""
        return next(at for at, scheduled in self.scheduled if scheduled == name)

    def timers(self) -> list[float]:
        """Durations (seconds) of the durable timers the orchestrator raced, in order."""
        return [a[1] for a in self.actions if a[0] == "timer"]

    def _resolve(self, task: FakeTask) -> tuple[Any, Exception | None]:
        if task.kind == "activity":
            return self._activity(task)
        if task.kind == "any":
            return self._race(task), None
        if task.kind == "timer":  # a timer alone: the orchestrator is not listening for events
            self.actions.append(("timer", round((task.info["fire_at"] - self.current_utc_datetime).total_seconds(), 3)))
            self._advance(task.info["fire_at"])
            task.complete(None)
            return None, None
        raise AssertionError(f"the orchestrator yielded an unexpected {task.kind} task")

    def _activity(self, task: FakeTask) -> tuple[Any, Exception | None]:
        name, input_ = task.info["name"], task.info["input"]
        self.actions.append((name, _json(input_)))
        self.scheduled.append((self.seconds, name))
        if self._replay is not None:
            kind, recorded, outcome = self._next_recorded()
            assert (kind, recorded) == ("activity", name), f"replay diverged: expected {recorded}, got {name}"
            self._advance(self.current_utc_datetime + timedelta(seconds=self.durations.get(name, 0.0)))
            return (None, Exception(outcome["error"])) if "error" in outcome else (outcome["result"], None)
        retry = task.info["retry"]
        attempts = retry.max_number_of_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            self.attempts[name] += 1
            self.on_time(self.current_utc_datetime)
            try:
                result = _json(self.activities[name](_json(input_)))
                error = None
            except Exception as exc:  # the runtime reports "<reason> \n <details>"
                result, error = None, f"Activity function '{name}' failed: {exc} \n Traceback (hidden)"
            # The activity takes time: messages can arrive while it runs.
            self._advance(self.current_utc_datetime + timedelta(seconds=self.durations.get(name, 0.0)))
            if error is None:
                self.history.append(("activity", name, {"result": result}))
                return result, None
            if attempt < attempts:
                wait = timedelta(milliseconds=retry.first_retry_interval_in_milliseconds)
                self._advance(self.current_utc_datetime + wait)
        self.history.append(("activity", name, {"error": error}))
        return None, Exception(error)

    def _race(self, task: FakeTask) -> FakeTask:
        timer, *others = sorted(task.info["tasks"], key=lambda t: t.kind != "timer")
        assert timer.kind == "timer" and [o.kind for o in others] == ["event"], "races are timer vs event"
        event = others[0]
        self.actions.append(("timer", round((timer.info["fire_at"] - self.current_utc_datetime).total_seconds(), 3)))
        if event.is_completed:
            return event
        fire_at = timer.info["fire_at"]
        if self._events and self.start + timedelta(seconds=self._events[0][0]) < fire_at:
            self._advance(self.start + timedelta(seconds=self._events[0][0]))
            if event.is_completed:
                return event
        self._advance(fire_at)
        if event.is_completed:  # an event at the very same moment: the runtime may order it first
            return event
        timer.complete(None)
        return timer

    def _advance(self, to: datetime) -> None:
        """Move the clock, delivering every lead message due by then."""
        while self._events and self.start + timedelta(seconds=self._events[0][0]) <= to:
            seconds, payload = self._events.pop(0)
            self.current_utc_datetime = max(self.current_utc_datetime, self.start + timedelta(seconds=seconds))
            self.on_time(self.current_utc_datetime)
            body = payload() if callable(payload) else payload
            if self._replay is None:
                self.history.append(("event", seconds, body))
            # Like the SDK: the newest open wait of that name gets the event.
            waiting = next((t for t in reversed(self._waiting) if not t.is_completed), None)
            if waiting is None:
                self._buffered.append(body)
            else:
                waiting.complete(body)
                self._waiting.remove(waiting)
        self.current_utc_datetime = max(self.current_utc_datetime, to)
        self.on_time(self.current_utc_datetime)

    def _next_recorded(self) -> tuple:
        while self._replay and self._replay[0][0] == "event":
            self._replay.pop(0)
        return self._replay.pop(0)


class FakeDurableClient:
    """The durable client's start/signal surface, with instances kept in a dict."""

    def __init__(self, *, fail_start: bool = False, gone_on_event: bool = False, down: bool = False):
        self.status: dict[str, str] = {}
        self.started: list[tuple[str, str, dict]] = []
        self.events: list[tuple[str, str, dict]] = []
        self.created: dict[str, tuple[str, datetime]] = {}  # instance id -> (status, created time): the purge's view
        self.purges: list[tuple] = []
        self.fail_start = fail_start
        self.gone_on_event = gone_on_event
        self.down = down

    async def get_status(self, instance_id: str) -> Any:
        if self.down:
            raise Exception("Cannot connect to host localhost:7071")
        name = self.status.get(instance_id)
        return SimpleNamespace(runtime_status=OrchestrationRuntimeStatus(name) if name else None)

    async def start_new(self, name: str, instance_id: str, client_input: Any = None) -> str:
        if self.fail_start:
            self.fail_start = False
            self.status[instance_id] = "Running"
            raise Exception(f"An instance with ID '{instance_id}' already exists.")
        self.started.append((name, instance_id, client_input))
        self.status[instance_id] = "Running"
        return instance_id

    async def purge_instance_history_by(self, created_time_from: datetime | None = None,
                                        created_time_to: datetime | None = None,
                                        runtime_status: list[OrchestrationRuntimeStatus] | None = None) -> Any:
        """Forget finished instances created in the range (the SDK insists on ``created_time_from``)."""
        if created_time_from is None:
            raise ValueError("created_time_from is required when purging instance history")
        self.purges.append((created_time_from, created_time_to, [s.value for s in runtime_status or []]))
        gone = [iid for iid, (status, created) in self.created.items()
                if created_time_from <= created < created_time_to and status in [s.value for s in runtime_status or []]]
        for iid in gone:
            del self.created[iid]
        return SimpleNamespace(instances_deleted=len(gone))

    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None:
        if self.gone_on_event:
            self.gone_on_event = False
            self.status[instance_id] = "Completed"
            raise Exception(f"Instance with ID {instance_id} is gone: either completed or failed")
        self.events.append((instance_id, event_name, event_data))


def _json(value: Any) -> Any:
    """What crosses the durable boundary is JSON: round-trip it the way the runtime does."""
    return json.loads(json.dumps(value))
