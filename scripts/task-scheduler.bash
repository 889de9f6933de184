# task-scheduler.bash — bash completion for task-scheduler (and ./main).
#
# Installed by `make install` as share/bash-completion/completions/
# task-scheduler.  Completes the global options, the commands (read from
# the program's own --help, so a new command needs no edit here), and
# task names after --task, next, history, stats and reset --task: the tasks/
# files under --root (default: the current folder), as "cameras/copy".

# The task names under ROOT/tasks, one a line.
_task_scheduler_tasks() {
    local tasks="${1:-.}/tasks"
    [ -d "$tasks" ] || return 0
    find "$tasks" -name '*.lua' -type f 2>/dev/null |
        sed -e "s|^$tasks/||" -e 's|\.lua$||'
}

_task_scheduler() {
    local cur prev root="" command="" i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    # The --root and the command given so far.
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --root) root=${COMP_WORDS[i + 1]} ;;
            --root=*) root=${COMP_WORDS[i]#--root=} ;;
            --root | --config | --user | --task) ;;
            -*) ;;
            *)
                case ${COMP_WORDS[i - 1]} in
                    --root | --config | --user | --task) ;;
                    *) [ -z "$command" ] && command=${COMP_WORDS[i]} ;;
                esac
                ;;
        esac
    done

    case $prev in
        --root)
            COMPREPLY=($(compgen -d -- "$cur"))
            return 0
            ;;
        --config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
            ;;
        --user)
            COMPREPLY=($(compgen -u -- "$cur"))
            return 0
            ;;
        --task)
            COMPREPLY=($(compgen -W "$(_task_scheduler_tasks "$root")" -- "$cur"))
            return 0
            ;;
    esac

    case $command in
        next | history | stats)
            if [[ $cur != -* ]]; then
                COMPREPLY=($(compgen -W "$(_task_scheduler_tasks "$root")" -- "$cur"))
                return 0
            fi
            ;;
        alerts)
            if [[ $cur != -* && $prev == alerts ]]; then
                COMPREPLY=($(compgen -W "resolve" -- "$cur"))
                return 0
            fi
            ;;
        help)
            command=""
            ;;
        check)
            if [[ $cur != -* ]]; then
                COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
                return 0
            fi
            ;;
    esac

    local globals="--root --config --user --json --verbose --include-examples --help"
    if [[ $cur == -* ]]; then
        case $command in
            "") COMPREPLY=($(compgen -W "$globals --daemon --status --task --version" -- "$cur")) ;;
            next | history) COMPREPLY=($(compgen -W "-n $globals" -- "$cur")) ;;
            stats) COMPREPLY=($(compgen -W "--days $globals" -- "$cur")) ;;
            calendar) COMPREPLY=($(compgen -W "--from -n --tz $globals" -- "$cur")) ;;
            reset) COMPREPLY=($(compgen -W "--dry-run --future-only --task --all $globals" -- "$cur")) ;;
            config) COMPREPLY=($(compgen -W "--effective $globals" -- "$cur")) ;;
            alerts) COMPREPLY=($(compgen -W "--all --note $globals" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "$globals" -- "$cur")) ;;
        esac
        return 0
    fi
    if [ -z "$command" ]; then
        local commands
        commands=$("${COMP_WORDS[0]}" --help 2>/dev/null |
            sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p')
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return 0
}

complete -F _task_scheduler task-scheduler main
