#!/usr/bin/env python3
"""memtrace export, end to end: real programs under `memtrace run`, each export read back by
the tool it is for, every number compared with memtrace's own (`summary --json` and the folded
stacks of `memtrace flamegraph --folded`, which the HTML tests tie to the summary).

usage: export_test.py CASE --memtrace M --work DIR [--go GO] [--ms-print MS] [--node NODE]
                      [--node-modules DIR] [--check-speedscope MJS] PROGRAM...
CASE: pprof | folded | speedscope | massif | csv | soak | bad_input
A missing oracle tool fails the test (never a silent skip)."""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys

failures = []


def fail(message):
    print("FAIL: " + message)
    failures.append(message)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=kw.pop("text", True), **kw)


def need_tool(path, package):
    if not path or not (os.path.isfile(path) or shutil.which(path)):
        print(f"FAIL: oracle tool {path or '?'} not found: install the Debian package {package} (scripts/setup.sh)")
        sys.exit(1)


# Folded metric -> (summary --json field, pprof sample type or None)
METRICS = {
    "peak": ("peak_heap_bytes", None),
    "leaked": ("leaked_bytes", "inuse_space"),
    "allocated": ("allocated_bytes", "alloc_space"),
    "allocations": ("allocations", "alloc_objects"),
    "temporary": ("temporary_allocations", None),
}


class Capture:
    def __init__(self, opts, program, run_options=(), tag=""):
        self.opts = opts
        self.program = program
        self.name = os.path.basename(program) + tag
        self.base = os.path.join(opts.work, self.name)
        self.path = self.base + ".mtrace"
        self.folded_cache = {}
        self.folded_text = {}
        r = run([opts.memtrace, "run", *run_options, "-o", self.path, "--force", "--", program])
        if not os.path.exists(self.path):
            fail(f"no capture for {program}: {r.stderr}")
            self.summary = None
            return
        r = run([opts.memtrace, "summary", "--json", self.path])
        self.summary = json.loads(r.stdout) if r.returncode == 0 else None
        if self.summary is None:
            fail(f"summary of {self.name}: {r.stderr}")

    def export(self, fmt, *extra):
        out = f"{self.base}.{fmt}{''.join('.' + e for e in extra if not e.startswith('-'))}"
        r = run([self.opts.memtrace, "export", "--format", fmt, *extra, "-o", out, self.path])
        if r.returncode != 0:
            fail(f"export --format {fmt} {' '.join(extra)} of {self.name}: exit {r.returncode}: {r.stderr}")
            return None
        return out

    def folded(self, metric):
        """The flamegraph command's folded stacks: {stack: value} (memoized)."""
        if metric not in self.folded_cache:
            self.folded_cache[metric] = self.run_folded(metric)
        return self.folded_cache[metric]

    def run_folded(self, metric):
        r = run([self.opts.memtrace, "flamegraph", "--folded", "--metric", metric, self.path])
        if r.returncode != 0:
            fail(f"flamegraph --folded {metric} {self.name}: {r.stderr}")
        self.folded_text[metric] = r.stdout
        return parse_folded(r.stdout)


def parse_folded(text):
    stacks = {}
    for line in text.splitlines():
        stack, _, value = line.rpartition(" ")
        stacks[stack] = stacks.get(stack, 0) + int(value)
    return stacks


def leaf_sums(folded):
    sums = collections.Counter()
    for stack, value in folded.items():
        sums[stack.split(";")[-1]] += value
    return sums


def folded_name(name):
    return "".join("," if c == ";" else " " if c in "\r\n" else c for c in name)


# ---------------------------------------------------------------- pprof


def parse_pprof_raw(text):
    """go tool pprof -raw: sample types, samples (values, location ids), locations (lines), mappings."""
    section, types, samples, locations, mappings = None, [], [], {}, []
    current = None
    for line in text.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            if not types:
                types = line.split()
                continue
            m = re.match(r"^\s*([\d\s]+):((?:\s+\d+)*)\s*$", line)
            if m:
                samples.append(([int(v) for v in m.group(1).split()], [int(i) for i in m.group(2).split()]))
        elif section == "Locations":
            m = re.match(r"^\s*(\d+): (0x[0-9a-f]+)(?: M=(\d+))? (.*) s=\d+$", line)
            if m:
                current = locations[int(m.group(1))] = {"mapping": m.group(3), "lines": []}
                rest = m.group(4)
            else:
                rest = re.sub(r" s=\d+$", "", line.strip())
            name, _, fileline = rest.rpartition(" ")
            current["lines"].append((name, fileline))
        elif section == "Mappings" and line.strip():
            mappings.append(line.strip())
    return types, samples, locations, mappings


def pprof_stacks(samples, locations, index):
    stacks = collections.Counter()
    for values, ids in samples:
        names = [folded_name(n) for i in ids for n, _ in locations[i]["lines"]]  # innermost first
        if values[index]:
            stacks[";".join(reversed(names))] += values[index]
    return dict(stacks)


def parse_top(text):
    """go tool pprof -top: (total, {name: flat})."""
    m = re.search(r"of (\d+)B? total", text) or re.search(r"Total samples = (\d+)", text)
    total = int(m.group(1)) if m else None
    flats = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+)B?\s+[\d.]+%\s+[\d.]+%\s+\d+B?\s+[\d.]+%\s+(.*)$", line)
        if m:
            flats[m.group(2)] = int(m.group(1))
    return total, flats


def build_id(program):
    r = run(["readelf", "-n", program])
    m = re.search(r"Build ID: ([0-9a-f]+)", r.stdout)
    return m.group(1) if m else None


def check_pprof(opts, cap):
    out = cap.export("pprof")
    if not out:
        return
    with open(out, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            fail(f"{out}: not gzip")
    env = dict(os.environ, PPROF_TMPDIR=opts.work, HOME=opts.work)
    r = run([opts.go, "tool", "pprof", "-raw", "-symbolize=none", out], env=env)
    if r.returncode != 0:
        fail(f"go tool pprof -raw {out}: {r.stderr}")
        return
    types, samples, locations, mappings = parse_pprof_raw(r.stdout)
    want_types = ["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"]
    if types != want_types:
        fail(f"{cap.name}: sample types {types}, want {want_types}")
        return
    s = cap.summary
    for i, field in enumerate(["allocations", "allocated_bytes", "leaked_blocks", "leaked_bytes"]):
        total = sum(values[i] for values, _ in samples)
        if total != s[field]:
            fail(f"{cap.name}: pprof {types[i]} total {total} != summary {field} {s[field]}")
    # Stack by stack, pprof's view equals the folded stacks of the same metric.
    for metric, (field, sample_type) in METRICS.items():
        if not sample_type:
            continue
        index = [t.split("/")[0] for t in types].index(sample_type)
        got, want = pprof_stacks(samples, locations, index), cap.folded(metric)
        if got != want:
            fail(f"{cap.name}: pprof {sample_type} stacks differ from folded {metric}:\n  pprof  {sorted(got.items())}\n  folded {sorted(want.items())}")
    # The main binary is mapping 1, with its path and build-id.
    want_id, real = build_id(cap.program), os.path.realpath(cap.program)
    if not mappings or f" {real} {want_id} " not in mappings[0] + " ":
        fail(f"{cap.name}: first mapping {mappings[:1]} is not {real} with build-id {want_id}")
    # `pprof -top`, as a user reads it: totals and the top functions' flat values.
    for metric in ("allocated", "leaked", "allocations"):
        field, sample_type = METRICS[metric]
        r = run([opts.go, "tool", "pprof", "-top", "-symbolize=none", f"-sample_index={sample_type}", "-nodefraction=0",
                 "-nodecount=1000"] + (["-unit=B"] if "space" in sample_type else []) + [out], env=env)
        total, flats = parse_top(r.stdout)
        if r.returncode != 0 or total is None:
            fail(f"{cap.name}: go tool pprof -top {sample_type}: {r.stderr}{r.stdout}")
            continue
        if total != s[field] and not (total == 0 and s[field] == 0):
            fail(f"{cap.name}: pprof -top {sample_type} total {total} != summary {field} {s[field]}")
        leaves = leaf_sums(cap.folded(metric))
        got = sorted((v for v in flats.values() if v), reverse=True)
        want = sorted((v for v in leaves.values() if v), reverse=True)
        if got != want:
            fail(f"{cap.name}: pprof -top {sample_type} flat values {got} != folded leaf sums {want}")
        for name, flat in flats.items():  # C names are shown whole; C++ ones pprof shortens
            if name in leaves and leaves[name] != flat:
                fail(f"{cap.name}: pprof -top {sample_type}: {name} flat {flat} != {leaves[name]}")
    print(f"pprof {cap.name}: {len(samples)} samples, {len(locations)} locations; totals {[s[f] for f in ['allocations', 'allocated_bytes', 'leaked_blocks', 'leaked_bytes']]} match")
    return locations, mappings


def check_inline(locations, mappings, name):
    """inline_service: the malloc call's location carries the whole inline chain, innermost
    first: make_record (inlined into) make_entry (inlined into) build_table, as addr2line -i
    shows it; the mapping says [IN]."""
    for loc in locations.values():
        names = [n for n, _ in loc["lines"]]
        if names == ["make_record", "make_entry", "build_table"]:
            break
    else:
        fail(f"{name}: no location with inline lines make_record, make_entry, build_table: {locations}")
    if "[IN]" not in mappings[0]:
        fail(f"{name}: main mapping lacks has_inline_frames: {mappings[0]}")


# ---------------------------------------------------------------- the other formats


def check_folded(opts, cap, soak=False):
    for metric, (field, _) in METRICS.items():
        out = cap.export("folded", "--metric", metric)
        if not out:
            continue
        text = open(out).read()
        cap.folded(metric)
        if text != cap.folded_text[metric]:
            fail(f"{cap.name}: export --format folded --metric {metric} differs from flamegraph --folded")
        # Soak: per-stack values at the peak come from the nearest snapshot, not the exact peak.
        if sum(parse_folded(text).values()) != cap.summary[field] and not (soak and metric == "peak"):
            fail(f"{cap.name}: folded {metric} adds up to {sum(parse_folded(text).values())}, not {field} {cap.summary[field]}")
    default = cap.export("folded")
    if default and open(default).read() != open(f"{cap.base}.folded.peak").read():
        fail(f"{cap.name}: the default folded metric is not peak")
    print(f"folded {cap.name}: every metric equals flamegraph --folded and its summary total")


def check_speedscope(opts, cap, files):
    for metric, (field, _) in METRICS.items():
        out = cap.export("speedscope", "--metric", metric)
        if not out:
            continue
        files.append(out)
        data = json.load(open(out))
        if len(data["profiles"]) != len(METRICS):
            fail(f"{cap.name}: speedscope has {len(data['profiles'])} profiles, want one per metric ({len(METRICS)})")
        profile = data["profiles"][data["activeProfileIndex"]]  # --metric picks the one shown first
        frames = data["shared"]["frames"]
        total = sum(profile["weights"])
        if total != cap.summary[field] or profile["endValue"] != total:
            fail(f"{cap.name}: speedscope {metric} weights {total}, endValue {profile['endValue']}, summary {field} {cap.summary[field]}")
        want_unit = "none" if metric in ("allocations", "temporary") else "bytes"
        if profile["unit"] != want_unit:
            fail(f"{cap.name}: speedscope {metric} unit {profile['unit']}")
        stacks = collections.Counter()
        for sample, weight in zip(profile["samples"], profile["weights"]):
            stacks[";".join(folded_name(frames[i]["name"]) for i in sample)] += weight  # root first
        if dict(stacks) != cap.folded(metric):
            fail(f"{cap.name}: speedscope {metric} stacks differ from the folded ones")
    print(f"speedscope {cap.name}: every metric's stacks and totals match")


def parse_ms_print(text):
    rows, peak = [], None
    m = re.search(r"Detailed snapshots: \[(.*)\]", text)
    if m:
        p = re.search(r"(\d+) \(peak\)", m.group(1))
        peak = int(p.group(1)) if p else None
    for line in text.splitlines():
        r = re.match(r"^\s+(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s*$", line)
        if r:
            rows.append([int(g.replace(",", "")) for g in r.groups()])
    return rows, peak


def massif_trees_add_up(path):
    """In every heap tree a node with children holds exactly the sum of its children (massif's
    own invariant; ms_print only checks that no node exceeds the snapshot)."""
    nodes = [(int(m.group(1)), int(m.group(2))) for m in
             (re.match(r"^\s*n(\d+): (\d+)", line) for line in open(path)) if m]
    bad, pos = [], 0

    def walk():
        nonlocal pos
        children, size = nodes[pos]
        pos += 1
        total = sum(walk() for _ in range(children))
        if children and total != size:
            bad.append((size, total))
        return size

    while pos < len(nodes):
        walk()
    return bad


def check_massif(opts, cap, min_snapshots):
    out = cap.export("massif")
    if not out:
        return
    bad = massif_trees_add_up(out)
    if bad:
        fail(f"{cap.name}: massif tree nodes that are not the sum of their children: {bad[:5]}")
    r = run([opts.ms_print, out])
    if r.returncode != 0:
        fail(f"ms_print {out}: {r.stderr}")
        return
    rows, peak = parse_ms_print(r.stdout)
    s = cap.summary
    totals = {row[0]: row[2] for row in rows}
    if peak is None or totals.get(peak) != s["peak_heap_bytes"]:
        fail(f"{cap.name}: ms_print peak snapshot {peak} total {totals.get(peak)} != peak_heap_bytes {s['peak_heap_bytes']}")
    if max(totals.values(), default=-1) != s["peak_heap_bytes"]:
        fail(f"{cap.name}: ms_print's largest snapshot {max(totals.values(), default=-1)} != peak_heap_bytes")
    if not rows or rows[-1][2] != s["leaked_bytes"]:
        fail(f"{cap.name}: ms_print's last snapshot {rows[-1:]} != leaked_bytes {s['leaked_bytes']}")
    tree_top = f"100.00% ({s['peak_heap_bytes']:,}B) (heap allocation functions)"
    if s["peak_heap_bytes"] and tree_top not in r.stdout:
        fail(f"{cap.name}: ms_print shows no peak tree '{tree_top}'")
    if len(rows) < min_snapshots:
        fail(f"{cap.name}: {len(rows)} massif snapshots, expected at least {min_snapshots}")
    print(f"massif {cap.name}: {len(rows)} snapshots, peak {s['peak_heap_bytes']} and end {s['leaked_bytes']} read back by ms_print")


CSV_HEADER = "time_us,bucket_us,heap_max_bytes,heap_end_bytes,mmap_max_bytes,rss_max_bytes"


def check_csv(opts, cap, min_rows, soak=False):
    out = cap.export("csv")
    if not out:
        return
    lines = open(out).read().splitlines()
    if not lines or lines[0] != CSV_HEADER:
        fail(f"{cap.name}: csv header {lines[:1]}")
        return
    rows = []
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) != 6 or not all(re.fullmatch(r"\d+", f) for f in fields[:5]) or not re.fullmatch(r"\d*", fields[5]):
            fail(f"{cap.name}: bad csv row {line!r}")
            return
        rows.append([int(f) if f else None for f in fields])
    s = cap.summary
    times = [r[0] for r in rows]
    if times != sorted(set(times)):
        fail(f"{cap.name}: csv times not increasing")
    # A soak capture's timeline has only its snapshots: the peak between two is not in it.
    if max(r[2] for r in rows) != s["peak_heap_bytes"] and not (soak and max(r[2] for r in rows) <= s["peak_heap_bytes"]):
        fail(f"{cap.name}: csv heap max {max(r[2] for r in rows)} != peak_heap_bytes {s['peak_heap_bytes']}")
    if rows[-1][3] != s["leaked_bytes"]:
        fail(f"{cap.name}: csv last heap_end_bytes {rows[-1][3]} != leaked_bytes {s['leaked_bytes']}")
    if max((r[5] or 0) for r in rows) != s["peak_rss_bytes"] and not soak:
        fail(f"{cap.name}: csv rss max != peak_rss_bytes {s['peak_rss_bytes']}")
    if max(r[4] for r in rows) != s["mmap_bytes_peak"] and not soak:
        fail(f"{cap.name}: csv mmap max {max(r[4] for r in rows)} != mmap_bytes_peak {s['mmap_bytes_peak']}")
    if len(rows) < min_rows:
        fail(f"{cap.name}: {len(rows)} csv rows, expected at least {min_rows}")
    print(f"csv {cap.name}: {len(rows)} rows; peak heap, end heap, peak RSS and peak mmap match")


def check_bad_input(opts):
    work = opts.work
    garbage = os.path.join(work, "garbage.mtrace")
    with open(garbage, "wb") as f:
        f.write(b"this is not a memtrace capture\n" * 10)
    empty = os.path.join(work, "empty.mtrace")
    open(empty, "wb").close()
    good = Capture(opts, opts.programs[0]).path
    cases = [
        ("missing capture", ["--format", "pprof", os.path.join(work, "missing.mtrace")], True),
        ("garbage capture", ["--format", "folded", garbage], True),
        ("empty capture", ["--format", "csv", empty], True),
        ("unknown format", ["--format", "svg", good], False),
        ("no format", [good], False),
        ("unknown metric", ["--format", "folded", "--metric", "bogus", good], False),
        ("--metric with pprof", ["--format", "pprof", "--metric", "leaked", good], True),
        ("unknown --from marker", ["--format", "csv", "--from", "no-such-marker", good], True),
        ("unwritable output", ["--format", "massif", "-o", os.path.join(work, "no", "such", "dir.out"), good], True),
    ]
    for what, args, one_line in cases:
        r = run([opts.memtrace, "export", *args])
        if r.returncode != 2:
            fail(f"export with {what}: exit {r.returncode}, want 2 ({r.stderr.strip()})")
        lines = r.stderr.strip().splitlines()
        if not lines or (one_line and len(lines) != 1) or "memtrace" not in r.stderr and one_line:
            fail(f"export with {what}: stderr should be one line, got {r.stderr!r}")
    # A capture cut in half (a killed process) still exports what it holds.
    data = open(good, "rb").read()
    cut = os.path.join(work, "cut.mtrace")
    open(cut, "wb").write(data[: len(data) // 2])
    r = run([opts.memtrace, "export", "--format", "pprof", "-o", os.path.join(work, "cut.pprof"), cut])
    if r.returncode != 0 or open(os.path.join(work, "cut.pprof"), "rb").read(2) != b"\x1f\x8b":
        fail(f"export of a cut capture: exit {r.returncode}: {r.stderr}")
    print(f"bad input: {len(cases)} cases exit 2 with one line")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--memtrace", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--go")
    ap.add_argument("--ms-print")
    ap.add_argument("--node")
    ap.add_argument("--node-modules")
    ap.add_argument("--check-speedscope")
    ap.add_argument("programs", nargs="+")
    opts = ap.parse_args()
    shutil.rmtree(opts.work, ignore_errors=True)
    os.makedirs(opts.work)

    if opts.case == "bad_input":
        check_bad_input(opts)
    else:
        if opts.case in ("pprof", "soak"):
            need_tool(opts.go, "golang-go")
            need_tool("readelf", "binutils")
        if opts.case in ("massif", "soak"):
            need_tool(opts.ms_print, "valgrind")
        if opts.case == "speedscope":
            need_tool(opts.node, "nodejs")
        speedscope_files = []
        for program in opts.programs:
            soak = opts.case == "soak"
            cap = Capture(opts, program, ["--soak=5ms"] if soak else [])
            if cap.summary is None:
                continue
            slow = os.path.basename(program) == "export_inline_service"  # ~20 ms of growth
            if opts.case == "pprof":
                result = check_pprof(opts, cap)
                if result and slow:
                    check_inline(*result, cap.name)
            elif opts.case == "folded":
                check_folded(opts, cap)
            elif opts.case == "speedscope":
                check_speedscope(opts, cap, speedscope_files)
            elif opts.case == "massif":
                check_massif(opts, cap, 10 if slow else 2)
            elif opts.case == "csv":
                check_csv(opts, cap, 10 if slow else 1)
            elif opts.case == "soak":  # the same checks on a soak capture (docs/SOAK.md)
                check_pprof(opts, cap)
                check_folded(opts, cap, soak=True)
                check_massif(opts, cap, 2)
                check_csv(opts, cap, 1, soak=True)
            else:
                print(f"unknown case {opts.case}")
                return 2
        if opts.case == "pprof":  # a byte-sampled capture: pprof shows the model's estimates unscaled
            cap = Capture(opts, opts.programs[0], ["--sample-rate", "4K"], tag=".sampled")
            if cap.summary is not None:
                check_pprof(opts, cap)
        if opts.case == "speedscope":
            r = run([opts.node, opts.check_speedscope, opts.node_modules, *speedscope_files])
            print(r.stdout.strip())
            if r.returncode != 0:
                fail(f"speedscope schema validation: {r.stdout}{r.stderr}")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"export {opts.case}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
