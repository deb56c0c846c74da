#!/usr/bin/env python3
"""security_pcaps.py OUTDIR - writes the crafted captures that make each of
captured's detectors fire (Ethernet, classic pcap, little-endian), and
prints their names. Packets are built field by field here (struct only);
checksums are left zero (captured does not verify them). Addresses are
private or documentation ranges except where a public one is the point
(TLS without SNI, geolocation). Deterministic: the same bytes every run.

Each capture and what it must raise (test_security.py checks it):
  scan_vertical     port_scan 10.0.0.66>10.0.0.20, syn_scan 10.0.0.66
  scan_horizontal   address_scan 10.0.0.66>tcp/445
  scan_flags        null_scan 10.0.0.67, fin_scan 10.0.0.68, xmas_scan 10.0.0.69
  flood_syn         syn_flood 10.0.0.30:80
  flood_icmp        icmp_flood 10.0.0.31
  flood_udp         udp_flood 10.0.0.32:5001
  dns_tunnel        dns_tunnel 10.0.0.70>tunnel.example:{many_subdomains,
                    high_entropy,long_label,large_txt}
  dns_nxdomain      dns_nxdomain_burst 10.0.0.71
  cleartext         cleartext_credentials for FTP, POP3, IMAP, Telnet, HTTP Basic
  tls_old_nosni     tls_no_sni, tls_outdated_version (TLS 1.0) to 93.184.216.34
  service_ports     service_unexpected_port (SSH on 443), unknown_service_on_port (22)
  arp_spoof         arp_mac_change 10.0.0.1
  malformed         malformed_packet ip_invalid / l4_invalid
  geo               flows to 193.0.6.139 (NL) and 202.12.27.33 (JP), no alert
"""
import base64
import os
import random
import struct
import sys

T0 = 1764000000.0
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = T0

    def add(self, frame, dt=0.001):
        self.t += dt
        sec = int(self.t)
        usec = int(round((self.t - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ether(payload, ethertype=0x0800, src=MAC_A, dst=MAC_B):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ihl=5, total=None):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, total, 1, 0, 64, proto, 0,
                      ip4(src), ip4(dst))
    return hdr + payload


FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32


def tcp(src, dst, sport, dport, flags, seq=1000, ack=0, payload=b"", off=5):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0)
    return ether(ipv4(src, dst, 6, seg + payload))


def udp(src, dst, sport, dport, payload):
    return ether(ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) +
                      payload))


def icmp_echo(src, dst, ident, seq):
    return ether(ipv4(src, dst, 1, struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"x" * 32))


def arp(op, sha, spa, tpa, tha=b"\x00" * 6):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))
    return ether(body, 0x0806, src=sha, dst=b"\xff" * 6)


class Tcp:
    """A TCP conversation with a real handshake and sequence numbers."""

    def __init__(self, pc, c, s, cport, sport):
        self.pc, self.c, self.s, self.cp, self.sp = pc, c, s, cport, sport
        self.cseq, self.sseq = 1000, 5000
        pc.add(tcp(c, s, cport, sport, SYN, self.cseq))
        pc.add(tcp(s, c, sport, cport, SYN | ACK, self.sseq, self.cseq + 1))
        self.cseq += 1
        self.sseq += 1
        pc.add(tcp(c, s, cport, sport, ACK, self.cseq, self.sseq))

    def client(self, data):
        self.pc.add(tcp(self.c, self.s, self.cp, self.sp, PSH | ACK, self.cseq, self.sseq, data))
        self.cseq += len(data)

    def server(self, data):
        self.pc.add(tcp(self.s, self.c, self.sp, self.cp, PSH | ACK, self.sseq, self.cseq, data))
        self.sseq += len(data)

    def close(self):
        self.pc.add(tcp(self.c, self.s, self.cp, self.sp, FIN | ACK, self.cseq, self.sseq))
        self.pc.add(tcp(self.s, self.c, self.sp, self.cp, FIN | ACK, self.sseq, self.cseq + 1))
        self.pc.add(tcp(self.c, self.s, self.cp, self.sp, ACK, self.cseq + 1, self.sseq + 1))


def dns_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def dns_query(tid, name, qtype=1):
    return struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0) + dns_name(name) + \
        struct.pack("!HH", qtype, 1)


def dns_response(tid, name, qtype=1, rcode=0, txt=None):
    q = dns_name(name) + struct.pack("!HH", qtype, 1)
    answers = b""
    an = 0
    if rcode == 0 and qtype == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ip4("192.0.2.44")
        an = 1
    elif rcode == 0 and qtype == 16 and txt:
        rdata = b""
        for i in range(0, len(txt), 255):
            chunk = txt[i:i + 255]
            rdata += bytes([len(chunk)]) + chunk
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, len(rdata)) + rdata
        an = 1
    return struct.pack("!HHHHHH", tid, 0x8180 | rcode, 1, an, 0, 0) + q + answers


def b32(rng, n):
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "".join(rng.choice(alphabet) for _ in range(n))


# --- the captures -------------------------------------------------------------

def scan_vertical(pc):
    for port in range(1, 41):
        pc.add(tcp("10.0.0.66", "10.0.0.20", 40000, port, SYN, 7000))
        pc.add(tcp("10.0.0.20", "10.0.0.66", port, 40000, RST | ACK, 0, 7001))


def scan_horizontal(pc):
    for host in range(1, 41):
        pc.add(tcp("10.0.0.66", "10.0.1.%d" % host, 40001, 445, SYN, 7000))


def scan_flags(pc):
    for src, flags in (("10.0.0.67", 0), ("10.0.0.68", FIN), ("10.0.0.69", FIN | PSH | URG)):
        for port in range(20, 30):
            pc.add(tcp(src, "10.0.0.21", 50000, port, flags, 9000))


def flood_syn(pc):
    rng = random.Random(1)
    for i in range(300):
        src = "10.%d.%d.%d" % (rng.randrange(1, 250), rng.randrange(256), rng.randrange(1, 255))
        pc.add(tcp(src, "10.0.0.30", 1024 + i, 80, SYN, rng.randrange(1 << 31)), dt=0.0015)


def flood_icmp(pc):
    for i in range(1200):
        pc.add(icmp_echo("10.0.0.90", "10.0.0.31", 77, i), dt=0.0006)


def flood_udp(pc):
    for i in range(1200):
        pc.add(udp("10.0.0.91", "10.0.0.32", 40000, 5001, b"\x00" * 64), dt=0.0006)


def dns_tunnel(pc):
    rng = random.Random(2)
    c, s = "10.0.0.70", "10.0.0.53"
    tid = 1
    for i in range(120):
        name = "%s.t.tunnel.example" % b32(rng, 40)
        pc.add(udp(c, s, 30000 + i, 53, dns_query(tid, name)))
        pc.add(udp(s, c, 53, 30000 + i, dns_response(tid, name)))
        tid += 1
    name = "%s.t.tunnel.example" % ("a" * 60)
    pc.add(udp(c, s, 31000, 53, dns_query(tid, name)))
    pc.add(udp(s, c, 53, 31000, dns_response(tid, name)))
    tid += 1
    name = "cmd.t.tunnel.example"
    pc.add(udp(c, s, 31001, 53, dns_query(tid, name, 16)))
    pc.add(udp(s, c, 53, 31001, dns_response(tid, name, 16, txt=b"Q" * 700)))


def dns_nxdomain(pc):
    rng = random.Random(3)
    c, s = "10.0.0.71", "10.0.0.53"
    for i in range(60):
        name = "%s.com" % "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(12))
        pc.add(udp(c, s, 32000 + i, 53, dns_query(i + 1, name)))
        pc.add(udp(s, c, 53, 32000 + i, dns_response(i + 1, name, rcode=3)))


def cleartext(pc):
    c, s = "10.0.0.72", "10.0.0.21"
    t = Tcp(pc, c, s, 41001, 21)
    t.server(b"220 ftp ready\r\n")
    t.client(b"USER alice\r\n")
    t.server(b"331 password please\r\n")
    t.client(b"PASS s3cret-ftp\r\n")
    t.close()
    t = Tcp(pc, c, s, 41002, 110)
    t.server(b"+OK POP3 ready\r\n")
    t.client(b"USER bob\r\n")
    t.client(b"PASS s3cret-pop\r\n")
    t.close()
    t = Tcp(pc, c, s, 41003, 143)
    t.server(b"* OK IMAP ready\r\n")
    t.client(b"a1 LOGIN carol s3cret-imap\r\n")
    t.close()
    t = Tcp(pc, c, s, 41004, 23)
    t.server(b"Debian GNU/Linux 12\r\nlogin: ")
    t.client(b"dave\r\n")
    t.close()
    t = Tcp(pc, c, s, 41005, 80)
    auth = base64.b64encode(b"erin:s3cret-http").decode()
    t.client(("GET /admin HTTP/1.1\r\nHost: intranet.corp\r\nAuthorization: Basic %s\r\n\r\n"
              % auth).encode())
    t.server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    t.close()


def tls_record(ctype, body, version=0x0301):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def client_hello():
    body = struct.pack("!H", 0x0301) + bytes(range(32)) + b"\x00" + \
        struct.pack("!HH", 2, 0x002F) + b"\x01\x00"
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return tls_record(22, hs)


def server_hello():
    body = struct.pack("!H", 0x0301) + bytes(range(32, 64)) + b"\x00" + \
        struct.pack("!H", 0x002F) + b"\x00"
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return tls_record(22, hs)


def tls_old_nosni(pc):
    t = Tcp(pc, "10.0.0.73", "93.184.216.34", 42001, 443)
    t.client(client_hello())
    t.server(server_hello())
    t.client(tls_record(20, b"\x01"))
    t.server(tls_record(20, b"\x01"))
    t.client(tls_record(23, b"\x17" * 40))
    t.server(tls_record(23, b"\x17" * 40))
    t.close()


def service_ports(pc):
    t = Tcp(pc, "10.0.0.74", "10.0.0.22", 43001, 443)
    t.server(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    t.client(b"SSH-2.0-OpenSSH_9.2p1\r\n")
    t.close()
    t = Tcp(pc, "10.0.0.74", "10.0.0.23", 43002, 22)
    t.client(b"\x8a\x01\x07garbage that is not ssh\x00\x00")
    t.server(b"\x01\x02\x03\x04 also not ssh")
    t.close()


def arp_spoof(pc):
    real, fake = bytes.fromhex("001122334455"), bytes.fromhex("66778899aabb")
    pc.add(arp(1, MAC_A, "10.0.0.5", "10.0.0.1"))
    pc.add(arp(2, real, "10.0.0.1", "10.0.0.5", MAC_A))
    pc.add(arp(2, fake, "10.0.0.1", "10.0.0.5", MAC_A), dt=1.0)


def malformed(pc):
    # IPv4 header length 4 words (< 5): invalid
    pc.add(ether(ipv4("10.0.0.80", "10.0.0.81", 6, b"\x00" * 20, ihl=4)))
    # TCP data offset 3 (< 5): invalid transport header
    pc.add(tcp("10.0.0.82", "10.0.0.81", 1234, 80, ACK, off=3))


def geo(pc):
    for dst in ("193.0.6.139", "202.12.27.33"):
        t = Tcp(pc, "10.0.0.5", dst, 44000, 80)
        t.client(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n")
        t.server(b"HTTP/1.1 204 No Content\r\n\r\n")
        t.close()


CAPTURES = [scan_vertical, scan_horizontal, scan_flags, flood_syn, flood_icmp, flood_udp,
            dns_tunnel, dns_nxdomain, cleartext, tls_old_nosni, service_ports, arp_spoof,
            malformed, geo]


def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    paths = {}
    for fn in CAPTURES:
        path = os.path.join(outdir, fn.__name__ + ".pcap")
        pc = Pcap(path)
        fn(pc)
        pc.close()
        paths[fn.__name__] = path
    return paths


if __name__ == "__main__":
    for name, path in write_all(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        print(name, path)
