#!/bin/sh
# Acceptance workload 1 (busybox sh): pipes, subshells, command substitution,
# loops, background jobs with wait, exec redirections, and a TERM trap that
# `hacher kill ID TERM` must reach. Every line it prints is checked.
# shell.sh [serve]: without "serve" it waits for TERM after the checks; with
# it, it only prints "ready" and waits (the target of `hacher exec`).
# shellcheck disable=SC2030,SC2031 # subshells that do not leak are checked
set -u

if [ "${1:-}" = serve ]; then
  trap 'echo "serve: got TERM"; exit 0' TERM
  echo ready
  while :; do sleep 1; done
fi

# Pipes: four stages.
printf '%s\n' pear apple pear fig pear kiwi | sort | uniq -c | sort -rn | head -n 1 | {
  read -r count word
  echo "pipe: $count $word"
}

# Subshells do not leak assignments or cwd.
x=outer
(x=inner; cd /tmp && echo "subshell: $x $(pwd)")
echo "parent: $x $(pwd)"

# Nested command substitution.
# shellcheck disable=SC2005,SC2116,SC2018,SC2019 # nesting on purpose; C locale
echo "subst: $(echo "$(echo "$(echo nested)" | tr a-z A-Z)")"

# Loops: while with arithmetic, for, and a loop fed by a pipe.
sum=0
i=1
while [ "$i" -le 100 ]; do
  sum=$((sum + i))
  i=$((i + 1))
done
echo "while: $sum"
words=""
for w in one two three; do words="$words$w,"; done
echo "for: $words"
n=0
seq 1 50 | while read -r v; do echo "$v"; done | { while read -r v; do n=$((n + v)); done; echo "piped loop: $n"; }

# Background jobs: wait for each, collect their exit statuses.
(sleep 0.3; echo slow >/tmp/job.slow) &
slow=$!
(echo fast >/tmp/job.fast) &
fast=$!
(exit 7) &
seven=$!
wait "$fast"
echo "wait fast: $?"
wait "$seven"
echo "wait seven: $?"
wait "$slow"
echo "wait slow: $? $(cat /tmp/job.slow /tmp/job.fast | tr '\n' ' ')"
sleep 0.1 &
sleep 0.1 &
wait
echo "wait all: $?"

# exec redirections: open, write, reopen for reading, save/restore stderr.
exec 3>/tmp/fd3
echo "line one" >&3
echo "line two" >&3
exec 3>&-
exec 4</tmp/fd3
read -r first <&4
read -r second <&4
exec 4<&-
echo "exec fds: $first / $second"
exec 5>&2 2>/tmp/err
echo "to stderr" >&2
ls /nonexistent-path
exec 2>&5 5>&-
echo "stderr lines: $(wc -l </tmp/err)"

# TERM: the trap runs while the shell waits for a background sleep.
trap 'echo "trap: got TERM"; kill "$sleeper" 2>/dev/null; exit 0' TERM
sleep 30 &
sleeper=$!
echo ready
wait "$sleeper"
echo "no TERM within 30 s"
exit 1
