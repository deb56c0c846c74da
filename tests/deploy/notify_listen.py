#!/usr/bin/env python3
"""notify_listen.py SOCKET LOG [SECONDS]: a stand-in for systemd's notify
socket. Binds a unix datagram socket, appends every sd_notify message to LOG
(one per line), and exits after STOPPING=1 or SECONDS (default 300)."""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
deadline = time.time() + float(sys.argv[3] if len(sys.argv) > 3 else 300)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)  # the daemon sends after dropping to its user
with open(log, "a", buffering=1) as out:
    while time.time() < deadline:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        for line in msg.splitlines():
            out.write(line + "\n")
        if "STOPPING=1" in msg.splitlines():
            break
