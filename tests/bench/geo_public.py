#!/usr/bin/env python3
"""geo_public.py IN OUT - rewrite a ps-pcapgen capture so that its hosts
live in public address space (for the geolocation benchmark: the
generator uses private and documentation ranges, which never reach the
country database). Ethernet + IPv4/IPv6 only; each address is mapped by a
fixed hash to a public prefix, so flows and sessions stay intact.
Checksums are not fixed (captured does not verify them)."""
import struct
import sys

V4_PREFIXES = [bytes([a]) for a in (2, 5, 23, 31, 41, 46, 62, 77, 81, 88, 93, 103, 109,
                                     130, 141, 151, 176, 185, 193, 195, 200, 201, 212, 217)]
V6_PREFIXES = [bytes.fromhex(p) for p in ("2a00", "2a01", "2a02", "2001", "2400", "2600",
                                           "2800", "2c0f")]


def map4(a):
    return V4_PREFIXES[(a[1] * 7 + a[2] * 13 + a[3]) % len(V4_PREFIXES)] + a[1:]


def map6(a):
    p = V6_PREFIXES[sum(a[8:]) % len(V6_PREFIXES)]
    return p + (a[2:4] if a[:2] != b"\x20\x01" else b"\x14\x00") + a[4:]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f, open(dst, "wb") as o:
        gh = f.read(24)
        o.write(gh)
        endian = "<" if gh[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            caplen = struct.unpack(endian + "I", rh[8:12])[0]
            frame = bytearray(f.read(caplen))
            if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
                frame[26:30] = map4(bytes(frame[26:30]))
                frame[30:34] = map4(bytes(frame[30:34]))
            elif len(frame) >= 54 and frame[12:14] == b"\x86\xdd":
                frame[22:38] = map6(bytes(frame[22:38]))
                frame[38:54] = map6(bytes(frame[38:54]))
            o.write(rh)
            o.write(frame)


if __name__ == "__main__":
    main()
