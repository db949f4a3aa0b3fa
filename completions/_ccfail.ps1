
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ccfail' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ccfail'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ccfail' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show accounts, sessions, queues, the last swap and the state file at a glance')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, tmux, the claude binary, account homes, shared links and the state file')
            [CompletionResult]::new('quota-check', 'quota-check', [CompletionResultType]::ParameterValue, 'Detect whether the active account hit its usage limit; record it in state')
            [CompletionResult]::new('swap', 'swap', [CompletionResultType]::ParameterValue, 'Move every session to another account and resume each conversation there')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)')
            [CompletionResult]::new('hooks', 'hooks', [CompletionResultType]::ParameterValue, 'Install or remove ccfail''s entries in every account''s settings.json')
            [CompletionResult]::new('dispatch', 'dispatch', [CompletionResultType]::ParameterValue, 'Hand the best ready tasks of every project to the free pool sessions (one pass)')
            [CompletionResult]::new('watch-once', 'watch-once', [CompletionResultType]::ParameterValue, 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool''s sessions alive, write checkpoints. Dedicated sessions are only observed')
            [CompletionResult]::new('janitor', 'janitor', [CompletionResultType]::ParameterValue, 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once')
            [CompletionResult]::new('launch', 'launch', [CompletionResultType]::ParameterValue, 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print the environment Claude needs for an account, as export lines for eval')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers; the repo commits them)')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Add, list, show, retry and cancel tasks of the projects'' queues')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume what `pause` paused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;status' {
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Show the status again every SECS seconds [default: 2]: redrawn in place on a terminal, printed anew on a pipe. Ends with Ctrl-C')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of tables')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Repair what is safe to repair: create missing shared links and their targets')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;quota-check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Decide and report, but record nothing in state')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;swap' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The account to move to [default: the eligible account with the lowest priority]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (sessions, ids, commands) and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--clear-partial', '--clear-partial', [CompletionResultType]::ParameterName, 'Re-check the active link and every shared link; clear the partial-swap latch if they are sound, else say what is still wrong')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Use the --to account even though it is drained (its reset time is a hint, not a promise); warns and records it in the history. Never overrides the latch, an account without credentials or the active one')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;hook' {
            [CompletionResult]::new('--spool', '--spool', [CompletionResultType]::ParameterName, 'The events spool to append to [default: events.jsonl in the state dir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;hooks' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove exactly the entries `hooks install` added')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;hooks;install' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change and write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;hooks;uninstall' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change and write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;hooks;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove exactly the entries `hooks install` added')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;hooks;help;install' {
            break
        }
        'ccfail;hooks;help;uninstall' {
            break
        }
        'ccfail;hooks;help;help' {
            break
        }
        'ccfail;dispatch' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the pairing of sessions and tasks; claim, send and mark nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;watch-once' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be done; move, start and record nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;janitor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List every action and carry out none')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;launch' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Folder Claude starts in [default: a dedicated session''s project, else $HOME]')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Resume this conversation (claude --resume ID)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account to start on [default: the active account]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model to start with (claude --model M)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'Allow a name in the pool''s range')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;env' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Account [default: the active account]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of export lines')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;log' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only entries since then: a duration back from now (`2h`, `1d`, `1h30m`) or a time (`2026-12-02T10:00:00Z`, `2026-12-02 10:00`, `2026-12-02`; UTC unless an offset is given)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only entries of this kind (swap-done, dispatched, task-failed, ...); a family name such as `swap`, `task` or `quota` takes every kind it starts. Repeat for several')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'Only entries about this tmux session')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only entries about a task of this project')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'At most the last N matching entries [default: 50 unless --since is given]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (schema in docs/json.md) instead of lines')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;account' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('undrain', 'undrain', [CompletionResultType]::ParameterValue, 'The account has quota again: clear its drain, so a swap may choose it')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;account;undrain' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;account;drain' {
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Until when: an RFC 3339 time (2026-12-02T19:00:00Z) or a duration from now (90m, 5h)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;account;help' {
            [CompletionResult]::new('undrain', 'undrain', [CompletionResultType]::ParameterValue, 'The account has quota again: clear its drain, so a swap may choose it')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;account;help;undrain' {
            break
        }
        'ccfail;account;help;drain' {
            break
        }
        'ccfail;account;help;help' {
            break
        }
        'ccfail;generate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for one shell, on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: ccfail.1 and one page per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;generate;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;generate;man' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to write the pages into')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;generate;help' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for one shell, on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: ccfail.1 and one page per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;generate;help;completions' {
            break
        }
        'ccfail;generate;help;man' {
            break
        }
        'ccfail;generate;help;help' {
            break
        }
        'ccfail;task' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a task to a project''s inbox and print its name (project:id)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List tasks with their state; for each waiting one, why it waits')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a task: to failed/ with the reason "cancelled by operator"')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;task;add' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The project [default: the only registered one]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'The project [default: the only registered one]')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'The task''s id: the file is inbox/<ID>.md [default: the file''s name, else one made from the title]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read the whole task file (front matter and body) from PATH, or from stdin with -')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read the whole task file (front matter and body) from PATH, or from stdin with -')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'The body below the front matter')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'The priority [default: default]')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A capability the session needs (repeat for more)')
            [CompletionResult]::new('--depends-on', '--depends-on', [CompletionResultType]::ParameterName, 'A task that must be done first, as project:id or id (repeat for more)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model for this task (overrides dispatch.models)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of the name')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;task;ls' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this project (repeat for more)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only this project (repeat for more)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only tasks in this state (repeat for more) [default: all but done]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only tasks in this state (repeat for more) [default: all but done]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of a table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;task;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;task;retry' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;task;cancel' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;task;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a task to a project''s inbox and print its name (project:id)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List tasks with their state; for each waiting one, why it waits')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a task: to failed/ with the reason "cancelled by operator"')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;task;help;add' {
            break
        }
        'ccfail;task;help;ls' {
            break
        }
        'ccfail;task;help;show' {
            break
        }
        'ccfail;task;help;retry' {
            break
        }
        'ccfail;task;help;cancel' {
            break
        }
        'ccfail;task;help;help' {
            break
        }
        'ccfail;pause' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Pause the dispatch of this project only (repeat for more)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Pause the dispatch of this project only (repeat for more)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, shown by status')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--upkeep', '--upkeep', [CompletionResultType]::ParameterName, 'Pause pool upkeep (watch-once creating, starting and recycling pool sessions)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ccfail;resume' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Resume the dispatch of this project (repeat for more)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Resume the dispatch of this project (repeat for more)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $CCFAIL_CONFIG, else $XDG_CONFIG_HOME/ccfail/config.yaml, else /etc/ccfail/config.yaml]')
            [CompletionResult]::new('--upkeep', '--upkeep', [CompletionResultType]::ParameterName, 'Resume pool upkeep')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Resume everything: dispatch, every project, upkeep')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log lines on stderr (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ccfail;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show accounts, sessions, queues, the last swap and the state file at a glance')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, tmux, the claude binary, account homes, shared links and the state file')
            [CompletionResult]::new('quota-check', 'quota-check', [CompletionResultType]::ParameterValue, 'Detect whether the active account hit its usage limit; record it in state')
            [CompletionResult]::new('swap', 'swap', [CompletionResultType]::ParameterValue, 'Move every session to another account and resume each conversation there')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Record one Claude Code hook event (run by Claude Code; see `hooks install`)')
            [CompletionResult]::new('hooks', 'hooks', [CompletionResultType]::ParameterValue, 'Install or remove ccfail''s entries in every account''s settings.json')
            [CompletionResult]::new('dispatch', 'dispatch', [CompletionResultType]::ParameterValue, 'Hand the best ready tasks of every project to the free pool sessions (one pass)')
            [CompletionResult]::new('watch-once', 'watch-once', [CompletionResultType]::ParameterValue, 'Watch every pool and dedicated session once: finish done tasks, flag stalled sessions, requeue the tasks of dead ones, keep the pool''s sessions alive, write checkpoints. Dedicated sessions are only observed')
            [CompletionResult]::new('janitor', 'janitor', [CompletionResultType]::ParameterValue, 'Clean up: orphaned claims back to the inbox, old done tasks archived, old checkpoints pruned, the read part of the hook spool freed, old history dropped, long-blocked tasks reported once')
            [CompletionResult]::new('launch', 'launch', [CompletionResultType]::ParameterValue, 'Start Claude in a tmux session, creating the session if needed, and wait for its input box (for scripts)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print the environment Claude needs for an account, as export lines for eval')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the history kept in the state: swaps with their sessions and outcomes, dispatches, completions, requeues, quota hits, refusals and notifications')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Say what ccfail cannot see: an account has quota again (`undrain`), or has none until a time (`drain`). Recorded in the history')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (for packagers; the repo commits them)')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Add, list, show, retry and cancel tasks of the projects'' queues')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause dispatch (of the whole pool, or of projects) or pool upkeep, until `resume`')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume what `pause` paused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ccfail;help;status' {
            break
        }
        'ccfail;help;doctor' {
            break
        }
        'ccfail;help;quota-check' {
            break
        }
        'ccfail;help;swap' {
            break
        }
        'ccfail;help;hook' {
            break
        }
        'ccfail;help;hooks' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Merge hook entries for SessionStart, UserPromptSubmit, Stop, StopFailure, Notification and SessionEnd into each account''s settings.json, keeping every other key and hook. Running it twice changes nothing the second time')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove exactly the entries `hooks install` added')
            break
        }
        'ccfail;help;hooks;install' {
            break
        }
        'ccfail;help;hooks;uninstall' {
            break
        }
        'ccfail;help;dispatch' {
            break
        }
        'ccfail;help;watch-once' {
            break
        }
        'ccfail;help;janitor' {
            break
        }
        'ccfail;help;launch' {
            break
        }
        'ccfail;help;env' {
            break
        }
        'ccfail;help;log' {
            break
        }
        'ccfail;help;account' {
            [CompletionResult]::new('undrain', 'undrain', [CompletionResultType]::ParameterValue, 'The account has quota again: clear its drain, so a swap may choose it')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'The account has no quota until --until: no swap chooses it before then (only `swap --to NAME --force`)')
            break
        }
        'ccfail;help;account;undrain' {
            break
        }
        'ccfail;help;account;drain' {
            break
        }
        'ccfail;help;generate' {
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Completions for one shell, on stdout')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Man pages: ccfail.1 and one page per subcommand')
            break
        }
        'ccfail;help;generate;completions' {
            break
        }
        'ccfail;help;generate;man' {
            break
        }
        'ccfail;help;task' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a task to a project''s inbox and print its name (project:id)')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List tasks with their state; for each waiting one, why it waits')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: state, front matter, why it waits, reasons, its session, its history, the file')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Send a failed task back to the inbox with its attempts reset (its reason is kept in the history); an invalid one is checked again and its marker cleared')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a task: to failed/ with the reason "cancelled by operator"')
            break
        }
        'ccfail;help;task;add' {
            break
        }
        'ccfail;help;task;ls' {
            break
        }
        'ccfail;help;task;show' {
            break
        }
        'ccfail;help;task;retry' {
            break
        }
        'ccfail;help;task;cancel' {
            break
        }
        'ccfail;help;pause' {
            break
        }
        'ccfail;help;resume' {
            break
        }
        'ccfail;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
