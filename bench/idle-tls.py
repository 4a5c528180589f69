#!/usr/bin/env python3
"""Opens N idle MQTT 3.1.1 connections over TLS (CONNECT, wait for CONNACK, hold), then waits for stdin EOF/'q'."""
import socket, ssl, struct, sys, time, resource
host, port, n, cafile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
def connect_packet(cid):
    cid = cid.encode()
    var = b"\x00\x04MQTT\x04\x02" + struct.pack(">H", 600)
    payload = struct.pack(">H", len(cid)) + cid
    rem = len(var) + len(payload)
    return b"\x10" + bytes([rem]) + var + payload
socks = []
t0 = time.time()
ok = 0
for i in range(n):
    s = socket.create_connection((host, port))
    s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(connect_packet("idle-%06d" % i))
    ack = s.recv(4)
    if len(ack) == 4 and ack[0] == 0x20 and ack[3] == 0:
        ok += 1
    socks.append(s)
ru = resource.getrusage(resource.RUSAGE_SELF)
print("opened %d, CONNACK 0 on %d, in %.1f s, generator CPU %.1f s" % (n, ok, time.time() - t0, ru.ru_utime + ru.ru_stime), flush=True)
sys.stdin.read()
