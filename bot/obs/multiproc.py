"""Prometheus multiprocess mode: one directory of value files per process tree, and its upkeep.

gunicorn's workers and RQ's job processes (one fork per job) each write their own files; a scrape
adds them up. This module must not import prometheus_client at import time: the directory has to
be in the environment before prometheus_client is first imported (it reads it once).
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import tempfile
import threading

ENV = "PROMETHEUS_MULTIPROC_DIR"
# Held while files are merged, and by a scrape in the same process, so neither sees a half-merged view.
files_lock = threading.Lock()


def use_own_directory(mode: str) -> str:
    """Point PROMETHEUS_MULTIPROC_DIR at a fresh directory for this process tree (removed at exit).

    Fresh, because files left by an earlier run would be added to this one's counters. Under a
    PROMETHEUS_MULTIPROC_DIR the operator chose (e.g. a tmpfs), the directory is made inside it.
    """
    parent = os.environ.get(ENV) or None
    if parent:
        os.makedirs(parent, exist_ok=True)
    path = tempfile.mkdtemp(prefix=f"techspec-{mode}-metrics-", dir=parent)
    os.environ[ENV] = path
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # forked children run atexit too; only the tree's root removes it
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


def process_dead(pid: int) -> None:
    """Drop a dead process's live gauges (gunicorn's child_exit hook)."""
    from prometheus_client import multiprocess

    if os.environ.get(ENV):
        multiprocess.mark_process_dead(pid)


def merge_dead_processes() -> int:
    """Fold the counter and histogram files of exited processes into one archive file per kind.

    RQ forks a process per job; without this a long-running worker would leave two files per job
    behind, and every scrape would read them all. Returns how many files were merged.
    """
    path = os.environ.get(ENV)
    if not path:
        return 0
    from prometheus_client.mmap_dict import MmapedDict

    merged = 0
    with files_lock:
        for kind in ("counter", "histogram", "summary"):
            dead = [f for f in glob.glob(os.path.join(path, f"{kind}_*.db")) if _dead(f)]
            if not dead:
                continue
            archive = MmapedDict(os.path.join(path, f"{kind}_archive.db"))
            try:
                for name in dead:
                    for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(name):
                        archive.write_value(key, archive.read_value(key)[0] + value, timestamp)
                    os.remove(name)
                    merged += 1
            finally:
                archive.close()
    return merged


def _dead(filename: str) -> bool:
    """True when the file's process (its name ends in _<pid>.db) no longer exists."""
    stem = os.path.basename(filename)[: -len(".db")].rsplit("_", 1)[-1]
    if not stem.isdigit() or int(stem) == os.getpid():
        return False
    try:
        os.kill(int(stem), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
