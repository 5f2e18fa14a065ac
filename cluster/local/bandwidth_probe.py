#!/usr/bin/python3
"""Measures the links of an emulated cluster (cluster/local/run.sh): run one rank per host,

  cluster/local/run.sh --hosts 4 --rate 1gbit -- /usr/bin/python3 cluster/local/bandwidth_probe.py

Odd host i streams --megabytes MB over TCP to host i - 1, every pair at once; each receiver
prints `host I -> host J: R Mbit/s` (payload bytes over the time from the first to the last byte).
Hosts are found from the cluster's addresses: host i is <subnet>.<i + 1>.
"""
import argparse, os, socket, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--megabytes", type=float, default=25)
ap.add_argument("--port", type=int, default=5201)
args = ap.parse_args()
rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
size = int(os.environ["OMPI_COMM_WORLD_SIZE"])
address = subprocess.run(["ip", "-4", "-o", "addr", "show", "eth0"], capture_output=True,
                         text=True, check=True).stdout.split()[3].split("/")[0]
subnet = address.rsplit(".", 1)[0]
host = int(address.rsplit(".", 1)[1]) - 1
total = int(args.megabytes * 2**20)

if host % 2 == 0:
    if host + 1 >= size:
        sys.exit(0)  # an odd number of hosts: the last one has no partner
    server = socket.create_server((address, args.port))
    server.settimeout(60)
    connection, _ = server.accept()
    received, first = 0, None
    while received < total:
        chunk = connection.recv(1 << 20)
        if not chunk:
            break
        first = first or time.monotonic()
        received += len(chunk)
    seconds = time.monotonic() - first
    print(f"host {host + 1} -> host {host}: {received * 8 / seconds / 1e6:.1f} Mbit/s "
          f"({received} bytes in {seconds:.3f} s)", flush=True)
else:
    for attempt in range(100):  # until the receiver listens
        try:
            connection = socket.create_connection((f"{subnet}.{host}", args.port))
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit(f"host {host}: cannot reach host {host - 1}")
    block = b"\0" * (1 << 20)
    sent = 0
    while sent < total:
        connection.sendall(block[: min(len(block), total - sent)])
        sent += min(len(block), total - sent)
    connection.close()
