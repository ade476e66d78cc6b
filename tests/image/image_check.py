#!/usr/bin/env python3
"""`make image-check`: build the Docker image and run it for real against the built-in sandboxes, the way
the README's Docker section tells a user to. Needs a Docker engine (DOCKER_HOST) and the project's venv
(for `syncsvc sandbox` on the host). Not part of `make test`.

Every docker command runs with `--network host` (the engines these machines have no bridge network; it
is also how a container reaches the sandboxes on the host's loopback), so the daemon's health listener
takes the host's port 8080: it must be free. Otherwise the commands are the README's: the same named
volume, the same config file (the image's own /etc/syncsvc/config.toml plus the sandbox's lines) mounted
at /etc/syncsvc/config.toml, and the same --env-file for `db upgrade`, `connect` and the daemon.

Prints PASS/FAIL per step (SKIP when a step could not be set up, NOTE for what is worth a look but is not
a failure of the image) and exits 1 when any step failed, 2 when there is no engine.

    .venv/bin/python tests/image/image_check.py [--image syncsvc:image-check] [--orders 400] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEALTH_PORT = 8080
STOP_LIMIT = 10.0  # seconds: `docker stop`'s own grace period before it kills


class Failed(Exception):
    pass


class Report:
    def __init__(self):
        self.results: list[tuple[str, str, str]] = []

    def step(self, name: str, fn, *, fatal: bool = False):
        started = time.monotonic()
        try:
            detail = fn() or ""
            outcome = "PASS"
        except Skipped as exc:
            outcome, detail = "SKIP", str(exc)
        except Note as exc:
            outcome, detail = "NOTE", str(exc)
        except Failed as exc:
            outcome, detail = "FAIL", str(exc)
        except Exception as exc:  # a broken step is a failed step, with what broke
            outcome, detail = "FAIL", f"{type(exc).__name__}: {exc}"
        took = time.monotonic() - started
        self.results.append((outcome, name, detail))
        print(f"{outcome} {name} ({took:.1f} s){': ' + detail if detail else ''}", flush=True)
        if outcome == "FAIL" and fatal:
            raise Abort(name)
        return outcome

    @property
    def failed(self) -> int:
        return sum(1 for outcome, _, _ in self.results if outcome == "FAIL")


class Skipped(Exception):
    pass


class Note(Exception):
    """Worth a look, not a failure of the image."""


class Abort(Exception):
    pass


def run(args: list[str], *, input: str | None = None, timeout: float = 120, check: bool = False,
        env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise Failed(f"`{' '.join(args[:6])} ...` exited {done.returncode}: {tail(done.stderr or done.stdout)}")
    return done


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run(["docker", *args], **kwargs)


def wait_for(what: str, predicate, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def merge_toml(base: str, extra: str) -> str:
    """`base` with the keys of `extra` (the sandbox's printed [section] lines) set in their sections:
    a key both set is taken from `extra`; sections only `extra` has are appended."""
    wanted: dict[str, list[str]] = {}
    section = None
    for line in extra.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
            wanted.setdefault(section, [])
        elif line.strip() and section:
            wanted[section].append(line.strip())
    keys = {s: {line.split("=", 1)[0].strip() for line in lines} for s, lines in wanted.items()}
    out, section, placed = [], None, set()
    for line in base.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
            out.append(line)
            if section in wanted:
                out.extend(wanted[section])
                placed.add(section)
            continue
        key = line.split("=", 1)[0].strip() if "=" in line and not line.lstrip().startswith("#") else None
        if section in keys and key in keys[section]:
            continue
        out.append(line)
    for section, lines in wanted.items():
        if section not in placed:
            out += ["", f"[{section}]", *lines]
    return "\n".join(out) + "\n"


class Sandbox:
    """`syncsvc sandbox --orders N` on the host, and what it printed."""

    def __init__(self, orders: int, workdir: Path):
        venv = REPO / ".venv" / "bin" / "syncsvc"
        command = [str(venv)] if venv.exists() else [sys.executable, "-m", "syncsvc"]
        self.log = workdir / "sandbox.out"
        self.proc = subprocess.Popen([*command, "sandbox", "--orders", str(orders), "--seed", "1"],
                                     stdout=self.log.open("w"), stderr=subprocess.STDOUT, cwd=workdir)
        text = wait_for("the sandbox to start", self._printed, 120)
        # Only the API sections are taken (the state and health settings stay the image's). The sandbox
        # either writes a complete config file for itself or prints the lines to put in one.
        written = re.search(r"^Sandboxes are running\. Wrote (.+), a complete config", text, re.M)
        if written:
            path = Path(written.group(1))
            raw = tomllib.loads((path if path.is_absolute() else workdir / path).read_text())
        else:
            block = text.split("Put these lines in your config file:", 1)[1].split("and set, in the environment", 1)[0]
            raw = tomllib.loads(block)
        apis = {section: raw[section] for section in ("infusionsoft", "quickbooks")}
        self.config_lines = "\n".join(
            f"[{section}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
            for section, values in apis.items())
        self.env = dict(re.findall(r"^export (SYNCSVC_[A-Z_]+)=(\S+)$", text, re.M))
        token = (re.search(r"QuickBooks refresh token: (\S+)", text)
                 or re.search(r"connect quickbooks .*--refresh-token (?!-\s)(\S+)", text))
        self.realm_id, self.refresh_token = str(apis["quickbooks"]["realm_id"]), token.group(1)
        self.rest_base_url = apis["infusionsoft"]["rest_base_url"]

    def _printed(self):
        if self.proc.poll() is not None:
            raise Failed(f"`syncsvc sandbox` exited {self.proc.returncode}: {tail(self.log.read_text())}")
        text = self.log.read_text()
        return text if "Press Ctrl-C to stop." in text else None

    def order_ids(self, count: int = 3) -> list[int]:
        request = urllib.request.Request(f"{self.rest_base_url}/rest/v2/orders?page_size={count}",
                                         headers={"Authorization": f"Bearer {self.env['SYNCSVC_INFUSIONSOFT_API_KEY']}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return [int(order["id"]) for order in json.load(answer)["orders"]]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def metrics() -> dict[str, float]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{HEALTH_PORT}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


QBO_CALLS = 'syncsvc_api_calls_total{api="quickbooks"}'


class ImageCheck:
    def __init__(self, options):
        self.o = options
        self.image = options.image
        self.tag = uuid.uuid4().hex[:8]
        self.work = Path(tempfile.mkdtemp(prefix="syncsvc-image-check-"))
        self.volume = f"syncsvc-check-{self.tag}"
        self.name = f"syncsvc-check-{self.tag}"
        self.containers: list[str] = []
        self.volumes: list[str] = [self.volume]
        self.sandbox: Sandbox | None = None
        self.config = self.work / "syncsvc.toml"
        self.env_file = self.work / "syncsvc.env"

    # The README's mounts: the same volume, config and secrets for every command.
    def mounts(self, volume: str | None = None, config: Path | None = None) -> list[str]:
        return ["-v", f"{volume or self.volume}:/var/lib/syncsvc",
                "-v", f"{config or self.config}:/etc/syncsvc/config.toml:ro",
                "--env-file", str(self.env_file)]

    def syncsvc(self, *args: str, volume=None, config=None, stdin: str | None = None, timeout=120):
        interactive = ["-i"] if stdin is not None else []
        return docker("run", "--rm", *interactive, "--network", "host", *self.mounts(volume, config),
                      self.image, *args, input=stdin, timeout=timeout)

    # -- steps ------------------------------------------------------------------------------------
    def engine(self):
        done = docker("version", "--format", "{{.Server.Version}}", timeout=30)
        if done.returncode != 0:
            raise Failed("no Docker engine answers (start one: ../shared/tools/docker-engine start, then "
                         f"export DOCKER_HOST=...): {tail(done.stderr)}")
        return f"engine {done.stdout.strip()}"

    def build(self):
        started = time.monotonic()
        done = docker("build", "--network", "host", "-t", self.image, str(REPO), timeout=1800,
                      env={**os.environ, "DOCKER_BUILDKIT": "0"})
        (self.work / "build.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise Failed(f"docker build exited {done.returncode}: {tail(done.stdout + done.stderr, 5)}")
        return f"{self.image} in {time.monotonic() - started:.0f} s"

    def rebuild_after_code_change(self):
        """A copy of the build context with one line of the package changed: the dependency layer must
        come from the cache (pip downloads nothing) while the package's own layer is rebuilt."""
        context = self.work / "context"
        context.mkdir()
        for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "alembic.ini"):
            shutil.copy2(REPO / name, context / name)
        for name in ("syncsvc", "migrations", "docker"):
            shutil.copytree(REPO / name, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        with (context / "syncsvc" / "__init__.py").open("a") as fh:
            fh.write(f"# image-check {self.tag}: a code change\n")
        tag = f"{self.image}-codechange-{self.tag}"
        started = time.monotonic()
        done = docker("build", "--network", "host", "-t", tag, str(context), timeout=1800,
                      env={**os.environ, "DOCKER_BUILDKIT": "0"})
        docker("rmi", tag, timeout=60)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise Failed(f"docker build exited {done.returncode}: {tail(output, 5)}")
        downloads = [line.strip() for line in output.splitlines() if line.startswith(("Collecting ", "Downloading "))]
        if downloads:
            raise Failed(f"a code change downloaded {len(downloads)} packages again, e.g. {downloads[0]}")
        if "Successfully installed syncsvc" not in output:
            raise Failed("the package's layer was not rebuilt: the build did not see the change")
        return f"dependencies from the cache, package reinstalled, {time.monotonic() - started:.0f} s"

    def help(self):
        done = docker("run", "--rm", "--network", "host", self.image, "--help", timeout=60)
        if done.returncode != 0 or "usage: syncsvc" not in done.stdout:
            raise Failed(f"exit {done.returncode}: {tail(done.stderr or done.stdout)}")
        return "usage printed, exit 0"

    def not_root(self):
        user = docker("image", "inspect", "-f", "{{.Config.User}}", self.image, check=True).stdout.strip()
        uid = docker("run", "--rm", "--entrypoint", "id", self.image, "-u", check=True).stdout.strip()
        if not uid.isdigit() or int(uid) == 0 or user in ("", "root", "0"):
            raise Failed(f"USER {user!r}, uid {uid}")
        return f"USER {user}, uid {uid}"

    def start_sandbox(self):
        self.sandbox = Sandbox(self.o.orders, self.work)
        # The README: start from the image's own config, then add your settings (here: the sandbox's).
        image_config = docker("run", "--rm", "--entrypoint", "cat", self.image, "/etc/syncsvc/config.toml",
                              check=True).stdout
        self.config.write_text(merge_toml(image_config, self.sandbox.config_lines))
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.sandbox.env.items()))
        self.env_file.chmod(0o600)
        self.config.chmod(0o644)  # read by the container's user
        return f"{self.o.orders} orders, realm {self.sandbox.realm_id}"

    def db_upgrade(self):
        docker("volume", "create", self.volume, check=True)
        done = self.syncsvc("db", "upgrade")
        if done.returncode != 0 or "revision" not in done.stdout:
            raise Failed(f"exit {done.returncode}: {tail(done.stderr or done.stdout)}")
        return done.stdout.strip()

    def connect(self):
        done = self.syncsvc("connect", "quickbooks", "--realm-id", self.sandbox.realm_id, "--refresh-token", "-",
                            stdin=self.sandbox.refresh_token + "\n")
        if done.returncode != 0 or "Connected QuickBooks company" not in done.stdout:
            raise Failed(f"exit {done.returncode}: {tail(done.stderr or done.stdout)}")
        return done.stdout.strip()

    def root_owned_volume(self):
        """A bind mount the container's user cannot write (as a root-owned host directory is)."""
        folder = self.work / "root-owned"
        folder.mkdir(mode=0o755)
        if os.getuid() == 10001:
            raise Skipped("this script runs as uid 10001, which owns the directory")
        lines = []
        for args in (["db", "upgrade"], ["run"]):
            done = docker("run", "--rm", "--network", "host", "-v", f"{folder}:/var/lib/syncsvc",
                          "-v", f"{self.config}:/etc/syncsvc/config.toml:ro", "--env-file", str(self.env_file),
                          self.image, *args, timeout=60)
            err = done.stderr.strip().splitlines()
            if done.returncode != 1 or len(err) != 1 or "Traceback" in done.stderr:
                raise Failed(f"`{' '.join(args)}`: exit {done.returncode}, stderr {done.stderr.strip()!r}")
            if "/var/lib/syncsvc" not in err[0] or "chown -R 10001:10001" not in err[0]:
                raise Failed(f"`{' '.join(args)}`: the line names neither the directory nor the fix: {err[0]}")
            lines.append(err[0])
        if os.listdir(folder):
            raise Failed(f"left files behind: {os.listdir(folder)}")
        return f"exit 1, one line: {lines[0]}"

    def example_config(self):
        """A config started from config.example.toml (state path relative to the config's folder, health
        listener off) keeps its database on the volume; `run` warns that the HEALTHCHECK cannot pass."""
        volume = f"{self.volume}-example"
        self.volumes.append(volume)
        config = self.work / "from-example.toml"
        config.write_text(merge_toml((REPO / "config.example.toml").read_text(), self.sandbox.config_lines))
        config.chmod(0o644)
        done = self.syncsvc("db", "upgrade", volume=volume, config=config)
        if done.returncode != 0:
            raise Failed(f"db upgrade: exit {done.returncode}: {tail(done.stderr or done.stdout)}")
        listing = docker("run", "--rm", "-v", f"{volume}:/var/lib/syncsvc", "--entrypoint", "ls", self.image,
                         "/var/lib/syncsvc", check=True).stdout.split()
        if "syncsvc.sqlite3" not in listing:
            raise Failed(f"the database is not on the volume (the volume holds {listing})")
        name = f"{self.name}-example"
        self.containers.append(name)
        docker("run", "-d", "--name", name, "--network", "host", *self.mounts(volume, config), self.image,
               check=True)
        warning = wait_for("the health warning", lambda: next(
            (line for line in docker("logs", name).stderr.splitlines() if "syncsvc: warning:" in line), None), 30)
        docker("rm", "-f", name, timeout=60)
        if "health_port = 8080" not in warning:
            raise Failed(f"warning does not say what to set: {warning}")
        return "database on the volume; `run` warns: " + warning.removeprefix("syncsvc: warning: ")[:90] + "..."

    def start_daemon(self):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", HEALTH_PORT)) == 0:
                raise Failed(f"port {HEALTH_PORT} is taken on this host (--network host); free it first")
        self.containers.append(self.name)
        # The README's daemon command (with --network host in place of -p 8080:8080).
        docker("run", "-d", "--name", self.name, "--restart", "unless-stopped", "--network", "host",
               *self.mounts(), self.image, check=True)
        wait_for("the daemon's /metrics", lambda: QBO_CALLS in metrics(), 60, 0.2)
        return self.name

    def state(self) -> tuple[str, int]:
        info = json.loads(docker("inspect", self.name, check=True).stdout)[0]["State"]
        return info["Status"], info["ExitCode"]

    def timed_stop(self, situation: str) -> str:
        started = time.monotonic()
        docker("stop", self.name, timeout=60, check=True)
        took = time.monotonic() - started
        status, code = self.state()
        logs = docker("logs", self.name)
        text = logs.stdout + logs.stderr
        if code != 0 or took >= STOP_LIMIT:
            raise Failed(f"{situation}: exit {code} after {took:.1f} s (limit {STOP_LIMIT:.0f} s); "
                         f"last log lines: {tail(text)}")
        if "SIGTERM received" not in text:
            raise Failed(f"{situation}: exit 0, but the daemon never logged the SIGTERM: {tail(text)}")
        cycle = [line for line in text.splitlines() if re.search(r'"cycle \d+ (ok|stopped|failed|paused)', line)]
        ended = json.loads(cycle[-1])["message"][:60] if cycle else "no cycle ended"
        return f"{situation}: exit 0 in {took:.1f} s ({ended}...)"

    def stop_while_posting(self):
        """Stopped while the first cycle sends its writes (its first 30 or so QuickBooks calls are the
        lookups of customers, items and accounts; the writes follow in a burst)."""
        wait_for("the first cycle's QuickBooks writes", lambda: metrics().get(QBO_CALLS, 0) >= 60, 120, 0.1)
        calls = metrics().get(QBO_CALLS, 0)
        result = self.timed_stop(f"after {calls:.0f} QuickBooks calls of the first cycle")
        logs = docker("logs", self.name)
        if re.search(r'"cycle 1 ok', logs.stdout + logs.stderr):
            raise Failed("the first cycle had already finished: not a stop during a sync (use more --orders)")
        return result

    def stop_while_waiting(self):
        """Restarted, the daemon goes on with the backfill; stopped while it waits on QuickBooks' limits
        (the client's pacing or a 429), the QuickBooks call count standing still for 3 s."""
        since = len(self._logs().splitlines())
        docker("start", self.name, check=True)
        wait_for("the daemon's /metrics", lambda: QBO_CALLS in metrics(), 60, 0.2)
        seen = {"calls": -1, "since": time.monotonic()}

        def waiting():
            if re.search(r'"cycle \d+ (ok|failed|paused)', "\n".join(self._logs().splitlines()[since:])):
                raise Skipped("the restarted cycle finished without waiting on a limit")
            calls = metrics().get(QBO_CALLS, 0)
            if calls != seen["calls"]:
                seen.update(calls=calls, since=time.monotonic())
                return False
            return calls > 0 and time.monotonic() - seen["since"] >= 3

        wait_for("a wait on QuickBooks' limits", waiting, 120, 0.25)
        return self.timed_stop(f"waiting, after {seen['calls']:.0f} QuickBooks calls")

    def daemon_syncs(self):
        """Started a third time, the daemon finishes the backfill (state kept on the volume)."""
        since = len(self._logs().splitlines())
        docker("start", self.name, check=True)

        def finished():
            new = "\n".join(self._logs().splitlines()[since:])
            runs = re.findall(r'"message": "(cycle \d+ (?:ok|failed|paused)[^"]*)"', new)
            return runs[0] if runs else None

        line = wait_for("a cycle to finish", finished, 300, 1)
        if " ok:" not in line:
            raise Failed(line)
        status = json.loads(docker("exec", self.name, "syncsvc", "status", "--json", check=True).stdout)
        posted = sum((run.get("counts") or {}).get("invoices", 0) for run in status["runs"])
        if posted == 0:
            raise Failed(f"no invoice posted: {line}")
        return line[:160]

    def _logs(self) -> str:
        logs = docker("logs", self.name)
        return logs.stdout + logs.stderr

    def stops_left_nothing_unrecorded(self):
        """After each SIGTERM, did the next run find documents in QuickBooks that the stopped run had
        posted without recording them? Adoption keeps them single (no duplicate), so this is a NOTE."""
        adopted, stop = [], 0
        for line in self._logs().splitlines():
            if "SIGTERM received" in line:
                stop += 1
                adopted.append([])
            elif "adopting it" in line and stop:
                adopted[-1].append(json.loads(line)["message"].split(":")[0])
        counts = [len(found) for found in adopted]
        if any(counts):
            examples = ", ".join(next(found for found in adopted if found)[:4])
            raise Note(f"after the stops, the next runs adopted {counts} documents QuickBooks already had, posted "
                       f"by the stopped runs but not recorded (e.g. {examples}): no duplicate, but a graceful stop "
                       f"should record what QuickBooks accepted")
        return f"{stop} stops, nothing adopted afterwards"

    def healthy(self):
        def status():
            health = json.loads(docker("inspect", self.name, check=True).stdout)[0]["State"].get("Health") or {}
            if health.get("Status") == "unhealthy":
                raise Failed(f"unhealthy: {health.get('Log', [])[-1:]}")
            return health.get("Status") == "healthy" and health
        health = wait_for("the HEALTHCHECK to report healthy", status, 120, 1)
        return f"healthy after {len(health.get('Log', []))} probe(s)"

    def exec_sync_orders(self):
        order_id = self.sandbox.order_ids(1)[0]
        done = docker("exec", self.name, "syncsvc", "sync", "--orders", str(order_id), timeout=120)
        if done.returncode != 0:
            raise Failed(f"exit {done.returncode}: {tail(done.stderr or done.stdout)}")

        def served():
            status = json.loads(docker("exec", self.name, "syncsvc", "status", "--json", check=True).stdout)
            return not status.get("queued_resyncs")
        wait_for("the daemon to serve the queued order", served, 60, 1)
        return f"order {order_id}: {done.stdout.strip()[:80]}...; served by the daemon"

    def stop_idle(self):
        def idle():
            status = json.loads(docker("exec", self.name, "syncsvc", "status", "--json", check=True).stdout)
            return not status["runs"] or status["runs"][0]["status"] != "running"
        wait_for("the daemon to be between cycles", idle, 120, 1)
        return self.timed_stop("between cycles")

    def cleanup(self, keep: bool):
        for name in self.containers:
            logs = docker("logs", name, timeout=60)
            (self.work / f"{name}.log").write_text(logs.stdout + logs.stderr)
            docker("rm", "-f", name, timeout=60)
        for volume in self.volumes:
            docker("volume", "rm", "-f", volume, timeout=60)
        if self.sandbox:
            self.sandbox.stop()
        if keep:
            print(f"image-check: kept {self.work} (config, env file, build and container logs)", flush=True)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default="syncsvc:image-check", help="tag to build and run")
    parser.add_argument("--orders", type=int, default=400,
                        help="orders in the sandbox account: enough for the first cycle to last past a stop")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (config, env file, logs); kept anyway when a step fails")
    options = parser.parse_args(argv)
    private = Path("/tmp/syncsvc-docker/docker.sock")  # ../shared/tools/docker-engine's engine
    if "DOCKER_HOST" not in os.environ and not Path("/var/run/docker.sock").exists() and private.exists():
        os.environ["DOCKER_HOST"] = f"unix://{private}"
        print(f"image-check: DOCKER_HOST={os.environ['DOCKER_HOST']}", flush=True)
    check = ImageCheck(options)
    report = Report()
    print(f"image-check: {REPO} -> {options.image}, work directory {check.work}", flush=True)
    try:
        if report.step("docker engine", check.engine) == "FAIL":
            return 2
        report.step("docker build", check.build, fatal=True)
        report.step("code change reuses the dependency layer", check.rebuild_after_code_change)
        report.step("--help", check.help)
        report.step("container user is not root", check.not_root)
        report.step("sandboxes on the host (syncsvc sandbox)", check.start_sandbox, fatal=True)
        report.step("db upgrade on the volume", check.db_upgrade, fatal=True)
        report.step("connect quickbooks --refresh-token - (stdin, no tty)", check.connect, fatal=True)
        report.step("root-owned volume: one line naming the directory and the fix", check.root_owned_volume)
        report.step("config from config.example.toml: state on the volume, health warning", check.example_config)
        report.step("daemon starts (README command)", check.start_daemon, fatal=True)
        report.step("docker stop during a sync (posting)", check.stop_while_posting)
        report.step("docker stop during a sync (waiting on QuickBooks limits)", check.stop_while_waiting)
        report.step("daemon syncs the orders", check.daemon_syncs, fatal=True)
        report.step("the stops left no QuickBooks write unrecorded", check.stops_left_nothing_unrecorded)
        report.step("HEALTHCHECK becomes healthy", check.healthy)
        report.step("docker exec ... syncsvc sync --orders", check.exec_sync_orders)
        report.step("docker stop between cycles", check.stop_idle)
    except Abort as abort:
        print(f"image-check: stopped after the failed step {abort}", flush=True)
    except KeyboardInterrupt:
        print("image-check: interrupted", flush=True)
        report.failed_by_interrupt = True
    finally:
        check.cleanup(keep=options.keep or bool(report.failed))
    passed = sum(1 for outcome, _, _ in report.results if outcome == "PASS")
    skipped = sum(1 for outcome, _, _ in report.results if outcome == "SKIP")
    notes = sum(1 for outcome, _, _ in report.results if outcome == "NOTE")
    verdict = "FAIL" if report.failed or getattr(report, "failed_by_interrupt", False) else "PASS"
    print(f"image-check: {verdict}: {passed} passed, {report.failed} failed, {skipped} skipped, {notes} notes",
          flush=True)
    return 1 if verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
