#!/usr/bin/env bash
# kensa in CI: the steps shared by the GitHub Actions workflow (ci/github/kensa.yml) and the
# GitLab CI template (ci/gitlab/kensa.gitlab-ci.yml). Run it from the root of the repository
# that holds the manifests, so that findings name repository paths.
#
#   ci/kensa.sh github          check; write reports; annotations; job summary; PR comment
#   ci/kensa.sh gitlab          check; write reports; merge-request note
#   ci/kensa.sh merge [FILE...] merge the JSON results of portfolio shards into one summary
#
# It exits with kensa's own verdict: 0 clean, 1 a violation at or above KENSA_FAIL_ON,
# 2 the manifest could not be read or checked. Publishing (job summary, comment, note) never
# changes that verdict: when it fails, the script warns and goes on.
#
# Configuration, all by environment variables (empty means unset):
#   KENSA_BIN        the kensa command (default: kensa)
#   KENSA_PATH       the manifest to check: a YAML file, or a folder forming one manifest
#                    (default: manifests/)
#   KENSA_PORTFOLIO  instead of KENSA_PATH: a folder of institutions (each *.yaml file or
#                    sub-folder is one), checked with `kensa check --portfolio`
#   KENSA_SHARD      with KENSA_PORTFOLIO: K/N, check only the K-th of N stable shares. In a
#                    GitLab `parallel:` job it defaults to CI_NODE_INDEX/CI_NODE_TOTAL. A
#                    shard writes $KENSA_OUT/shards/kensa-shard-K-of-N.json and exits 0 even
#                    with findings: the merge step gives the verdict (2 still fails at once)
#   KENSA_SHARDS_DIR merge: the folder of shard results (default: $KENSA_OUT/shards)
#   KENSA_FAIL_ON    lowest severity that fails: critical, high, medium, low (default) or none
#   KENSA_LANG       language of the reports and messages: ja (default) or en
#   KENSA_BASELINE   a previous `kensa check --format json` result: only new violations fail
#   KENSA_AS_OF      the date deadlines are judged on, YYYY-MM-DD (default: today)
#   KENSA_POLICIES   folders of extra Cedar policies, separated by ':'
#   KENSA_OUT        folder for the reports (default: kensa-out)
#   KENSA_COMMENT    false: post no pull-request comment or merge-request note (default: true)
#   KENSA_COMMENT_KEY  tells apart the comments of several kensa jobs in one pull request
#                    (default: the portfolio or manifest path)
#   KENSA_PLATFORM   merge: where to publish, github, gitlab or none (default: detected from
#                    GITHUB_ACTIONS / GITLAB_CI)
# GitHub (read as GitHub Actions sets them):
#   GITHUB_STEP_SUMMARY  the Markdown summary is appended to this file
#   GITHUB_EVENT_NAME    the comment is posted only for pull_request / pull_request_target
#   GITHUB_REPOSITORY, GITHUB_REF (refs/pull/N/merge) or KENSA_PR_NUMBER: where to comment
#   GH_TOKEN             used by `gh` (the job's github.token, with pull-requests: write)
# GitLab (read as GitLab CI sets them):
#   CI_MERGE_REQUEST_IID, CI_API_V4_URL, CI_PROJECT_ID: where to post the note (merge-request
#                        pipelines only)
#   KENSA_GITLAB_TOKEN   a token with the `api` scope (GITLAB_TOKEN is used if unset); without
#                        it no note is posted (CI_JOB_TOKEN cannot write notes)
#   CI_NODE_INDEX, CI_NODE_TOTAL  set by `parallel: N`
#
# Reports written to KENSA_OUT:
#   github  kensa.json, kensa.sarif, kensa.md
#   gitlab  kensa.json, gl-code-quality-report.json, junit.xml, kensa.sarif, kensa.md
#   merge   kensa.json, kensa.md (portfolio summary)
set -euo pipefail

KENSA_BIN=${KENSA_BIN:-kensa}
KENSA_PATH=${KENSA_PATH:-manifests/}
KENSA_PORTFOLIO=${KENSA_PORTFOLIO:-}
KENSA_SHARD=${KENSA_SHARD:-}
KENSA_OUT=${KENSA_OUT:-kensa-out}
KENSA_SHARDS_DIR=${KENSA_SHARDS_DIR:-$KENSA_OUT/shards}
KENSA_FAIL_ON=${KENSA_FAIL_ON:-low}
KENSA_LANG=${KENSA_LANG:-ja}
KENSA_BASELINE=${KENSA_BASELINE:-}
KENSA_AS_OF=${KENSA_AS_OF:-}
KENSA_POLICIES=${KENSA_POLICIES:-}
KENSA_COMMENT=${KENSA_COMMENT:-true}
# kensa reads KENSA_LANG too, and refuses an empty one.
export KENSA_LANG

# The modes this script has (the test of the templates reads this line).
MODES="github gitlab merge"
# Size limits: GitHub comments hold 65,536 characters, job summaries 1 MiB.
COMMENT_MAX_CHARS=65000
SUMMARY_MAX_BYTES=1000000

mode=${1:-}
platform=none

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "$0"
}

# msg JA EN: the text in KENSA_LANG.
msg() {
  if [[ $KENSA_LANG == en ]]; then printf '%s' "$2"; else printf '%s' "$1"; fi
}

say() { printf 'kensa.sh: %s\n' "$*" >&2; }

# A warning that does not fail the job; on GitHub it also shows as an annotation.
warn() {
  if [[ $platform == github ]]; then
    printf '::warning title=kensa::%s\n' "$*"
  else
    printf 'kensa.sh: warning: %s\n' "$*" >&2
  fi
}

# The worst exit code seen so far: 2 beats 1 beats 0.
verdict=0
record() {
  if (($1 > verdict)); then verdict=$1; fi
}

# run_kensa ARG...: run kensa; rc is its exit code, anything but 0 or 1 counted as 2.
run_kensa() {
  rc=0
  "$KENSA_BIN" "$@" || rc=$?
  if ((rc > 2)); then
    say "$(msg "kensa が終了コード $rc で止まりました" "kensa stopped with exit code $rc")"
    rc=2
  fi
  record "$rc"
}

check_options() {
  opts=(--fail-on "$KENSA_FAIL_ON")
  if [[ -n $KENSA_AS_OF ]]; then opts+=(--as-of "$KENSA_AS_OF"); fi
  if [[ -n $KENSA_POLICIES ]]; then
    local dir dirs
    IFS=: read -r -a dirs <<<"$KENSA_POLICIES"
    for dir in "${dirs[@]}"; do
      if [[ -n $dir ]]; then opts+=(--policies "$dir"); fi
    done
  fi
}

# run_check FORMAT [FILE]: one `kensa check` of KENSA_PATH; sets rc.
run_check() {
  local args=(--lang "$KENSA_LANG" check "$KENSA_PATH" --format "$1" "${opts[@]}")
  if [[ -n $KENSA_BASELINE ]]; then args+=(--baseline "$KENSA_BASELINE"); fi
  if [[ -n ${2:-} ]]; then args+=(--output "$2"); fi
  run_kensa "${args[@]}"
}

# run_merge FORMAT FILE|'' SHARD...: one `kensa merge`; sets rc.
run_merge() {
  local format=$1 output=$2
  shift 2
  local args=(--lang "$KENSA_LANG" merge "$@" --format "$format" --fail-on "$KENSA_FAIL_ON")
  if [[ -n $output ]]; then args+=(--output "$output"); fi
  run_kensa "${args[@]}"
}

# clip FILE MAX [chars]: FILE on stdout, cut to at most MAX bytes (or characters) at a line
# boundary, with a note when cut.
clip() {
  local size
  if [[ ${3:-} == chars ]]; then
    # UTF-8: one character per byte that is not a continuation byte.
    size=$(LC_ALL=C tr -d '\200-\277' <"$1" | wc -c)
  else
    size=$(wc -c <"$1")
  fi
  if ((size <= $2)); then
    cat "$1"
    return
  fi
  # MAX bytes are at most MAX characters; drop the last line, which may end inside one.
  head -c "$2" "$1" | sed '$d'
  printf '\n\n%s\n' "$(msg "…（長すぎるため省略しました。全文はジョブの成果物 $(basename "$1") にあります）" \
    "… (cut: too long; the whole text is in the job artifact $(basename "$1"))")"
}

comment_key() {
  local key=${KENSA_COMMENT_KEY:-${KENSA_PORTFOLIO:-$KENSA_PATH}}
  key=${key%/}
  printf '%s' "${key//[^A-Za-z0-9._-]/_}"
}

# The hidden marker that finds our earlier comment, so it is updated and not repeated.
marker_text() { printf 'kensa-ci-summary:%s' "$(comment_key)"; }

# comment_body MD: the comment to post (marker line, then the Markdown), in a file.
comment_body() {
  local body=$KENSA_OUT/.comment.md
  {
    printf '<!-- %s -->\n' "$(marker_text)"
    clip "$1" "$COMMENT_MAX_CHARS" chars
  } >"$body"
  printf '%s' "$body"
}

publish_github() {
  local md=$1
  if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    clip "$md" "$SUMMARY_MAX_BYTES" >>"$GITHUB_STEP_SUMMARY" ||
      warn "$(msg 'ジョブの概要を書けませんでした' 'could not write the job summary')"
  fi
  if [[ $KENSA_COMMENT != true ]]; then return 0; fi
  case ${GITHUB_EVENT_NAME:-} in
    pull_request | pull_request_target) ;;
    *) return 0 ;;
  esac
  local pr=${KENSA_PR_NUMBER:-}
  if [[ -z $pr && ${GITHUB_REF:-} =~ ^refs/pull/([0-9]+)/ ]]; then pr=${BASH_REMATCH[1]}; fi
  local repo=${GITHUB_REPOSITORY:-}
  if [[ -z $pr || -z $repo ]]; then
    warn "$(msg 'プルリクエストが分からないためコメントしません' 'no pull request number or repository: no comment')"
    return 0
  fi
  if ! command -v gh >/dev/null 2>&1; then
    warn "$(msg 'gh がないためコメントしません' 'gh is not installed: no comment')"
    return 0
  fi
  local body ids id
  body=$(comment_body "$md")
  if ! ids=$(gh api --paginate "repos/$repo/issues/$pr/comments" \
    --jq ".[] | select(.body | contains(\"$(marker_text)\")) | .id" </dev/null); then
    warn "$(msg 'コメントを読めませんでした（権限 pull-requests: write が必要です）' 'could not read the comments (needs pull-requests: write)')"
    return 0
  fi
  id=${ids%%$'\n'*}
  if [[ -n $id ]]; then
    gh api --method PATCH "repos/$repo/issues/comments/$id" -F body=@- <"$body" >/dev/null ||
      warn "$(msg 'コメントを更新できませんでした' 'could not update the comment')"
  else
    gh api --method POST "repos/$repo/issues/$pr/comments" -F body=@- <"$body" >/dev/null ||
      warn "$(msg 'コメントを投稿できませんでした' 'could not post the comment')"
  fi
}

# note_id MARKER: the id of the first note (JSON array on stdin) whose body has MARKER.
note_id() {
  if command -v jq >/dev/null 2>&1; then
    jq -r --arg m "$1" '[.[] | select(.body | contains($m)) | .id][0] // empty'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys
ids = [n["id"] for n in json.load(sys.stdin) if sys.argv[1] in (n.get("body") or "")]
print(ids[0] if ids else "")' "$1"
  else
    # GitLab lists id, type, body first in each note.
    { grep -o "\"id\":[0-9]*,\"type\":[^,]*,\"body\":\"[^\"]*$1" || true; } |
      sed -n '1s/^"id":\([0-9]*\),.*/\1/p'
  fi
}

publish_gitlab() {
  local md=$1
  if [[ $KENSA_COMMENT != true || -z ${CI_MERGE_REQUEST_IID:-} ]]; then return 0; fi
  local token=${KENSA_GITLAB_TOKEN:-${GITLAB_TOKEN:-}}
  if [[ -z $token ]]; then
    say "$(msg 'KENSA_GITLAB_TOKEN がないためマージリクエストにノートを投稿しません' 'no KENSA_GITLAB_TOKEN: no merge-request note')"
    return 0
  fi
  if [[ -z ${CI_API_V4_URL:-} || -z ${CI_PROJECT_ID:-} ]] || ! command -v curl >/dev/null 2>&1; then
    warn "$(msg 'CI_API_V4_URL・CI_PROJECT_ID・curl のいずれかがないためノートを投稿しません' 'CI_API_V4_URL, CI_PROJECT_ID or curl missing: no note')"
    return 0
  fi
  local api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
  local curl=(curl --silent --show-error --fail --max-time 60 --header "PRIVATE-TOKEN: $token")
  local body notes id
  body=$(comment_body "$md")
  if ! notes=$("${curl[@]}" "$api?per_page=100&sort=asc&order_by=created_at"); then
    warn "$(msg 'ノートを読めませんでした' 'could not read the merge-request notes')"
    return 0
  fi
  id=$(note_id "$(marker_text)" <<<"$notes") || id=
  if [[ -n $id ]]; then
    "${curl[@]}" --request PUT --data-urlencode "body@$body" "$api/$id" >/dev/null ||
      warn "$(msg 'ノートを更新できませんでした' 'could not update the merge-request note')"
  else
    "${curl[@]}" --request POST --data-urlencode "body@$body" "$api" >/dev/null ||
      warn "$(msg 'ノートを投稿できませんでした' 'could not post the merge-request note')"
  fi
}

publish() {
  case $platform in
    github) publish_github "$1" ;;
    gitlab) publish_gitlab "$1" ;;
  esac
}

# No report at all (the manifest could not be read): say so where people look.
could_not_check() {
  local what=$1 text
  text=$(msg "kensa は $what を検査できませんでした。ジョブのログを確認してください（kensa validate で問題の箇所が分かります）。" \
    "kensa could not check $what: see the job log (kensa validate shows where the problems are).")
  say "$text"
  if [[ $platform == github && -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    printf '### kensa\n\n%s\n' "$text" >>"$GITHUB_STEP_SUMMARY" || true
  fi
  exit 2
}

nonempty() { [[ -s $1 ]]; }

# One manifest: every report, then the verdict.
check_manifest() {
  check_options
  # JSON first: it tells whether there is a report at all.
  run_check json "$KENSA_OUT/kensa.json"
  if ((rc == 2)) && ! nonempty "$KENSA_OUT/kensa.json"; then could_not_check "$KENSA_PATH"; fi
  run_check sarif "$KENSA_OUT/kensa.sarif"
  if [[ $mode == gitlab ]]; then
    run_check gitlab "$KENSA_OUT/gl-code-quality-report.json"
    run_check junit "$KENSA_OUT/junit.xml"
  fi
  run_check markdown "$KENSA_OUT/kensa.md"
  # The log: findings for people, then (GitHub) the annotations on the manifest lines.
  run_check human
  if [[ $mode == github ]]; then run_check github; fi
  if nonempty "$KENSA_OUT/kensa.md"; then publish "$KENSA_OUT/kensa.md"; fi
}

# merge_shards FILE...: one summary of the portfolio, then the verdict.
merge_shards() {
  if (($# == 0)); then
    say "$(msg "$KENSA_SHARDS_DIR にシャードの結果（*.json）がありません" "no shard results (*.json) in $KENSA_SHARDS_DIR")"
    exit 2
  fi
  # Shards named kensa-shard-K-of-N.json must all be there.
  local f name k n total='' missing=() seen=' '
  for f in "$@"; do
    name=$(basename "$f")
    if [[ $name =~ ^kensa-shard-([0-9]+)-of-([0-9]+)\.json$ ]]; then
      k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
      if [[ -n $total && $n != "$total" ]]; then
        say "$(msg "シャード数が一致しません: $name" "shards of different runs: $name")"
        exit 2
      fi
      total=$n seen+="$k "
    fi
  done
  if [[ -n $total ]]; then
    for ((k = 1; k <= total; k++)); do
      if [[ $seen != *" $k "* ]]; then missing+=("$k/$total"); fi
    done
  fi
  run_merge json "$KENSA_OUT/kensa.json" "$@"
  if ((rc == 2)) && ! nonempty "$KENSA_OUT/kensa.json"; then could_not_check "$*"; fi
  run_merge markdown "$KENSA_OUT/kensa.md" "$@"
  run_merge human '' "$@"
  if ((${#missing[@]} > 0)); then
    local text
    text=$(msg "シャード ${missing[*]} の結果がありません（そのジョブのログを確認してください）" \
      "no result from shard ${missing[*]} (see that job's log)")
    say "$text"
    printf '\n> **%s**\n' "$text" >>"$KENSA_OUT/kensa.md"
    record 2
  fi
  if nonempty "$KENSA_OUT/kensa.md"; then publish "$KENSA_OUT/kensa.md"; fi
}

# A portfolio: check one shard (or all), merge unless this is one of several shards.
check_portfolio() {
  check_options
  local shard=$KENSA_SHARD
  if [[ -z $shard && ${CI_NODE_TOTAL:-1} -gt 1 ]]; then shard="${CI_NODE_INDEX:-}/$CI_NODE_TOTAL"; fi
  local k=1 n=1
  if [[ -n $shard ]]; then
    if ! [[ $shard =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || ((BASH_REMATCH[1] > BASH_REMATCH[2])); then
      say "$(msg "KENSA_SHARD は K/N（1 ≤ K ≤ N）で指定してください: '$shard'" "KENSA_SHARD must be K/N with 1 <= K <= N: '$shard'")"
      exit 2
    fi
    k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
  fi
  mkdir -p "$KENSA_SHARDS_DIR"
  local out="$KENSA_SHARDS_DIR/kensa-shard-$k-of-$n.json"
  local args=(--lang "$KENSA_LANG" check --portfolio "$KENSA_PORTFOLIO")
  if [[ -n $shard ]]; then args+=(--shard "$k/$n"); fi
  args+=(--format json --output "$out" "${opts[@]}")
  run_kensa "${args[@]}"
  if ((rc == 2)) && ! nonempty "$out"; then could_not_check "$KENSA_PORTFOLIO"; fi
  if ((n > 1)); then
    say "$(msg "シャード $k/$n の結果: $out（判定はマージのジョブで行います）" "shard $k/$n written to $out (the merge job gives the verdict)")"
    # Findings are judged once, by the merge; only a failure to check fails a shard.
    exit $((rc == 2 ? 2 : 0))
  fi
  merge_shards "$out"
}

if [[ $mode == github || $mode == gitlab || $mode == merge ]] && ! command -v "$KENSA_BIN" >/dev/null 2>&1; then
  say "$(msg "kensa のコマンドがありません: $KENSA_BIN（KENSA_BIN で指定できます）" "no kensa command: $KENSA_BIN (set KENSA_BIN)")"
  exit 2
fi

case $mode in
  github | gitlab)
    platform=$mode
    shift
    if (($# > 0)); then
      usage >&2
      exit 2
    fi
    mkdir -p "$KENSA_OUT"
    if [[ -n $KENSA_PORTFOLIO ]]; then
      check_portfolio
    else
      if [[ ${CI_NODE_TOTAL:-1} != 1 ]]; then
        warn "$(msg '並列ジョブで KENSA_PORTFOLIO がありません: 各ジョブが同じマニフェストを検査します' 'a parallel job without KENSA_PORTFOLIO: every job checks the same manifest')"
      fi
      check_manifest
    fi
    ;;
  merge)
    shift
    platform=${KENSA_PLATFORM:-}
    if [[ -z $platform ]]; then
      if [[ ${GITHUB_ACTIONS:-} == true ]]; then
        platform=github
      elif [[ ${GITLAB_CI:-} == true ]]; then
        platform=gitlab
      else
        platform=none
      fi
    fi
    mkdir -p "$KENSA_OUT"
    if (($# == 0)) && [[ -d $KENSA_SHARDS_DIR ]]; then
      files=()
      while IFS= read -r f; do files+=("$f"); done < <(find "$KENSA_SHARDS_DIR" -name '*.json' -type f | LC_ALL=C sort -V)
      set -- "${files[@]}"
    fi
    merge_shards "$@"
    ;;
  -h | --help | help)
    usage
    exit 0
    ;;
  *)
    usage >&2
    say "$(msg "モードを指定してください: $MODES" "a mode is needed: $MODES")"
    exit 2
    ;;
esac

say "$(msg "kensa の判定: 終了コード $verdict（--fail-on $KENSA_FAIL_ON）" "kensa verdict: exit $verdict (--fail-on $KENSA_FAIL_ON)")"
exit "$verdict"
