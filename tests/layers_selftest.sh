#!/bin/sh
# layers_selftest.sh — tests/layers.py fails when a rule is broken.
#
# Each case builds a small tree under a temporary root (core/ with two or
# three folders, and their object files where the symbol part is tested),
# runs the check on it and expects the breach to be named.  The clean tree
# first: it must pass, so that the failures below are the breaches'.
set -u
LAYERS=$(pwd)/tests/layers.py
CC=${CC:-cc}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# tree NAME: a fresh root $TMP/NAME with core/time/clock.{c,h},
# core/engine/engine.{c,h}, core/engine/engine_internal.h and core/main.c.
tree() {
    ROOT=$TMP/$1
    mkdir -p "$ROOT/core/time" "$ROOT/core/engine" "$ROOT/helpers"
    printf 'int clock_now(void);\n' >"$ROOT/core/time/clock.h"
    printf '#include "clock.h"\nint clock_now(void) { return 1; }\n' >"$ROOT/core/time/clock.c"
    printf 'int engine_start(void);\n' >"$ROOT/core/engine/engine.h"
    printf 'int engine_secret(void);\n' >"$ROOT/core/engine/engine_internal.h"
    printf '#include "engine.h"\n#include "engine_internal.h"\n#include "time/clock.h"\n%s\n' \
        'int engine_start(void) { return clock_now(); }' >"$ROOT/core/engine/engine.c"
    printf '#include "engine/engine.h"\nint main(void) { return engine_start(); }\n' \
        >"$ROOT/core/main.c"
}

# objects: compile every core/*/*.c of $ROOT into $ROOT/build.
objects() {
    for src in "$ROOT"/core/*/*.c; do
        rel=${src#"$ROOT"/}
        mkdir -p "$ROOT/build/$(dirname "$rel")"
        "$CC" -c -I"$ROOT/core" -o "$ROOT/build/${rel%.c}.o" "$src" || return 1
    done
}

# expect NAME STATUS TEXT: run the check on $ROOT; pass when it exits with
# STATUS and, for a failure, prints TEXT on a "not ok" line.
expect() {
    /usr/bin/python3 "$LAYERS" "$ROOT" "$ROOT/build" >"$TMP/out" 2>&1
    got=$?
    if [ "$got" -ne "$2" ]; then
        echo "not ok - $1: exit $got, want $2"
        sed 's/^/#   /' "$TMP/out"
    elif [ -n "$3" ] && ! grep '^not ok' "$TMP/out" | grep -qF -- "$3"; then
        echo "not ok - $1: no breach naming '$3'"
        sed 's/^/#   /' "$TMP/out"
    else
        echo "ok - $1"
    fi
}

tree clean
objects && expect layers_pass_a_clean_tree 0 ""

tree upward_include
printf '#include "engine/engine.h"\n' >>"$ROOT/core/time/clock.c"
expect layers_refuse_an_include_of_a_higher_layer 1 \
    'core/time/clock.c:3: #include "engine/engine.h": engine/ is above time/'

tree internal_header
printf '#include "engine/engine_internal.h"\n' >>"$ROOT/core/main.c"
expect layers_refuse_another_folders_internal_header 1 'internal to engine/'

tree bare_name
printf '#include "engine.h"\n' >>"$ROOT/core/time/clock.c"
expect layers_refuse_a_bare_name_of_another_folder 1 'not a header of this folder'

tree unplaced
mkdir -p "$ROOT/core/gadgets"
expect layers_refuse_a_folder_without_a_layer 1 'folders of core/ with no layer: gadgets'

# An arrow no #include shows: an extern declaration of a higher layer's
# function, seen only in the object files.
tree upward_symbol
printf 'int engine_start(void);\nint clock_ask(void) { return engine_start(); }\n' \
    >>"$ROOT/core/time/clock.c"
objects && expect layers_refuse_a_call_into_a_higher_layer 1 \
    'core/time/clock.o uses core/engine/engine.o: engine/ is above time/'

tree circle
printf 'int engine_start(void);\nint engine_more(void) { return engine_start(); }\n' \
    >"$ROOT/core/engine/more.c"
printf 'int engine_more(void);\n%s\n' 'int engine_start2(void) { return engine_more(); }' \
    >>"$ROOT/core/engine/engine.c"
objects && expect layers_refuse_a_circle_within_a_folder 1 \
    'engine/ files call each other in a circle: engine.c, more.c'
