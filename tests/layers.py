#!/usr/bin/python3
"""layers.py [ROOT [BUILD]] — the layers of core/ and helpers/ (core/README.md).

Each folder of core/ is a subsystem, and the folders form layers: a file
may include headers of its own folder and public headers of folders in
lower layers, never a higher layer's nor a sibling's of the same layer, and
never another folder's internal header (one named *_internal.h).  A header
of the own folder is included by its bare name, one of another folder by
FOLDER/NAME.h; core/'s top-level headers (version.h) are open to every
file.  Tests, benchmarks and fuzz targets may include any public header.

The same rules are checked again on what the compiler made, so that no
`extern` declaration or macro gets round them: in the object files under
BUILD (default ROOT/build), a symbol used by one file and defined by
another is an arrow between them; no arrow may point to a higher layer or
a sibling, and the files of one folder must not call each other in a
circle (a circle means their split is not a real one: take the shared part
out into a file of its own).  `nm` reads the objects; without a build this
part is reported as not run.

Prints "ok - ..." / "not ok - ..." lines for tests/run.sh and exits 1 on
any breach.  ROOT (default: the repository this file is in) lets
tests/layers_selftest.sh run the check on a broken copy.
"""
import collections
import glob
import os
import re
import subprocess
import sys

# Bottom first.  Folders on one line are siblings: neither includes the
# other.  A new folder of core/ must be placed here.
LAYERS = [
    ["lib"],                # heap, suggestions, YAML document, proc/fs helpers
    ["time"],               # clock, tzdata zones, civil calendar
    ["log"],                # daemon log, task logs, rotating files
    ["config"],             # config.yaml: fields, env overrides, log setup
    ["schedule"],           # next-fire math, cron, schedule in words
    ["task"],               # task model, fields, sandbox, DSL, discovery, rocks
    ["source"],             # SQL sources: table readers, rows to task items
    ["store"],              # SQLite: tasks, runs, state, backups
    ["notify"],             # notifier, its channels, alerts
    ["run"],                # executor, run protocol, sessions, orphans
    ["helpers"],            # the run's Lua VM and its C modules (../helpers)
    ["engine", "runner"],   # fires to runs | `main __run`
    ["api"],                # HTTP API: server, routes, tokens
    ["daemon"],             # daemon life, control socket, watchers
    ["cli"],                # options, commands, views
]
TOP = "main.c"              # core/main.c sits above every layer

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rank_of():
    ranks = {}
    for i, names in enumerate(LAYERS):
        for name in names:
            ranks[name] = i
    return ranks


def folder_of(root, path):
    """The layer folder of a source file, "" for core/'s top, None outside."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "helpers":
        return "helpers"
    if rel[0] == "core":
        return rel[1] if len(rel) > 2 else ""
    return None


def header_path(root, folder, name):
    base = os.path.join(root, "helpers") if folder == "helpers" else os.path.join(root, "core", folder)
    return os.path.join(base, name)


def check_file(root, path, ranks, top_headers):
    """The breaches of one file, as messages."""
    own = folder_of(root, path)
    rel = os.path.relpath(path, root)
    text = open(path, encoding="utf-8", errors="replace").read()
    problems = []
    for m in INCLUDE.finditer(text):
        target = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        where = "%s:%d: #include \"%s\"" % (rel, line, target)
        if "/" not in target:
            if target in top_headers:
                continue
            if own is None:
                if not os.path.exists(os.path.join(os.path.dirname(path), target)):
                    problems.append(where + ": name the folder (FOLDER/%s)" % target)
                continue
            if not os.path.exists(os.path.join(os.path.dirname(path), target)):
                problems.append(where + ": not a header of this folder; name its folder")
            continue
        folder, name = target.split("/", 1)
        if folder not in ranks:
            problems.append(where + ": '%s' is not a layer (tests/layers.py)" % folder)
            continue
        if not os.path.exists(header_path(root, folder, name)):
            problems.append(where + ": no such header")
            continue
        if folder == own:
            problems.append(where + ": a header of the own folder is included by its bare name")
            continue
        if name.endswith("_internal.h"):
            problems.append(where + ": internal to %s/" % folder)
            continue
        if own is None or own == "":
            continue        # tests and main.c see every public header
        if ranks[folder] == ranks[own]:
            problems.append(where + ": %s/ and %s/ are siblings" % (own, folder))
        elif ranks[folder] > ranks[own]:
            problems.append(where + ": %s/ is above %s/" % (folder, own))
    return problems


def object_graph(root, build):
    """{object: {objects whose symbols it uses}} for the sources of core/*/
    and helpers/ (stale objects of removed files are not looked at), or
    None when some object is missing."""
    sources = sorted(glob.glob(os.path.join(root, "core", "*", "*.c")) +
                     glob.glob(os.path.join(root, "helpers", "*.c")))
    objects = [os.path.join(build, os.path.relpath(src, root))[:-2] + ".o" for src in sources]
    if not objects or not all(os.path.exists(obj) for obj in objects):
        return None
    defined, used = {}, collections.defaultdict(set)
    for obj in objects:
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "TDBRCV":
                defined[fields[2]] = obj
            elif len(fields) == 2 and fields[0] == "U":
                used[obj].add(fields[1])
    graph = {obj: set() for obj in objects}
    for obj, symbols in used.items():
        for sym in symbols:
            if sym in defined and defined[sym] != obj:
                graph[obj].add(defined[sym])
    return graph


def object_folder(obj):
    return os.path.basename(os.path.dirname(obj))


def circles(graph):
    """Strongly connected sets of more than one file within one folder."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if object_folder(w) != object_folder(v):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def check_objects(root, build, ranks):
    """(problems, checked) for the symbol arrows between object files."""
    graph = object_graph(root, build)
    if graph is None:
        return [], False
    problems = []
    for obj in sorted(graph):
        own = object_folder(obj)
        for dep in sorted(graph[obj]):
            folder = object_folder(dep)
            if folder == own or own not in ranks or folder not in ranks:
                continue
            if ranks[folder] >= ranks[own]:
                problems.append("%s uses %s: %s/ is %s %s/" % (
                    os.path.relpath(obj, build), os.path.relpath(dep, build), folder,
                    "a sibling of" if ranks[folder] == ranks[own] else "above", own))
    for comp in circles(graph):
        problems.append("%s/ files call each other in a circle: %s" % (
            object_folder(comp[0]), ", ".join(os.path.basename(o)[:-2] + ".c" for o in comp)))
    return problems, True


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    build = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "build"))
    ranks = rank_of()
    core = os.path.join(root, "core")
    top_headers = {f for f in os.listdir(core) if f.endswith(".h")}
    failed = 0

    unplaced = sorted(d for d in os.listdir(core)
                      if os.path.isdir(os.path.join(core, d)) and d not in ranks)
    if unplaced:
        print("not ok - layers: folders of core/ with no layer: %s" % ", ".join(unplaced))
        failed += 1
    else:
        print("ok - layers: every folder of core/ has a layer")
    strays = sorted(f for f in os.listdir(core)
                    if f.endswith(".c") and f != TOP)
    if strays:
        print("not ok - layers: C files at core/'s top besides %s: %s" % (TOP, ", ".join(strays)))
        failed += 1

    order = " < ".join(" | ".join(names) for names in LAYERS) + " < " + TOP
    print("# layer order, bottom first: " + order)

    sources = []
    for top in ("core", "helpers", "tests", "bench"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [x for x in dirs if x not in ("fixtures", "out", "corpus", "regressions")]
            sources += [os.path.join(d, f) for f in files if f.endswith((".c", ".h"))]
    problems = []
    for path in sorted(sources):
        problems += check_file(root, path, ranks, top_headers)
    if problems:
        for p in problems:
            print("not ok - layers: " + p)
        failed += len(problems)
    else:
        print("ok - layers: %d files include only their own folder and lower layers' public headers"
              % len(sources))

    problems, checked = check_objects(root, build, ranks)
    if not checked:
        print("ok - layers: %s lacks object files, symbol arrows not checked # SKIP" % build)
    elif problems:
        for p in problems:
            print("not ok - layers: " + p)
        failed += len(problems)
    else:
        print("ok - layers: the object files' symbol arrows point down, no circle within a folder")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
