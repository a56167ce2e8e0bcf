#!/usr/bin/env bash
# The wirebench action's step (action.yml): run the scenario, compare the result with the baseline when
# one is given, set the step's outputs and exit as the worse of the two commands did. The inputs arrive
# as WB_* variables, never spliced into this text, so no input can become shell code. `run` and `compare`
# each append their own markdown to $GITHUB_STEP_SUMMARY; this adds only what they cannot say: that the
# comparison was skipped, or that a command stopped before writing anything. See docs/ci.md.
set -uo pipefail

root=${GITHUB_ACTION_PATH:-$(dirname "$0")/../..}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
scenario=${WB_SCENARIO:-}
out=${WB_OUT:-wirebench-results/current}
baseline=${WB_BASELINE:-}

wirebench() { node "$root/dist/src/cli/index.js" "$@"; }

# FLAG TEXT: one FLAG per line of a multi-line input, trimmed; blank lines and # comments are skipped.
FLAGS=()
flags_from_lines() {
  FLAGS=()
  local line
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -z $line || $line == '#'* ]] || FLAGS+=("$1" "$line")
  done <<<"$2"
}

# NAME VALUE: the multi-line form, so that no value (a path with a newline) can add an output of its own.
output() {
  local eof="wirebench_output_${RANDOM}${RANDOM}"
  printf '%s<<%s\n%s\n%s\n' "$1" "$eof" "$2" "$eof" >>"${GITHUB_OUTPUT:-/dev/null}"
}

# CODE: what a wirebench exit code above 1 means, for the summary of a command that stopped short.
meaning() {
  case $1 in
    2) echo 'usage or configuration error' ;;
    3) echo 'the endpoint failed the run' ;;
    74) echo 'the results could not be written' ;;
    130) echo 'interrupted' ;;
    *) echo 'an internal error' ;;
  esac
}

finish() {
  local code=$1 verdict=pass
  if ((code != 0)); then verdict=fail; elif [[ -z $baseline ]]; then verdict=skipped; fi
  output result "$out"
  output verdict "$verdict"
  echo "wirebench: verdict $verdict (exit $code)"
  exit "$code"
}

if [[ -z $scenario ]]; then
  echo 'error: the scenario input is required (a scenario file, relative to the workspace)' >&2
  printf '\n### wirebench\n\nNo scenario given: nothing ran (exit 2).\n' >>"$summary"
  finish 2
fi

flags_from_lines --set "${WB_SET:-}"
# ${FLAGS[@]+…}: bash 3.2 (macOS's) calls an empty array unbound under set -u.
wirebench run "$scenario" --out "$out" ${FLAGS[@]+"${FLAGS[@]}"}
run_code=$?
case $run_code in
  # These wrote a whole result (and its summary): a failed threshold or endpoint is still worth comparing.
  0 | 1 | 3) ;;
  *)
    printf '\n### wirebench\n\n`wirebench run` exited %s (%s), so nothing was compared: see the log.\n' \
      "$run_code" "$(meaning "$run_code")" >>"$summary"
    finish "$run_code"
    ;;
esac

if [[ -z $baseline ]]; then
  echo 'wirebench: no baseline given, comparison skipped'
  printf '\n### wirebench compare\n\nNo baseline given: comparison skipped.\n' >>"$summary"
  finish "$run_code"
fi

flags_from_lines --fail-on "${WB_FAIL_ON:-}"
# The markdown goes to the log and beside the result, for a later step to post (compare itself appends it
# to the summary); with pipefail the pipeline's status is compare's.
wirebench compare "$baseline" "$out" --format md ${FLAGS[@]+"${FLAGS[@]}"} | tee "$out/compare.md"
compare_code=$?
if ((compare_code >= 2)); then
  printf '\n### wirebench compare\n\n`wirebench compare` exited %s (%s): see the log.\n' \
    "$compare_code" "$(meaning "$compare_code")" >>"$summary"
fi
# The worse of the two: an endpoint that failed (3) outranks a bad rule (2), which outranks a broken one (1).
finish $((run_code > compare_code ? run_code : compare_code))
