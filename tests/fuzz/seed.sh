#!/usr/bin/env bash
# seed.sh [OUTDIR] - seed corpora for the fuzz targets from the shared
# captures ($PS_SHARED/pcaps, default ../shared beside the repository).
#
# OUTDIR (default: a new temporary directory, printed on the last line)
# gets one directory per target: frame/ (runs of consecutive frames in
# fuzz_frame's record format, read from pcap and pcapng by a small reader
# below), dns/ http/ tls/ quic/ dhcp/ (UDP and TCP payloads picked by port
# and first bytes with tshark -T fields -e udp.payload -e tcp.payload).
# File names are content hashes, so reseeding is idempotent.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${PS_SHARED:-$repo/../shared}
out=${1:-$(mktemp -d /tmp/ps-fuzz-seeds.XXXXXX)}
mkdir -p "$out"/{frame,dns,http,tls,quic,dhcp}

if [ ! -d "$shared/pcaps" ]; then
    echo "seed.sh: no captures in $shared/pcaps" >&2
    exit 1
fi

have_tshark=1
command -v tshark >/dev/null || { have_tshark=0; echo "seed.sh: tshark not found: frame seeds only" >&2; }

for f in "$shared"/pcaps/*.pcap "$shared"/pcaps/*.pcapng; do
    [ -f "$f" ] || continue
    fields=/dev/null
    if [ $have_tshark = 1 ]; then
        fields=$(mktemp)
        # -E occurrence=f: the outer header when an ICMP error quotes another
        TZ=UTC tshark -n -r "$f" -T fields -E separator=/t -E occurrence=f \
            -e udp.srcport -e udp.dstport -e tcp.srcport -e tcp.dstport \
            -e udp.payload -e tcp.payload > "$fields" 2>/dev/null || true
    fi
    python3 - "$f" "$fields" "$out" <<'PY'
import hashlib, os, struct, sys

path, fields, out = sys.argv[1], sys.argv[2], sys.argv[3]

# fuzz_frame.c dlts[] index for each link type (pcap LINKTYPE_ / DLT_ values)
SELECTOR = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 12: 5, 101: 6, 228: 7, 229: 8, 14: 9}
MAX_SEED = 16384

def save(target, data):
    if not data:
        return
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, target, name), "wb") as fh:
        fh.write(data)

def read_frames(path):
    """(linktype, caplen, origlen, data) of every record we can read."""
    blob = open(path, "rb").read()
    frames = []
    if len(blob) < 24:
        return frames
    magic = blob[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xd4, 0x4d) else ">"
        linktype = struct.unpack(e + "I", blob[20:24])[0] & 0x0fffffff
        off = 24
        while off + 16 <= len(blob):
            _, _, incl, orig = struct.unpack(e + "IIII", blob[off:off + 16])
            off += 16
            if incl > 262144 or off + incl > len(blob):
                break
            frames.append((linktype, blob[off:off + incl], orig))
            off += incl
        return frames
    if magic != b"\x0a\x0d\x0d\x0a":
        return frames
    e, links, off = "<", [], 0
    while off + 12 <= len(blob):
        btype = struct.unpack(e + "I", blob[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order for this section
            e = "<" if blob[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", blob[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(blob):
            break
        body = blob[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:  # interface description
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            ifid, _, _, cap, orig = struct.unpack(e + "IIIII", body[:20])
            if ifid < len(links):
                frames.append((links[ifid], body[20:20 + cap], orig))
        elif btype == 3 and len(body) >= 4 and links:  # simple packet
            orig = struct.unpack(e + "I", body[:4])[0]
            frames.append((links[0], body[4:4 + min(orig, len(body) - 4)], orig))
        off += blen
    return frames

def frame_seeds(frames):
    """Runs of up to 8 consecutive frames of one link type, and each file's
    first 64 frames, as [selector][len lo][len hi][dt] frame..."""
    runs = [frames[i:i + 8] for i in range(0, len(frames), 8)] + [frames[:64]]
    for run in runs:
        if not run or run[0][0] not in SELECTOR:
            continue
        seed = bytearray([SELECTOR[run[0][0]]])
        for lt, data, orig in run:
            if lt != run[0][0] or len(seed) + 3 + len(data) > MAX_SEED:
                break
            dt = 0x80 if orig > len(data) else 0  # cut by the snap length
            seed += struct.pack("<HB", len(data), dt) + data
        save("frame", bytes(seed))

def varint(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return struct.pack(">H", 0x4000 | n)
    return struct.pack(">I", 0x80000000 | n)

METHODS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ",
           b"CONNECT ", b"TRACE ", b"PROPFIND ")

def payload_seeds(fields):
    for line in open(fields, errors="replace"):
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 6:
            continue
        usp, udp_, tsp, tdp, upl, tpl = cols[:6]
        ports = {int(p) for p in (usp, udp_, tsp, tdp) if p.isdigit()}
        try:
            u = bytes.fromhex(upl.replace(":", "")) if upl else b""
            t = bytes.fromhex(tpl.replace(":", "")) if tpl else b""
        except ValueError:
            continue
        if u:
            if ports & {53, 5353, 5355, 137}:
                save("dns", u)
            if ports & {67, 68}:
                save("dhcp", u)
            if ports & {123}:
                save("dhcp", u)  # fuzz_dhcp also runs ntp_parse
            if 443 in ports and u[0] & 0x80:
                save("quic", b"\x00" + u)
        if t:
            if 53 in ports and len(t) > 2:
                save("dns", t[2:])
            if t.startswith(METHODS) or t.startswith(b"HTTP/1."):
                save("http", t[:8192])
            if ports & {21, 22, 23, 110, 143}:
                save("dhcp", t[:2048])
            if t[0] == 0x16 and len(t) >= 9:
                save("tls", t)
                save("tls", t[5:])  # the bare handshake message form
                if t[5] == 1:  # ClientHello: a plaintext seed for fuzz_quic's sealed mode
                    n = struct.unpack(">I", b"\0" + t[6:9])[0]
                    msg = t[5:9 + n]
                    if len(msg) == n + 4 and len(msg) < 4000:
                        save("quic", b"\x01\x00" + b"\x06\x00" + varint(len(msg)) + msg)
                        # two packets, the second half of the stream first
                        h = len(msg) // 2
                        p1 = b"\x06" + varint(h) + varint(len(msg) - h) + msg[h:]
                        p1 += b"\x00" * (-len(p1) % 16)
                        p2 = b"\x06\x00" + varint(h) + msg[:h]
                        if len(p1) // 16 < 256:
                            save("quic", b"\x03" + bytes([len(p1) // 16]) + p1 + p2)

frames = read_frames(path)
frame_seeds(frames)
if fields != "/dev/null":
    payload_seeds(fields)
PY
    [ "$fields" = /dev/null ] || rm -f "$fields"
done

for t in frame dns http tls quic dhcp; do
    printf '%s=%s ' "$t" "$(ls "$out/$t" | wc -l)"
done
echo
echo "$out"
