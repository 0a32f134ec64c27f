#!/bin/sh
# test_no_cycles: the library's files depend on one another in one
# direction only. No circle of includes among the headers of lib/, proto/,
# util/ and include/, and no circle of calls among the library's objects
# (file A calling into B while B calls into A, directly or round about):
# a circle means two files that are one module in two pieces.
# Usage: test_no_cycles.sh BUILD_DIR
set -u
build=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 - "$here" "$build" <<'PY'
import glob, os, re, subprocess, sys

here, build = sys.argv[1], sys.argv[2]

def cycles(graph):
    """The strongly connected parts of more than one node (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(100000)
    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))
    for v in graph:
        if v not in index:
            visit(v)
    return found

includes = {}
for top in ("lib", "proto", "util", "include"):
    for path in glob.glob(os.path.join(here, top, "**", "*.h"), recursive=True):
        name = os.path.relpath(path, here)
        text = open(path, encoding="utf-8").read()
        named = re.findall(r'#include "([^"]+)"', text)
        includes[name] = ["include/" + n if n.startswith("krunsh/") else n for n in named]
include_graph = {h: [n for n in ns if n in includes] for h, ns in includes.items()}

objects = sorted(glob.glob(os.path.join(build, "lib", "**", "*.o"), recursive=True) +
                 glob.glob(os.path.join(build, "proto", "*.o")))
if not objects:
    print("not ok - test_no_cycles: no objects under %s/lib" % build)
    sys.exit(1)
defined, needed = {}, {}
for o in objects:
    out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
    defined[o] = {f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[1] in "TDBR"}
    needed[o] = {f[1] for f in (l.split() for l in out.splitlines()) if len(f) == 2 and f[0] == "U"}
owner = {s: o for o, names in defined.items() for s in names}
call_graph = {o: sorted({owner[s] for s in needed[o] if owner.get(s, o) != o}) for o in objects}

bad = 0
for part in cycles(include_graph):
    print("not ok - test_no_cycles: headers include one another in a circle: " + " ".join(part))
    bad = 1
for part in cycles(call_graph):
    print("not ok - test_no_cycles: objects call one another in a circle: " +
          " ".join(os.path.relpath(p, build) for p in part))
    bad = 1
if not bad:
    print("ok - test_no_cycles: %d library headers and %d objects, no circle of includes or calls"
          % (len(include_graph), len(objects)))
sys.exit(bad)
PY
