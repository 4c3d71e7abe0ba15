#!/usr/bin/env bash
# `make demo`: devagent solve on a bundled task, end to end, in a real container.
# With ANTHROPIC_API_KEY or OPENAI_API_KEY (or DEVAGENT_MODEL) set, a live model works on it;
# otherwise the replies recorded in examples/demo/ are used, and the run says so on screen.
set -euo pipefail
cd "$(dirname "$0")/.."
TASK=tasks/lru-cache-eviction
OUT=${DEVAGENT_DEMO_OUT:-out/demo}
REPO=$(mktemp -d /tmp/devagent-demo-repo.XXXXXX)
trap 'rm -rf "$REPO"' EXIT

cp -r "$TASK/repo/." "$REPO/"
git -C "$REPO" init -q -b main
git -C "$REPO" -c user.name=demo -c user.email=demo@example.invalid add -A
git -C "$REPO" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "lrucache 1.0"

MODEL_ARGS=()
if [ -z "${DEVAGENT_MODEL:-}${ANTHROPIC_API_KEY:-}${OPENAI_API_KEY:-}" ]; then
    echo "No model API key set: the demo uses a SCRIPTED model (replies written in advance in"
    echo "examples/demo/). Everything around it is real: clone, image, sandbox, tools, checks."
    MODEL_ARGS=(--model "scripted:examples/demo/lru-cache-eviction.scripted.yaml")
fi
rm -rf "$OUT"
set +e
.venv/bin/devagent solve "$TASK/issue.md" --repo "$REPO" "${MODEL_ARGS[@]}" \
    --test "python -m pytest -q tests/test_lru.py" --max-steps 20 --out "$OUT"
status=$?
set -e
echo
echo "----- $OUT/patch.diff -----"
cat "$OUT/patch.diff"
echo "----- the user's repository is untouched: -----"
git -C "$REPO" status --short && git -C "$REPO" log --oneline
echo
if [ -f "$OUT/report.html" ]; then
    echo "run page (open it in a browser): $(realpath "$OUT/report.html")"
else
    echo "no run page was written (see the warnings above); the report: $OUT/report.md"
fi
exit $status
