"""Redis memory per session: N threads taken to a pinned spec (questions, answers, write) on the real stack.

`python -m bench.redis_memory --sessions 20`; prints used_memory before and after, and MEMORY USAGE of
the keys a session leaves (its record, replies, markers), per session. The numbers are quoted in
docs/operating.md (Redis).
"""

from __future__ import annotations

import argparse
import sys

from tests.e2e.conftest import running_stack
from tests.e2e.helpers import design_thread, wait_for_pinned_spec, wait_for_questions
from tests.support.redis_server import RedisServer


def main() -> int:
    """Run the sessions and print the memory they take."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    server = RedisServer().start()
    try:
        with running_stack(server.url) as stack:
            before = int(stack.redis.info("memory")["used_memory"])
            keys_before = set(stack.redis.keys("*"))
            for _ in range(args.sessions):
                channel = stack.new_channel()
                root = design_thread(stack, channel)
                stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
                wait_for_questions(stack, channel, root, timeout=60)
                stack.slack.post_message(channel, "UBOB", "1. Postgres\n2. p99 under 200 ms", thread_ts=root)
                stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
                wait_for_pinned_spec(stack, channel, root, timeout=60)
            after = int(stack.redis.info("memory")["used_memory"])
            new_keys = [k for k in stack.redis.keys("*") if k not in keys_before]
            by_kind: dict[str, int] = {}
            for key in new_keys:
                kind = key.decode().split(":")[1] if b":" in key else key.decode()
                by_kind[kind] = by_kind.get(kind, 0) + int(stack.redis.memory_usage(key) or 0)
    finally:
        server.close()
    n = args.sessions
    print(f"redis memory: {n} sessions to a pinned spec (questions, answers, write)")
    print(f"redis memory: used_memory grew {after - before} bytes: {(after - before) / n / 1024:.1f} KiB a session")
    print(f"redis memory: keys left by the sessions: {len(new_keys)} ({len(new_keys) / n:.1f} a session)")
    for kind, size in sorted(by_kind.items(), key=lambda item: -item[1]):
        print(f"redis memory:   {kind:<20} {size / n / 1024:7.1f} KiB a session")
    return 0


if __name__ == "__main__":
    sys.exit(main())
