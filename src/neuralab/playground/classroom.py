"""A classroom on one server: the session limit, one scheduler for every session's work, and
the idle limit.

An instructor runs ``neuralab playground --host 0.0.0.0`` and a class connects: tens of
sessions, each training and sending frames, on a machine with a few cores. Three rules keep
that working:

* **A session limit** (``--max-sessions``, default :data:`MAX_SESSIONS`): one connection more
  gets an ``error`` message saying the server is full, then a close with code 1013 (try again
  later); it costs the server no session.
* **One scheduler** (:class:`Scheduler`) instead of a thread per session: a small fixed pool
  of worker threads (:func:`default_workers`) runs every session's calls. Messages (a click,
  a slider) go first, in arrival order; training ticks (``Session.tick``: ``steps_per_frame``
  steps and a frame) go by the worker CPU time each session has used so far, least first — a
  fair share per session, so with N sessions each gets about 1/N of the pool, whatever its
  network costs, and frames per session degrade evenly as the class grows. Threads do not
  help beyond that: numpy releases the GIL inside BLAS, but the playground's matrices are
  small and most of a step is Python, which holds it; with a thread per session, 50 threads
  fought over the GIL with the event loop, and the page itself waited behind them. With a
  few workers the event loop competes with few, so ``/``, the static files and ``/poly``
  still answer at once.
* **Idle sessions are closed** (``--idle-minutes``, default :data:`IDLE_MINUTES`): a session
  that is paused and has received nothing for that long gets an ``error`` message saying why,
  and a normal close (1000); the page then does not reconnect by itself.

A closed connection's session is dropped at once (its queued work is cancelled, the workers
keep no reference to it); everything a session holds is bounded by the protocol's limits
(points, network, grid) and the diagnostics' fixed-length history.

No global state: ``create_app`` makes one :class:`Classroom`; the scheduler's threads start
with the first job and stop with :meth:`Classroom.close`.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..checks import check_int, check_number

__all__ = ["IDLE_MINUTES", "MAX_SESSIONS", "Classroom", "Lane", "Scheduler", "default_workers"]

MAX_SESSIONS = 64
MAX_SESSIONS_LIMIT = 10_000  # beyond any one machine's worth of sessions: a typo
IDLE_MINUTES = 30.0
MAX_DEFAULT_WORKERS = 4
# CPU seconds a session may be ahead of the others and still have its messages go first: a
# click's reply comes at once, but a client flooding messages cannot starve the class
URGENT_CREDIT = 0.25
# the close codes the page reads (conn.js): 1013 "try again later", 1000 a normal close
FULL_CODE = 1013
IDLE_CODE = 1000


def default_workers() -> int:
    """One worker per core, at most :data:`MAX_DEFAULT_WORKERS`. A session's step is mostly
    Python, which runs one thread at a time (the GIL), so more workers only overlap numpy's
    GIL-free work, and each one more delays the event loop's turn at the GIL: on a shared
    2-core machine, 50 sessions made the same steps per CPU second with 1, 2 or 4 workers, and
    ``GET /`` took a median 19, 34 and 60 ms (with a thread per session: ~800 ms)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


class Lane:
    """One session's place in the :class:`Scheduler`: the worker CPU seconds its calls used,
    on the scheduler's clock (so a newcomer, or a session back from a pause, starts level with
    the others instead of ahead of them)."""

    __slots__ = ("used",)

    def __init__(self, used: float) -> None:
        self.used = used


class Scheduler:
    """A fixed pool of worker threads shared fairly by every session.

    ``submit(lane, fn, *args, urgent=...)`` queues one call and returns its
    :class:`~concurrent.futures.Future`. Urgent calls (messages) run first, in order of arrival;
    the others (training ticks) by their lane's ``used`` seconds, least first — and so do the
    messages of a lane more than :data:`URGENT_CREDIT` seconds ahead of the scheduler's clock.
    The caller runs at most one call per lane at a time (a session is not thread-safe):
    ``app.py`` holds a lock per connection around each call. A future cancelled while it waits
    is skipped.

    Parameters
    ----------
    workers : int, optional
        Worker threads (default: :func:`default_workers`).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = check_int("workers", default_workers() if workers is None else workers,
                                 1, 1024)
        self._cv = threading.Condition()
        # (rank: 0 urgent / 1 tick, key, seq, future, lane, fn, args)
        self._heap: list[tuple[int, float, int, Future[Any], Lane, Callable[..., Any],
                               tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._clock = 0.0  # the key of the last tick taken: where newcomers start
        self._threads: list[threading.Thread] = []
        self._closed = False

    def lane(self) -> Lane:
        """A new session's lane, level with the sessions already running."""
        with self._cv:
            return Lane(self._clock)

    def submit(self, lane: Lane, fn: Callable[..., Any], *args: Any,
               urgent: bool = True) -> Future[Any]:
        """Queue ``fn(*args)`` for ``lane``; its future."""
        future: Future[Any] = Future()
        with self._cv:
            if self._closed:
                raise RuntimeError("the scheduler is closed")
            if len(self._threads) < self.workers:  # started with the first jobs, not before
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"playground-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
            seq = next(self._seq)
            if urgent and lane.used <= self._clock + URGENT_CREDIT:
                rank, key = 0, float(seq)
            else:
                rank, key = 1, max(lane.used, self._clock)
            heapq.heappush(self._heap, (rank, key, seq, future, lane, fn, args))
            self._cv.notify()
        return future

    def pending(self) -> int:
        """Calls waiting for a worker."""
        with self._cv:
            return len(self._heap)

    def close(self) -> None:
        """Cancel what waits and stop the workers once they finish their current call."""
        with self._cv:
            self._closed = True
            for job in self._heap:
                job[3].cancel()
            self._heap.clear()
            self._cv.notify_all()

    def _work(self) -> None:
        while True:
            with self._cv:
                while not self._heap and not self._closed:
                    self._cv.wait()
                if not self._heap:
                    return
                rank, key, _, future, lane, fn, args = heapq.heappop(self._heap)
                if rank:
                    self._clock = max(self._clock, key)
            if future.set_running_or_notify_cancel():
                # this thread's CPU time, not the wall clock's: time spent waiting for the GIL
                # or preempted by other processes is no session's doing
                start = time.thread_time()
                try:
                    future.set_result(fn(*args))
                except BaseException as err:  # handed to the awaiting connection
                    future.set_exception(err)
                lane.used = max(lane.used, self._clock) + time.thread_time() - start
            # drop this call's references now: a closed session's arrays must not wait here
            # for the next job
            del future, lane, fn, args


class Classroom:
    """The server's sessions: the limit, the scheduler and the idle time.

    Parameters
    ----------
    max_sessions : int
        Sessions at once (1-10,000); one more is refused (:meth:`admit`).
    idle_minutes : float
        A paused session that receives nothing for this long is closed (> 0, at most a
        week).
    workers : int, optional
        The scheduler's threads (default: :func:`default_workers`).
    """

    def __init__(self, max_sessions: int = MAX_SESSIONS, idle_minutes: float = IDLE_MINUTES,
                 workers: int | None = None) -> None:
        self.max_sessions = check_int("max_sessions", max_sessions, 1, MAX_SESSIONS_LIMIT)
        self.idle_minutes = check_number("idle_minutes", idle_minutes, 0.0, 7 * 24 * 60.0,
                                         low_closed=False)
        self.scheduler = Scheduler(workers)
        self.sessions = 0  # changed on the event loop only

    @property
    def idle_seconds(self) -> float:
        return 60.0 * self.idle_minutes

    def admit(self) -> bool:
        """Take a session slot; False when all ``max_sessions`` are taken."""
        if self.sessions >= self.max_sessions:
            return False
        self.sessions += 1
        return True

    def leave(self) -> None:
        """Give a slot back (the connection has ended)."""
        self.sessions -= 1

    def status(self) -> dict[str, Any]:
        """``GET /api/status``: sessions now, the limit, the workers and the calls waiting."""
        return {"sessions": self.sessions, "max_sessions": self.max_sessions,
                "workers": self.scheduler.workers, "pending": self.scheduler.pending(),
                "idle_minutes": self.idle_minutes}

    def full_message(self) -> dict[str, Any]:
        """The ``error`` a refused connection gets before its close (code 1013)."""
        return {"type": "error", "field": None,
                "message": f"the server is full: {self.max_sessions} session"
                           f"{'s' * (self.max_sessions != 1)}; try again later"}

    def idle_message(self) -> dict[str, Any]:
        """The ``error`` an idle session gets before its close (code 1000)."""
        return {"type": "error", "field": None,
                "message": f"this session was closed after {self.idle_minutes:g} minutes "
                           f"paused with nothing received; reload the page to start again"}

    def close(self) -> None:
        self.scheduler.close()
