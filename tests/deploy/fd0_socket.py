#!/usr/bin/env python3
"""fd0_socket.py SOCKET MODE -- PROGRAM [ARGS...]: listen on unix socket
SOCKET (chmod MODE) and exec PROGRAM with it as fd 0, as systemd does for a
service with StandardInput=socket and a socket unit with Accept=no."""
import os
import socket
import sys

path, mode = sys.argv[1], int(sys.argv[2], 8)
argv = sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(128)
os.chmod(path, mode)
os.dup2(s.fileno(), 0)
s.close()
os.set_inheritable(0, True)
os.execvp(argv[0], argv)
