"""Signed HTTP delivery to the bot's request URL, Slack-style redelivery, and background work."""

from __future__ import annotations

import http.client
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.error import HTTPError, URLError
from urllib.request import ProxyHandler, Request, build_opener

from slack_sdk.signature import SignatureVerifier

from .models import Delivery

if TYPE_CHECKING:
    from .emulator import SlackEmulator

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_Response = tuple[int, str, dict[str, str], str | None]


class Deliverer:
    """Sends signed requests to `emu.events_url`, records every attempt, and runs async jobs."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        # An explicit empty ProxyHandler: an http_proxy in the environment must never swallow
        # requests meant for the bot on 127.0.0.1.
        self._opener = build_opener(ProxyHandler({}))
        self._queue: queue.Queue[Callable[[], object] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition()
        self._stopped = threading.Event()

    # -- single attempts ----------------------------------------------------------------------------

    def signature_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for `body`, as Slack computes them."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(self.emu.signing_secret)
        signature = verifier.generate_signature(timestamp=ts, body=body.decode("utf-8"))
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}

    def attempt(
        self,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        event_id: str | None = None,
    ) -> Delivery:
        """POST once to the bot and record the attempt in `emu.deliveries`."""
        url = self.emu.events_url
        if not url:
            raise RuntimeError("SlackEmulator.events_url is not set; nowhere to deliver")
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if signed:
            headers.update(self.signature_headers(body, timestamp))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_error"
        wall, start = time.time(), time.monotonic()
        status, text, resp_headers, error = self._post(url, body, headers)
        delivery = Delivery(
            status=status,
            body=text,
            headers=resp_headers,
            elapsed=time.monotonic() - start,
            request_body=body,
            request_headers=headers,
            time=wall,
            retry_num=retry_num or 0,
            error=error,
            event_id=event_id,
        )
        with self.emu.ws.lock:
            self.emu.ws.deliveries.append(delivery)
        return delivery

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> _Response:
        request = Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.emu.delivery_timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace"), dict(resp.headers.items()), None
        except HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers.items()), None
        except TimeoutError:
            return 0, "", {}, "http_timeout"
        except URLError as exc:
            reason = "http_timeout" if isinstance(exc.reason, TimeoutError) else "connection_failed"
            return 0, "", {}, reason
        except (OSError, http.client.HTTPException):
            return 0, "", {}, "connection_failed"

    # -- Events API with retries --------------------------------------------------------------------

    def deliver_event(self, body: bytes, event_id: str | None) -> Delivery:
        """Deliver an Events API body; with retry_policy "slack", failures are redelivered in background."""
        first = self.attempt(body, JSON, event_id=event_id)
        reason = self.retry_reason(first)
        if reason and self.emu.retry_policy == "slack":
            self.spawn(lambda: self._retry_loop(body, reason, event_id))
        return first

    @staticmethod
    def retry_reason(delivery: Delivery) -> str | None:
        """Why Slack would redeliver (`http_error`, `http_timeout`, `connection_failed`), or None."""
        if delivery.ok:
            return None
        if delivery.error:
            return delivery.error
        no_retry = {k.lower(): v for k, v in delivery.headers.items()}.get("x-slack-no-retry")
        return None if no_retry == "1" else "http_error"

    def _retry_loop(self, body: bytes, reason: str, event_id: str | None) -> None:
        # Same body (hence the same event_id) each time, freshly signed, up to three retries.
        for num in (1, 2, 3):
            delays = list(self.emu.retry_delays) or [0.0]
            if self._stopped.wait(delays[min(num - 1, len(delays) - 1)]):
                return
            delivery = self.attempt(body, JSON, retry_num=num, retry_reason=reason, event_id=event_id)
            next_reason = self.retry_reason(delivery)
            if next_reason is None:
                return
            reason = next_reason

    # -- background work ----------------------------------------------------------------------------

    def enqueue(self, job: Callable[[], object]) -> None:
        """Run `job` on the single ordered worker (bot echo events keep their posting order)."""
        if self._stopped.is_set():
            return
        with self._idle:
            self._pending += 1
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="slack-emu-events", daemon=True)
                self._worker.start()
        self._queue.put(job)

    def spawn(self, job: Callable[[], object]) -> None:
        """Run `job` on its own daemon thread (used for sleeps that must not block the ordered worker)."""
        if self._stopped.is_set():
            return
        with self._idle:
            self._pending += 1
        threading.Thread(target=self._run, args=(job,), name="slack-emu-job", daemon=True).start()

    def schedule(self, delay: float, job: Callable[[], object]) -> None:
        """Run `job` after `delay` seconds unless the emulator stops first."""
        self.spawn(lambda: None if self._stopped.wait(delay) else job())

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: Callable[[], object]) -> None:
        try:
            job()
        except Exception as exc:  # kept for inspection; a background failure must not kill the thread
            self.emu.background_errors.append(exc)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no background job (echo events, retries, file shares) is pending."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def stop(self) -> None:
        """Cancel pending sleeps and stop the worker thread."""
        self._stopped.set()
        self._queue.put(None)
