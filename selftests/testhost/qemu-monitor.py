#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Sends human-monitor (HMP) commands to a qemu started with
# -monitor unix:<socket>,server,nowait and prints each reply. run.sh uses it
# to ask a guest that overran its timeout for its stacks
# (Documentation/testhost.md).
#
# usage: qemu-monitor.py <socket> <command>...
#        a command "sleep <seconds>" waits instead of being sent.
#        qemu-monitor.py --rips <kallsyms> <log of "info registers -a">
#        prints each vCPU's RIP as a kernel symbol, its IF flag and HLT.
import bisect
import re
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_prompt(sock):
    data = b""
    while not data.endswith(PROMPT):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data[: -len(PROMPT)] if data.endswith(PROMPT) else data


def rips(kallsyms, log):
    syms = []
    try:
        with open(kallsyms) as f:
            for line in f:
                addr, _, name = line.split()[:3]
                syms.append((int(addr, 16), name))
    except OSError:
        pass
    syms.sort()
    addrs = [a for a, _ in syms]
    cpu = None
    with open(log) as f:
        for line in f:
            m = re.match(r"CPU#(\d+)", line)
            if m:
                cpu = m.group(1)
            m = re.match(r"RIP=([0-9a-f]+) RFL=([0-9a-f]+).*HLT=(\d)", line)
            if not m:
                continue
            rip, rfl = int(m.group(1), 16), int(m.group(2), 16)
            i = bisect.bisect_right(addrs, rip) - 1
            where = ("%s+0x%x" % (syms[i][1], rip - syms[i][0])
                     if i >= 0 and syms else "?")
            print("CPU#%s RIP=%x %s IF=%d HLT=%s" %
                  (cpu, rip, where, rfl >> 9 & 1, m.group(3)))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--rips":
        return rips(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 3:
        print(__doc__ or "usage: qemu-monitor.py <socket> <command>...",
              file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(sys.argv[1])
    read_prompt(sock)  # the banner
    for cmd in sys.argv[2:]:
        if cmd.startswith("sleep "):
            time.sleep(float(cmd.split()[1]))
            continue
        print("(qemu) " + cmd, flush=True)
        sock.sendall(cmd.encode() + b"\n")
        reply = read_prompt(sock).decode(errors="replace")
        # The monitor echoes the command line first.
        lines = reply.replace("\r", "").split("\n")
        print("\n".join(line for line in lines[1:] if line.strip()),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
