#!/bin/sh
# install_docs.sh — `make install` puts the program, its man page and its
# bash and zsh completions where man and the shells look; the man page
# renders without a warning; the bash completion completes commands,
# options and task names.
#
# Run from the repository root after ./main is built.  Installs into a
# temporary DESTDIR only, with `make -o main` so the installed binary is
# the one built (never a rebuild under other flags while tests run).
set -u
. tests/e2e/lib.sh
e2e_setup
dest="$E2E_ROOT/dest"
out="$E2E_ROOT/out"

make -s -o main install DESTDIR="$dest" PREFIX=/usr/local >"$out" 2>&1
rc=$?
for f in bin/task-scheduler share/man/man1/task-scheduler.1 \
    share/bash-completion/completions/task-scheduler share/zsh/site-functions/_task-scheduler; do
    e2e_check "install_puts_$(basename "$f")" "make install exit 0 and /usr/local/$f, got $rc: $(cat "$out")" \
        [ "$rc" -eq 0 ] && [ -s "$dest/usr/local/$f" ]
done
e2e_check installed_binary_is_executable "bin/task-scheduler executable" \
    [ -x "$dest/usr/local/bin/task-scheduler" ]

"$dest/usr/local/bin/task-scheduler" --version >"$out" 2>&1
e2e_check installed_binary_names_itself "task-scheduler VERSION, got: $(cat "$out")" \
    grep -q '^task-scheduler ' "$out"

# groff -ww: every warning (groff-base is a test dependency of the Makefile).
page="$dest/usr/local/share/man/man1/task-scheduler.1"
groff -man -Tutf8 -ww -z "$page" >"$out" 2>&1
rc=$?
e2e_check man_page_renders_without_warnings "exit 0 and no warning, got $rc: $(cat "$out")" \
    [ "$rc" -eq 0 ] && [ ! -s "$out" ]
groff -man -Tascii -P-cbou "$page" >"$out" 2>/dev/null
e2e_check man_page_has_its_sections "NAME, COMMANDS, EXIT STATUS, FILES, ENVIRONMENT" \
    sh -c "grep -q '^NAME' '$out' && grep -q '^COMMANDS' '$out' && grep -q '^EXIT STATUS' '$out' && grep -q '^FILES' '$out' && grep -q '^ENVIRONMENT' '$out'"

# Every command of --help has its paragraph in the man page.
missing=
for c in $("$E2E_MAIN" --help | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p'); do
    grep -q "^       $c\( \|$\)" "$out" || missing="$missing $c"
done
e2e_check man_page_has_every_command "every command of --help, missing:$missing" [ -z "$missing" ]

e2e_task cameras/copy <<'EOF2'
return { schedule = every(5).minutes, run = function() end }
EOF2
e2e_task backup <<'EOF2'
return { schedule = every(1).days, run = function() end }
EOF2

# complete WORD...: COMPREPLY for the words (the last one being completed),
# sorted, on one line.
complete() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _task_scheduler
             printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
        complete "$dest/usr/local/share/bash-completion/completions/task-scheduler" "$@"
}
got=$(complete "$E2E_MAIN" cal)
e2e_check bash_completes_a_command "calendar, got '$got'" [ "$got" = "calendar " ]
got=$(complete "$E2E_MAIN" --st)
e2e_check bash_completes_an_option "--status, got '$got'" [ "$got" = "--status " ]
got=$(complete "$E2E_MAIN" --root "$E2E_ROOT" next "")
e2e_check bash_completes_task_names "backup cameras/copy, got '$got'" [ "$got" = "backup cameras/copy " ]
got=$(complete "$E2E_MAIN" --root "$E2E_ROOT" --task cam)
e2e_check bash_completes_task_after_task_option "cameras/copy, got '$got'" [ "$got" = "cameras/copy " ]
got=$(complete "$E2E_MAIN" help st)
e2e_check bash_completes_help_topics "stats stop, got '$got'" [ "$got" = "stats stop " ]
e2e_done
