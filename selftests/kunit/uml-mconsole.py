#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Sends commands to a UML kernel's management console (CONFIG_MCONSOLE),
# the socket <uml_dir>/<umid>/mconsole, and prints each reply: run.sh asks
# a UML boot that overran its timeout for its stacks with "sysrq t"
# (Documentation/testhost.md). The protocol is arch/um's mconsole.h: a
# datagram of magic, version, length and text; replies carry an error
# flag, a "more follows" flag, a length and text.
#
# usage: uml-mconsole.py <socket> <command>...
import os
import socket
import struct
import sys
import tempfile

MAGIC = 0xCAFEBABE
VERSION = 2
MAX = 512


def main():
    if len(sys.argv) < 3:
        print("usage: uml-mconsole.py <socket> <command>...", file=sys.stderr)
        return 2
    here = tempfile.mkdtemp(prefix="uml-mconsole.")
    me = os.path.join(here, "client")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(me)
    sock.settimeout(20)
    status = 0
    try:
        for cmd in sys.argv[2:]:
            data = cmd.encode()[:MAX]
            sock.sendto(struct.pack("=III%ds" % MAX, MAGIC, VERSION,
                                    len(data), data), sys.argv[1])
            print("(mconsole) " + cmd, flush=True)
            while True:
                reply = sock.recv(12 + MAX)
                err, more, length = struct.unpack("=III", reply[:12])
                print(reply[12:12 + length].decode(errors="replace"),
                      flush=True)
                status |= err
                if not more:
                    break
    except OSError as e:
        print("uml-mconsole: %s" % e, file=sys.stderr)
        status = 1
    finally:
        sock.close()
        os.unlink(me)
        os.rmdir(here)
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
