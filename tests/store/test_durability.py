"""What a user's trust rests on: a killed writer loses nothing it reported as
committed and leaves a sound file, and processes writing at once never see
"database is locked"."""

import json
import signal
import sqlite3
import time

import pytest

from neuron.store import Store, schema

from .conftest import run_python

STREAM_WRITER = """
import sys
from neuron.store import Store

store = Store.open(sys.argv[1])
batch = int(sys.argv[2])
i = 0
while True:
    with store.transaction():
        for _ in range(batch):
            note = store.create(f"note {i}", "body " * 40, tags=[f"batch{batch}"])
            i += 1
    print(note.id, flush=True)
"""

CONCURRENT_WRITER = """
import json, sys, time
import numpy as np
from neuron.store import Store

path, worker = sys.argv[1], sys.argv[2]
count, start = int(sys.argv[3]), float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))
store = Store.open(path)
ids = []
for i in range(count):
    note = store.create(f"{worker} note {i}", "draft", tags=[worker])
    store.update(note.id, body=f"final text of {worker} {i}")
    store.tag(note.id, "shared")
    if ids:
        store.link(note.id, ids[-1], "follows")
    store.put_object(f"counter_{worker}", np.array(i))
    ids.append(note.id)
store.close()
print(json.dumps(ids))
"""


def integrity(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("batch", [1, 10])
def test_killed_writer_keeps_every_reported_commit(db_path, batch):
    Store.open(db_path).close()
    writer = run_python(STREAM_WRITER, str(db_path), str(batch))

    # Read until a good number of commits are reported, then kill mid-stream.
    reported = []
    for line in writer.stdout:
        reported.append(int(line))
        if len(reported) >= 40:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    rest = writer.stdout.read()
    reported += [int(x) for x in rest.split("\n")[:-1] if x.strip()]
    writer.stderr.close()
    writer.stdout.close()

    assert writer.returncode == -signal.SIGKILL
    assert integrity(db_path) == [("ok",)]
    with Store.open(db_path) as store:
        for note_id in reported:
            assert store.get(note_id).title.startswith("note ")
        # Whole transactions or nothing: never a part of a batch.
        assert store.count_notes() % batch == 0
        assert store.count_notes() >= len(reported) * batch
        assert store.search(f"batch{batch}", limit=1)


def test_concurrent_writers_never_see_locked(db_path):
    workers, count = ("alpha", "beta", "gamma"), 40
    start = time.time() + 1.5
    procs = [
        run_python(CONCURRENT_WRITER, str(db_path), name, str(count), str(start))
        for name in workers
    ]
    results = {}
    for name, proc in zip(workers, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
        results[name] = json.loads(out)

    assert integrity(db_path) == [("ok",)]
    with Store.open(db_path) as store:
        assert store.count_notes() == len(workers) * count
        assert store.list_tags() == {
            "shared": len(workers) * count,
            **dict.fromkeys(workers, count),
        }
        for name, ids in results.items():
            assert len(ids) == count
            for i, note_id in enumerate(ids):
                note = store.get(note_id)
                assert note.body == f"final text of {name} {i}"
                assert note.tags == tuple(sorted((name, "shared")))
                expected = [ids[i - 1]] if i else []
                assert [link.to_id for link in store.links(note_id)] == expected
            obj = store.get_object(f"counter_{name}")
            assert (int(obj.array), obj.version) == (count - 1, count)


OPENER = """
import sys, time
from neuron.store import Store

path, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
with Store.open(path) as store:
    store.create("opened at once")
"""


@pytest.mark.parametrize("round_", range(3))
def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path, round_):
    # They race to switch the new file to WAL and to migrate it; SQLite
    # refuses one of two such requests at once rather than deadlock.
    path, start = tmp_path / "fresh.db", time.time() + 1.0
    procs = [run_python(OPENER, str(path), str(start)) for _ in range(6)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    with Store.open(path) as store:
        assert store.count_notes() == 6


def test_reading_the_version_sees_one_snapshot(tmp_path):
    # Another process's first migration may commit while this one checks the
    # file. The trace callback commits it just before the check reads the
    # table count; a check whose reads straddled that commit saw version 0 and
    # application_id 0 but tables present, and called the file foreign.
    path = tmp_path / "fresh.db"
    reader = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None)
    migrated = []

    def migrate_once(statement):
        if "sqlite_master" in statement and not migrated:
            migrated.append(schema.migrate(other, path))

    reader.set_trace_callback(migrate_once)
    try:
        version = schema.read_version(reader, path)
    finally:
        reader.close()
        other.close()
    assert migrated == [schema.SCHEMA_VERSION]
    assert version == schema.SCHEMA_VERSION
