#!/usr/bin/env bash
# Submit a suite to AWS Batch as one array job: child i runs `rigl-harness run FILE --store STORE`,
# and `run` picks the run from AWS_BATCH_JOB_ARRAY_INDEX (plan order, as `plan` prints it). The
# runs meet in the S3 store; when the array job is done, `verify` over that store gives the verdict.
#
# usage: ci/aws-batch/submit.sh FILE s3://BUCKET/PREFIX JOB_QUEUE [JOB_DEFINITION]
#   FILE            a manifest under manifests/, as the image holds it (e.g. manifests/fmnist-lenet300/suite.json)
#   JOB_DEFINITION  registered from ci/aws-batch/job-definition.json (default rigl-harness)
# environment:
#   RIGL_S3_ENDPOINT  an S3-compatible endpoint for the store (not AWS_ENDPOINT_URL, which the aws
#                     CLI would also use for its Batch calls); passed to the jobs as AWS_ENDPOINT_URL
#   the aws CLI's usual credentials and region, which also read the store for `plan`
#
# Run from a checkout after `npm ci`; needs bash, node and the aws CLI v2. See docs/fan-out.md.
# (Empty arrays are expanded as ${a[@]+"${a[@]}"} for the bash 3.2 of macOS under set -u.)
set -euo pipefail

if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
  sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
file=$1
store=$2
queue=$3
definition=${4:-rigl-harness}
endpoint=${RIGL_S3_ENDPOINT:-}

cd "$(dirname "$0")/../.."
case "$file" in
  /* | ../*) echo "submit.sh: FILE must be a path inside this checkout, as the image holds it (e.g. manifests/fmnist-lenet300/suite.json), found $file" >&2; exit 2 ;;
esac
case "$store" in
  s3://*) ;;
  *) echo "submit.sh: the store must be s3://BUCKET/PREFIX (a local path inside a job is lost when it ends), found $store" >&2; exit 2 ;;
esac

# The run count (the array size) and how many are not stored yet, from plan. plan exits 3 when a
# stored run is corrupt; it still prints the plan, and run leaves such a run alone.
endpoint_flag=()
if [ -n "$endpoint" ]; then endpoint_flag=(--s3-endpoint "$endpoint"); fi
plan_json=$(node bin/rigl-harness.js plan "$file" --store "$store" ${endpoint_flag[@]+"${endpoint_flag[@]}"} --json) || [ "$?" -eq 3 ]
read -r runs to_train < <(node -e '
  const plan = JSON.parse(process.argv[1]);
  console.log(plan.runs.length, plan.totals.toTrain);
' "$plan_json")
echo "$file: $runs runs, $to_train not stored yet in $store" >&2

verify="node bin/rigl-harness.js verify $file --store $store${endpoint:+ --s3-endpoint $endpoint}"
if [ "$to_train" -eq 0 ]; then
  echo "nothing to train; verify with: $verify" >&2
  exit 0
fi
if [ "$runs" -gt 10000 ]; then
  echo "submit.sh: $runs runs; an AWS Batch array job holds at most 10000: split the suite" >&2
  exit 2
fi

# An array job needs at least 2 children; a single run is one plain job (run then trains it whole).
array=()
if [ "$runs" -ge 2 ]; then array=(--array-properties "size=$runs"); fi
parameters=$(node -e 'console.log(JSON.stringify({ manifest: process.argv[1], store: process.argv[2] }))' "$file" "$store")
overrides=()
if [ -n "$endpoint" ]; then
  overrides=(--container-overrides "$(node -e 'console.log(JSON.stringify({ environment: [{ name: "AWS_ENDPOINT_URL", value: process.argv[1] }] }))' "$endpoint")")
fi
name="rigl-$(basename "$file" .json | tr -c 'A-Za-z0-9_\n-' '-')-$(date -u +%Y%m%d%H%M%S)"

job_id=$(aws batch submit-job \
  --job-name "$name" \
  --job-queue "$queue" \
  --job-definition "$definition" \
  ${array[@]+"${array[@]}"} \
  --parameters "$parameters" \
  ${overrides[@]+"${overrides[@]}"} \
  --query jobId --output text)

echo "submitted $name: job $job_id ($runs children, child i trains run i of plan order)" >&2
echo "watch:  aws batch describe-jobs --jobs $job_id --query 'jobs[0].[status,arrayProperties.statusSummary]'" >&2
echo "verify: $verify" >&2
echo "$job_id"
