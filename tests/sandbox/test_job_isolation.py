"""Jobs share nothing: whatever one job writes anywhere it can is gone for the next job in the same
slot of the same fork server, and costs that job no memory. Also the job's credentials, and the
network namespace between two jobs running at once."""
import threading
import uuid

import pytest

from sandbox import IsolationUnavailable, Job, Limits, Status, create_backend

from .conftest import LOADED_MACHINE_WALL_S, WAIT_FOR_RELEASE, release_the_waiting_job, wait_for_the_waiting_job

# Every directory the job might write to: the mount points of its read-write mounts, every
# directory below them (the job's own /proc and the sysfs excepted: not storage), and the places a
# submission would usually try. Each is really tried: a directory and a file with the marker.
FIND_WRITABLE_PLACES = r"""
import errno, os

def rw_mount_points():
    for line in open('/proc/self/mountinfo'):
        fields = line.split()
        fstype = fields[fields.index('-') + 1]
        if 'rw' in fields[5].split(',') and fstype not in ('proc', 'sysfs'):
            yield fields[4]

def candidate_directories():
    found = {'/', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/tmp', '/var/tmp', '/work', '/run', '/opt'}
    for top in list(rw_mount_points()):
        for root, directories, _files in os.walk(top):
            if root.startswith(('/proc', '/sys', '/usr', '/opt/torchgrade')):
                directories[:] = []
                continue
            found.add(root)
    return sorted(path for path in found if os.path.isdir(path))
"""

WRITE_EVERYWHERE = FIND_WRITABLE_PLACES + r"""
marker = INPUTS['marker']
written = {}
for directory in candidate_directories():
    try:
        os.mkdir(os.path.join(directory, marker))
        with open(os.path.join(directory, marker + '.bin'), 'wb') as handle:
            size = 0
            try:
                while size < INPUTS['fill_bytes']:
                    handle.write(b'x' * (1 << 20))
                    handle.flush()
                    size += 1 << 20
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EFBIG):
                    raise
        written[directory] = size
    except OSError as exc:
        pass
try:
    os.mkdir('/dev/nvidia9')
    written['/dev/nvidia9'] = 0
except OSError:
    pass
RESULT = written
"""

LOOK_FOR_TRACES = FIND_WRITABLE_PLACES + r"""
marker = INPUTS['marker']
seen = [os.path.join(directory, name) for directory in candidate_directories()
        for name in os.listdir(directory) if name.startswith(marker)]
RESULT = seen + [path for path in ('/dev/nvidia9',) if os.path.exists(path)]
"""


@pytest.fixture(scope="module", params=["forkserver", "bwrap"])
def one_slot(request):
    """One slot, so the next job runs in the same slot cgroup (and, for the fork server, the same server)."""
    try:
        backend = create_backend(request.param, slots=1)
    except IsolationUnavailable as exc:
        pytest.skip(f"sandbox tests need root: {exc}")
    yield backend
    backend.close()


def _write_everywhere(backend, fill_bytes):
    marker = f"tg-trace-{uuid.uuid4().hex}"
    limits = Limits(tmp_bytes=256 << 20, file_bytes=256 << 20, wall_s=60, cpu_s=60)
    writer = backend.run(Job(main=WRITE_EVERYWHERE, inputs={"marker": marker, "fill_bytes": fill_bytes},
                             limits=limits))
    assert writer.status == Status.OK, writer.error
    return marker, writer.value


def test_nothing_a_job_writes_reaches_the_next_job(one_slot):
    marker, written = _write_everywhere(one_slot, fill_bytes=8 << 20)
    assert {"/tmp", "/work", "/dev/shm"} <= written.keys()  # the scan really found the writable places
    follower = one_slot.run(Job(main=LOOK_FOR_TRACES, inputs={"marker": marker}))
    assert (follower.status, follower.value) == (Status.OK, []), follower.error


def test_dev_is_private_and_read_only(one_slot):
    main = """
import os
outcome = {}
for path in ('/dev/nvidia9', '/dev/mqueue', '/dev/new-entry'):
    try:
        os.mkdir(path)
        outcome[path] = 'created'
    except OSError as exc:
        outcome[path] = exc.strerror
RESULT = [outcome, sorted(os.listdir('/dev'))]
"""
    outcome, entries = one_slot.run(Job(main=main)).value
    assert outcome == dict.fromkeys(outcome, "Read-only file system")
    assert not [entry for entry in entries if entry.startswith("nvidia")]  # a CPU job sees no GPU node
    assert {"null", "zero", "urandom", "shm", "pts"} <= set(entries)


def test_a_jobs_writes_are_not_charged_to_the_next_job(one_slot):
    _write_everywhere(one_slot, fill_bytes=150 << 20)
    follower = one_slot.run(Job(main="RESULT = 'fine'", limits=Limits(memory_bytes=100 << 20)))
    assert (follower.status, follower.value) == (Status.OK, "fine"), follower.error
    assert follower.peak_memory_bytes < 64 << 20


def test_job_runs_without_privileges(backend):
    main = """
RESULT = {key: value.split() for key, value in (line.split(':', 1) for line in open('/proc/self/status'))
          if key in ('Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp')}
"""
    status = backend.run(Job(main=main)).value
    assert status.pop("Uid") == status.pop("Gid") == ["65534"] * 4  # real, effective, saved, filesystem
    assert (status.pop("NoNewPrivs"), status.pop("Seccomp")) == (["1"], ["2"])
    assert status == {name: ["0000000000000000"] for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


LISTENER = WAIT_FOR_RELEASE + """
import os, socket, time
outcome = {}
try:
    tcp = socket.socket()
    tcp.bind(('127.0.0.1', INPUTS['port']))
    tcp.listen()
    outcome['tcp'] = 'listening'
except OSError as exc:
    outcome['tcp'] = exc.strerror
unix = socket.socket(socket.AF_UNIX)
unix.bind(INPUTS['abstract'])
unix.listen()
unix.settimeout(0.1)
probe = socket.socket(socket.AF_UNIX)
probe.connect(INPUTS['abstract'])  # the listener really works: its own job can reach it
unix.accept()[0].close()
outcome['window'] = [time.time()]
ready_to_wait()  # listening: the connector may start
strangers = 0
while not released:  # until the connector has finished
    try:
        unix.accept()[0].close()
        strangers += 1
    except socket.timeout:
        pass
outcome['window'].append(time.time())
outcome['strangers'] = strangers
RESULT = outcome
"""

CONNECTOR = """
import socket, time
attempts = []
deadline = time.time() + INPUTS['try_s']
while time.time() < deadline:
    for family, address in ((socket.AF_UNIX, INPUTS['abstract']), (socket.AF_INET, ('127.0.0.1', INPUTS['port']))):
        moment = time.time()
        try:
            with socket.socket(family) as client:
                client.connect(address)
            attempts.append([moment, family.name, 'connected'])
        except OSError as exc:
            attempts.append([moment, family.name, exc.strerror])
    time.sleep(0.05)
RESULT = attempts
"""


def test_concurrent_jobs_cannot_reach_each_others_sockets(backend):
    names = {"abstract": f"\0tg-{uuid.uuid4().hex}", "port": 45123}
    listener = {}
    limits = Limits(wall_s=LOADED_MACHINE_WALL_S)
    thread = threading.Thread(target=lambda: listener.setdefault("result", backend.run(
        Job(main=LISTENER, inputs=names, limits=limits))))
    thread.start()
    waiting = wait_for_the_waiting_job()
    connector = backend.run(Job(main=CONNECTOR, inputs=dict(names, try_s=3), limits=limits))
    release_the_waiting_job(waiting)
    thread.join()
    assert listener["result"].status == Status.OK, listener["result"].error
    assert connector.status == Status.OK, connector.error
    outcome = listener["result"].value
    start, end = outcome["window"]
    overlapping = [attempt for attempt in connector.value if start <= attempt[0] <= end]
    assert {family for _, family, _ in overlapping} == {"AF_UNIX", "AF_INET"}  # tried while A listened
    assert not [attempt for attempt in connector.value if attempt[2] == "connected"]
    assert outcome["strangers"] == 0
