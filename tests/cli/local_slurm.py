"""A real Slurm on this one machine, for tests: munged, slurmctld and slurmd from Debian's packages.

    with LocalSlurm(nodes=2) as slurm:        # CannotStart(why) where Slurm cannot start here
        job = slurm.submit("--ntasks=2", "--output=out.txt", "job.sbatch", "arg")
        state, exit_code = slurm.wait(job, timeout=120)   # ("COMPLETED", "0:0")

Everything lives in one temporary folder: munge's key and socket, slurm.conf, the daemons'
state, logs and pid files; the daemons run in the foreground as this process's children on
ports picked free, so nothing of the machine's own Slurm or munge (if any) is touched. No systemd
and no cgroups: proctrack/linuxproc follows a job's processes by their parent pids and
task/affinity binds with sched_setaffinity, both of which work as root in a container.

The nodes (psml1, psml2, ...) are one slurmd each on this machine (`slurmd -N`, which Debian's
Slurm is built for), each described as the whole machine: jobs see several nodes, so placement
across nodes is real to Slurm, while their processes share this machine's cores.

Leaving the `with` (normally, on an exception, on SIGTERM) cancels the jobs, stops the daemons
and then ends any process still carrying this cluster's SLURM_CONF in its environment (a
slurmstepd or a rank that outlived slurmd); `leftovers` lists the pids that needed that.
"""
import os, random, re, shutil, signal, socket, subprocess, tempfile, time

DAEMON_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                "PREEMPTED", "BOOT_FAIL", "DEADLINE"}


class CannotStart(Exception):
    """Slurm (or munge) cannot start on this machine; the message names what and why."""


def free_port():
    """A free port below the kernel's ephemeral range. A port the kernel hands out for port 0 is
    free only until the daemon binds it, and any process on the machine (an MPI job's listening
    sockets, an outgoing connection) may take it in between; below the range only a bind asking
    for that very port can."""
    try:
        first_ephemeral = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 32768
    for port in random.sample(range(10000, max(first_ephemeral, 10001)), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise CannotStart(f"no free port between 10000 and {first_ephemeral}")


def last_line(path):
    try:
        lines = [l for l in open(path, errors="replace").read().splitlines() if l.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"


class LocalSlurm:
    def __init__(self, nodes=1, start_timeout=30):
        self.nodes = [f"psml{i + 1}" for i in range(nodes)]
        self.start_timeout = start_timeout
        self.daemons = []  # (name, Popen, log), in start order
        self.jobs = []
        self.leftovers = []
        self.dir = None

    # --- starting -------------------------------------------------------------------------------
    def __enter__(self):
        tools = {}
        for name in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "scancel"):
            tools[name] = shutil.which(name, path=DAEMON_PATH)
            if tools[name] is None:
                raise CannotStart(f"{name} is not installed (Debian's slurm-wlm and munge)")
        if os.geteuid() != 0:
            raise CannotStart("not root: slurmd must be root to start jobs")
        self.tool = tools
        self.dir = tempfile.mkdtemp(prefix="psml-slurm-")  # short: socket paths are limited
        os.chmod(self.dir, 0o755)  # munged wants its socket reachable by every user
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf, PATH=DAEMON_PATH)
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._start_munge()
            self._write_conf()
            self._start("slurmctld", [tools["slurmctld"], "-D", "-i"])
            for node in self.nodes:
                self._start(f"slurmd.{node}", [tools["slurmd"], "-D", "-N", node])
            self._wait_idle()
        except BaseException:
            self._stop()
            raise
        return self

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _start_munge(self):
        key = self._path("munge.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(os.urandom(1024))
        self.munge_socket = self._path("munge.socket")
        self._start("munged", [self.tool["munged"], "--foreground", "--key-file", key,
                               "--socket", self.munge_socket, "--num-threads", "2",
                               "--log-file", self._path("munged.log"),
                               "--pid-file", self._path("munged.pid"),
                               "--seed-file", self._path("munge.seed")])
        self._wait(lambda: os.path.exists(self.munge_socket), lambda: "munge socket from munged")

    def _write_conf(self):
        # slurmd -C describes this machine ("NodeName=host CPUs=2 Boards=1 ..."); a node whose
        # configuration claimed more than that would be drained as invalid.
        p = subprocess.run([self.tool["slurmd"], "-C"], capture_output=True, text=True,
                           env=self.env)
        line = next((l for l in p.stdout.splitlines() if l.startswith("NodeName=")), None)
        if p.returncode != 0 or line is None:
            raise CannotStart(f"slurmd -C cannot describe this machine: {p.stderr.strip()}")
        host, hardware = line.split(None, 1)
        self.host = host.split("=", 1)[1]
        log = self._path
        settings = {
            "ClusterName": "psmltest",
            "SlurmctldHost": f"{self.host}(127.0.0.1)",
            "SlurmUser": "root", "SlurmdUser": "root",
            "SlurmctldPort": free_port(), "SlurmdPort": free_port(),
            "AuthType": "auth/munge", "CredType": "cred/munge",
            "AuthInfo": f"socket={self.munge_socket}",
            "StateSaveLocation": log("state"), "SlurmdSpoolDir": log("spool.%n"),
            "SlurmctldPidFile": log("slurmctld.pid"), "SlurmdPidFile": log("slurmd.%n.pid"),
            "SlurmctldLogFile": log("slurmctld.log"), "SlurmdLogFile": log("slurmd.%n.log"),
            # Slurm's PMIx plugin makes each step's directory under TmpFS: one per node, or two
            # slurmd on one machine would both make /tmp/spmix_appdir_<uid>_<step>.
            "TmpFS": log("tmp.%n"),
            "ProctrackType": "proctrack/linuxproc", "TaskPlugin": "task/affinity",
            "JobAcctGatherType": "jobacct_gather/none",
            "AccountingStorageType": "accounting_storage/none",
            "SchedulerType": "sched/builtin",
            "SelectType": "select/cons_tres", "SelectTypeParameters": "CR_Core",
            "MpiDefault": "none", "ReturnToService": 2,
            "MinJobAge": 600,  # finished jobs stay visible to scontrol for the test's checks
            "SlurmdTimeout": 60, "InactiveLimit": 0, "KillWait": 5,
        }
        with open(self.conf, "w") as f:
            for key, value in settings.items():
                f.write(f"{key}={value}\n")
            for node in self.nodes:
                f.write(f"NodeName={node} NodeHostname={self.host} NodeAddr=127.0.0.1 "
                        f"Port={free_port()} {hardware} State=UNKNOWN\n")
            f.write(f"PartitionName=test Nodes={','.join(self.nodes)} Default=YES "
                    "MaxTime=INFINITE State=UP\n")
        for d in ["state"] + [f"{d}.{n}" for n in self.nodes for d in ("spool", "tmp")]:
            os.mkdir(log(d), 0o700)

    def _start(self, name, cmd):
        log = self._path(f"{name}.out")
        with open(log, "w") as out:
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env)
        self.daemons.append((name, p, log))

    def _wait(self, ready, waited_for):
        """Until ready(); CannotStart naming a daemon that died, or waited_for() at the deadline."""
        deadline = time.monotonic() + self.start_timeout
        while not ready():
            for name, p, out in self.daemons:
                if p.poll() is not None:
                    log = self._path(f"{name}.log")  # the daemon's own log, else its stderr
                    raise CannotStart(f"{name} exited ({p.returncode}): "
                                      + last_line(log if os.path.exists(log) else out))
            if time.monotonic() > deadline:
                raise CannotStart(f"no {waited_for()} after {self.start_timeout} s")
            time.sleep(0.2)

    def _node_states(self):
        """{node: state}; a node that is not up also names its reason."""
        out = self.scontrol("show", "node", "-o").stdout
        states = {}
        for line in out.splitlines():
            name, state = re.search(r"NodeName=(\S+)", line), re.search(r"\bState=(\S+)", line)
            reason = re.search(r"\bReason=(.*?)(?= \w+=|$)", line)
            if name and state:
                states[name.group(1)] = state.group(1) + (f" ({reason.group(1)})" if reason else "")
        return states

    def _wait_idle(self):
        idle = lambda: all(self._node_states().get(n, "").startswith("IDLE") for n in self.nodes)
        self._wait(idle, lambda: f"idle nodes from slurmctld and slurmd ({self._node_states()})")

    # --- using ----------------------------------------------------------------------------------
    def scontrol(self, *args):
        return subprocess.run([self.tool["scontrol"], *args], capture_output=True, text=True,
                              env=self.env, timeout=30)

    def submit(self, *args, cwd=None, env=None):
        """sbatch ARGS; returns the job id (raises with sbatch's message if it refused)."""
        p = subprocess.run([self.tool["sbatch"], "--parsable", *args], capture_output=True,
                           text=True, cwd=cwd, env=dict(self.env, **(env or {})), timeout=30)
        if p.returncode != 0:
            raise RuntimeError(f"sbatch {' '.join(args)}: {p.stderr.strip()}")
        job = p.stdout.strip().split(";")[0]
        self.jobs.append(job)
        return job

    def job(self, job):
        """The job's fields as scontrol shows them (JobState, ExitCode, NodeList, ...)."""
        out = self.scontrol("show", "job", job, "-o").stdout
        return dict(re.findall(r"(\w+)=(\S*)", out))

    def wait(self, job, timeout):
        """(state, exit code) once the job has ended; ("TIMEOUT(test)", "") if it has not by then
        (it is cancelled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fields = self.job(job)
            if fields.get("JobState") in FINAL_STATES:
                return fields["JobState"], fields.get("ExitCode", "")
            time.sleep(0.5)
        subprocess.run([self.tool["scancel"], job], env=self.env)
        return "TIMEOUT(test)", ""

    # --- stopping -------------------------------------------------------------------------------
    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._print_logs()  # what the daemons saw of a failed check, before they go
        self._stop()
        return False

    def _stop(self):
        for job in self.jobs:
            subprocess.run([self.tool["scancel"], job], env=self.env, capture_output=True)
        deadline = time.monotonic() + 15
        while self.jobs and time.monotonic() < deadline and self._stray():
            time.sleep(0.2)
        for name, p, _ in reversed(self.daemons):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.leftovers = self._stray()
        for pid in self.leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if hasattr(self, "_previous_sigterm"):
            signal.signal(signal.SIGTERM, self._previous_sigterm)

    def _print_logs(self, lines=15):
        for name, _, out in self.daemons:
            log = self._path(f"{name}.log")  # the daemon's own log, else its stderr
            path = log if os.path.exists(log) and os.path.getsize(log) else out
            tail = open(path, errors="replace").read().splitlines()[-lines:]
            print(f"--- {name}: {path} (last {lines} lines)\n" + "\n".join(tail), flush=True)

    def _stray(self):
        """Processes other than the daemons and this one whose environment names this cluster."""
        own = {os.getpid()} | {p.pid for _, p, _ in self.daemons if p.poll() is None}
        marker = f"\0SLURM_CONF={self.conf}\0".encode()
        found = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) in own:
                continue
            try:
                environ = b"\0" + open(f"/proc/{d}/environ", "rb").read()
            except OSError:
                continue
            if marker in environ:
                found.append(int(d))
        return found


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
