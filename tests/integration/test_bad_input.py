#!/usr/bin/env python3
"""test_bad_input - `captured --read` on files that are not whole captures:
each must exit 2 with one line on stderr naming the file, and write nothing
(no rows in captures, flows, traffic or packets)."""

import os
import shutil
import tempfile

import pslib

# Rows that a file analysis could leave behind. Live sessions of a running
# daemon are left out so its capture cannot disturb the count.
COUNT_SQL = """
SELECT (SELECT count(*) FROM captures WHERE kind <> 'live'),
       (SELECT count(*) FROM flows   WHERE capture_id NOT IN (SELECT id FROM captures WHERE kind = 'live')),
       (SELECT count(*) FROM traffic WHERE capture_id NOT IN (SELECT id FROM captures WHERE kind = 'live')),
       (SELECT count(*) FROM packets WHERE capture_id NOT IN (SELECT id FROM captures WHERE kind = 'live'))
"""
TABLES = ("captures", "flows", "traffic", "packets")


def make_inputs(st, tmp):
    """(label, path) of each bad file; the made ones live in tmp."""
    inputs = []

    # A capture cut mid-record: libpcap hands over the whole records before
    # the cut and then reports truncation; the file as a whole is refused.
    truncated = os.path.join(tmp, "truncated-1kxun.pcap")
    with open(st.pcap("ndpi__1kxun.pcap"), "rb") as src, open(truncated, "wb") as dst:
        dst.write(src.read(1000))
    inputs.append(("truncated capture", truncated))

    text = os.path.join(tmp, "README.md")
    readme = None
    for cand in (os.path.join(st.repo or "", "README.md"), os.path.join(st.shared, "README.md")):
        if os.path.isfile(cand):
            readme = cand
            break
    if readme:
        shutil.copyfile(readme, text)
    else:
        with open(text, "w") as f:
            f.write("# PacketSight\n\nThis is a text file, not a capture.\n")
    inputs.append(("text file", text))

    empty = os.path.join(tmp, "empty.pcap")
    open(empty, "wb").close()
    inputs.append(("empty file", empty))

    # Record length 1409179648 > snaplen: libpcap stops after one record.
    inputs.append(("fuzzed capture", st.pcap("suricata-verify__bug-6875-01__fuzz.pcap")))
    return inputs


def counts(st):
    row = st.psql(COUNT_SQL)[0]
    return dict(zip(TABLES, (int(v) for v in row)))


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    captured = st.exe("captured")

    with tempfile.TemporaryDirectory(prefix="ps-bad-input-") as tmp:
        for label, path in make_inputs(st, tmp):
            name = os.path.basename(path)
            before = counts(st)
            p = st.run([captured, "--read", path], {"PACKETSIGHT_DB": st.writer_db}, timeout=120)
            after = counts(st)

            checks.equal(p.returncode, 2, "%s (%s): exit code" % (label, name))
            err = p.stderr.strip()
            lines = err.splitlines()
            checks.check(len(lines) == 1, "%s (%s): stderr has %d lines, want 1: %r"
                         % (label, name, len(lines), err[:1000]))
            checks.check(name in err, "%s: stderr does not name %s: %r" % (label, name, err[:300]))
            checks.check("capture_id=" not in p.stdout,
                         "%s (%s): stdout announces a capture: %r" % (label, name, p.stdout[:300]))
            for table in TABLES:
                checks.equal(after[table] - before[table], 0,
                             "%s (%s): new rows in %s" % (label, name, table))

    checks.finish()


if __name__ == "__main__":
    main()
