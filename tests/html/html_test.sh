#!/bin/sh
# The HTML report and folded stacks, end to end: real programs under `memtrace run` and
# synthetic captures, each checked against `memtrace summary --json`, the reports opened in
# headless Chromium (check_report.mjs).
# usage: html_test.sh CASE MEMTRACE WORKDIR [program-or-fixture-generator]
#   CASE: folded | growing | hostile | big | threads | many_threads | markers | diff | diff_big | own_malloc
set -u
case_name=$1
memtrace=$2
dir=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

record() {  # name program...
    name=$1; shift
    "$memtrace" run -o "$dir/$name.mtrace" --force -- "$@" >"$dir/$name.out" 2>"$dir/$name.err" || true
    [ -s "$dir/$name.mtrace" ] || { fail "no capture for $name: $(cat "$dir/$name.err")"; return 1; }
}

summary() {  # name
    "$memtrace" summary --json "$dir/$1.mtrace" >"$dir/$1.json" 2>"$dir/$1.summary.err" || fail "summary $1 failed: $(cat "$dir/$1.summary.err")"
}

# Every metric's folded values add up to its `summary --json` field.
check_folded() {  # name
    for pair in peak:peak_heap_bytes leaked:leaked_bytes allocated:allocated_bytes allocations:allocations temporary:temporary_allocations; do
        metric=${pair%%:*}; field=${pair#*:}
        "$memtrace" flamegraph --metric "$metric" --folded "$dir/$1.mtrace" >"$dir/$1.$metric.folded" 2>"$dir/$1.folded.err" ||
            { fail "flamegraph --folded $metric $1: $(cat "$dir/$1.folded.err")"; continue; }
        node -e '
            const fs = require("fs");
            const [file, json, field] = process.argv.slice(1);
            const want = JSON.parse(fs.readFileSync(json, "utf8"))[field];
            let sum = 0, bad = 0;
            for (const line of fs.readFileSync(file, "utf8").split("\n")) {
                if (!line) continue;
                const m = /^(.+) (\d+)$/s.exec(line);
                if (!m || m[1].split(";").some((f) => f === "")) { bad++; continue; }
                sum += Number(m[2]);
            }
            if (bad || sum !== want) { console.log(`${file}: sum ${sum}, ${field} ${want}, ${bad} malformed lines`); process.exit(1); }
        ' "$dir/$1.$metric.folded" "$dir/$1.json" "$field" || fail "folded $metric of $1 does not add up to $field"
    done
}

report() {  # name [check args...]
    name=$1; shift
    "$memtrace" report "$dir/$name.mtrace" 2>"$dir/$name.report.err" || { fail "report $name: $(cat "$dir/$name.report.err")"; return 1; }
    [ -s "$dir/$name.html" ] || { fail "report $name: no $dir/$name.html"; return 1; }
    node "$here/check_report.mjs" "$dir/$name.html" "$dir/$name.json" "$@" || fail "browser checks of $name"
}

case $case_name in
folded)
    shift 3
    for program in "$@"; do
        name=$(basename "$program")
        record "$name" "$program" && summary "$name" && check_folded "$name"
    done
    ;;
growing)
    record growing "$4" && summary growing && check_folded growing &&
        report growing --window-must-change --threads --expect-text load_config --expect-text open_session &&
        { node "$here/check_report.mjs" "$dir/growing.html" "$dir/growing.json" --dark --window-must-change ||
              fail "browser checks of growing.html with a dark colour scheme"; }
    # -o and the default name next to the capture
    "$memtrace" report -o "$dir/custom name.html" "$dir/growing.mtrace" 2>/dev/null && [ -s "$dir/custom name.html" ] || fail "report -o"
    "$memtrace" report "$dir/missing.mtrace" 2>/dev/null; [ $? = 2 ] || fail "report of a missing capture must exit 2"
    ;;
hostile)
    record hostile "$4" && summary hostile && check_folded hostile &&
        report hostile --expect-text "evil<script>alert(1)</script>'&amp;" --expect-text "void* make_box<Box<int&> >(int)"
    "$5" "$dir" || fail "fixture generator"
    summary hostile && check_folded hostile
    html="$dir/hostile.html"
    report hostile --expect-text '/tmp/"quoted" </script><img src=x onerror=alert(2)>' --expect-text '<b>bold</b>' --no-drag --threads
    grep -q '"name": "<b>w</b><img src=x onerror=alert(3)>' "$dir/hostile.json" || fail "summary --json: the markup thread name is not in thread_totals verbatim"
    # The raw markup never appears in the file outside the escaped JSON.
    grep -c '</script>' "$html" | grep -qx 2 || fail "hostile.html: a capture string closed a <script> element"
    ;;
threads)  # thread_roles: the thread filter, in both colour schemes
    record threads "$4" && summary threads && check_folded threads || exit 1
    functions="--thread-function parser=parse_records --thread-function cache=fill_cache --thread-function writer=write_output --thread-function thread_roles=main_work"
    # shellcheck disable=SC2086
    report threads --threads $functions --expect-text parser --expect-text writer
    # shellcheck disable=SC2086
    node "$here/check_report.mjs" "$dir/threads.html" "$dir/threads.json" --dark --threads $functions ||
        fail "browser checks of threads.html with a dark colour scheme"
    ;;
many_threads)  # 40 threads: the largest 32 listed, 8 in "[other threads]"; then an entry cap
    record many_threads "$4" && summary many_threads || exit 1
    # The example's numbers (examples/many_threads.c), thread by thread, and thread_totals'
    # order: u39..u08 are the largest 32, then u07..u01 and main.
    node -e '
        const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).thread_totals;
        const bad = [], names = t.map((r) => r.name);
        const want = [];
        for (let u = 39; u >= 1; u--) want.push("u" + String(u).padStart(2, "0"));
        want.push("many_threads");
        if (JSON.stringify(names) !== JSON.stringify(want)) bad.push("thread_totals order " + JSON.stringify(names));
        for (const r of t) {
            if (r.name === "many_threads") { if (!(r.allocated_bytes >= 50 && r.allocated_bytes < 101026)) bad.push("main allocated " + r.allocated_bytes); continue; }
            const u = Number(r.name.slice(1));
            const got = [r.allocations, r.allocated_bytes, r.temporary_allocations, r.leaked_bytes, r.leaked_blocks, r.peak_bytes];
            const exact = [u + 2, 100000 + 1026 * u, u, 10 * u, 1, 100000 + 1010 * u];
            if (JSON.stringify(got) !== JSON.stringify(exact)) bad.push(r.name + ": " + JSON.stringify(got) + " != " + JSON.stringify(exact));
        }
        if (bad.length) { console.log(bad.join("\n")); process.exit(1); }
    ' "$dir/many_threads.json" || fail "many_threads: thread_totals differ from the example's numbers"
    # The same capture with a cap of 100 entries (a worker's stack is a few frames: some fit),
    # checked in the same browser.
    "$5" "$dir/many_threads.mtrace" "$dir/capped.html" 100 2>"$dir/capped.err" || fail "capped report: $(cat "$dir/capped.err")"
    report many_threads --threads --other-threads 8 --expect-text work_unit --capped-page "$dir/capped.html" 100
    ;;
markers)
    record phases "$4" && summary phases && report phases --expect-markers
    ;;
big)
    "$4" "$dir" || { fail "fixture generator"; exit 1; }
    summary big
    check_folded big
    start=$(date +%s%N)
    report big --max-load-ms 10000 --threads
    end=$(date +%s%N)
    size=$(stat -c %s "$dir/big.html")
    echo "big.html: $size bytes; report + browser checks took $(( (end - start) / 1000000 )) ms"
    [ "$size" -lt 40000000 ] || fail "big.html is $size bytes (limit 40 MB)"
    ;;
own_malloc)  # a program with its own malloc: no heap events, a banner saying why
    record own_malloc "$4" && summary own_malloc || exit 1
    grep -q '"foreign_malloc": *"[^"]' "$dir/own_malloc.json" || fail "summary --json does not name the program's own malloc"
    "$memtrace" report "$dir/own_malloc.mtrace" 2>"$dir/own_malloc.report.err" || fail "report own_malloc: $(cat "$dir/own_malloc.report.err")"
    node "$here/check_banner.mjs" "$dir/own_malloc.html" foreign-malloc-note "malloc is its own" || fail "browser checks of own_malloc.html"
    ;;
diff)  # the differential page of `memtrace diff --format html`, base and head builds
    record base "$4" && record head "$5" || exit 1
    for format in json html; do
        "$memtrace" diff --format "$format" -o "$dir/diff.$format" "$dir/base.mtrace" "$dir/head.mtrace" 2>"$dir/diff.err" ||
            fail "diff --format $format: $(cat "$dir/diff.err")"
    done
    node "$here/check_diff.mjs" "$dir/diff.html" "$dir/diff.json" --expect-frame fill_cache || fail "browser checks of diff.html"
    node "$here/check_diff.mjs" "$dir/diff.html" "$dir/diff.json" --expect-frame fill_cache --dark ||
        fail "browser checks of diff.html with a dark colour scheme"
    # Frames merged by function and location: the same checks, paths keyed alike.
    for format in json html; do
        "$memtrace" diff --match line --format "$format" -o "$dir/diff_line.$format" "$dir/base.mtrace" "$dir/head.mtrace" 2>"$dir/diff.err" ||
            fail "diff --match line --format $format: $(cat "$dir/diff.err")"
    done
    node "$here/check_diff.mjs" "$dir/diff_line.html" "$dir/diff_line.json" --expect-frame fill_cache || fail "browser checks of diff_line.html"
    ;;
diff_big)  # two synthetic 100000-stack captures: the diff page's graph is pruned
    "$4" "$dir" diff || { fail "fixture generator"; exit 1; }
    for format in json html; do
        "$memtrace" diff --format "$format" -o "$dir/diff.$format" "$dir/big.mtrace" "$dir/big_head.mtrace" 2>"$dir/diff.err" ||
            fail "diff --format $format: $(cat "$dir/diff.err")"
    done
    size=$(stat -c %s "$dir/diff.html")
    echo "diff.html: $size bytes"
    [ "$size" -lt 4000000 ] || fail "diff.html is $size bytes (limit 4 MB)"
    node "$here/check_diff.mjs" "$dir/diff.html" "$dir/diff.json" --expect-pruned || fail "browser checks of diff.html"
    ;;
*)
    echo "unknown case $case_name"; exit 2 ;;
esac

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "html $case_name: all checks passed"
