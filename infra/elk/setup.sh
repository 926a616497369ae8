#!/usr/bin/env bash
# Loads AVA's Elasticsearch and Kibana objects: used by docker-compose.yml, and by hand against a
# real cluster (docs/monitoring.md): ES, KIBANA, ELASTIC_PASSWORD (or ES_AUTH="ApiKey …"), and the
# SMTP_* / ALERT_EMAIL_* values of the e-mail connector.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
auth=(-H "Authorization: ${ES_AUTH:-Basic $(printf 'elastic:%s' "$ELASTIC_PASSWORD" | base64 | tr -d '\n')}")
json=(-H "Content-Type: application/json")
kbn=(-H "kbn-xsrf: ava-setup")

call() {  # method url [curl args…]: fail loudly with the server's answer
  local method=$1 url=$2; shift 2
  local answer status
  answer=$(curl -sS -w '\n%{http_code}' -X "$method" "${auth[@]}" "$@" "$url")
  status=${answer##*$'\n'}
  if [[ $status -ge 300 && $status -ne 409 ]]; then
    echo "$method $url → $status: ${answer%$'\n'*}" >&2
    return 1
  fi
}

render() {  # the file with the SMTP and alert e-mail placeholders filled in
  sed -e "s|\"\${SMTP_PORT}\"|${SMTP_PORT:-587}|" \
      -e "s|\${SMTP_HOST}|${SMTP_HOST:-}|g" -e "s|\${SMTP_USERNAME}|${SMTP_USERNAME:-}|g" \
      -e "s|\${SMTP_PASSWORD}|${SMTP_PASSWORD:-}|g" -e "s|\${ALERT_EMAIL_FROM}|${ALERT_EMAIL_FROM:-}|g" \
      -e "s|\${ALERT_EMAIL_TO}|${ALERT_EMAIL_TO:-}|g" "$1"
}

if [[ -n "${KIBANA_PASSWORD:-}" ]]; then
  echo "kibana_system password"
  call POST "$ES/_security/user/kibana_system/_password" "${json[@]}" -d "{\"password\":\"$KIBANA_PASSWORD\"}"
fi
echo "ILM policy logs-ava"
call PUT "$ES/_ilm/policy/logs-ava" "${json[@]}" --data-binary @"$here/elasticsearch/ilm-policy.json"
echo "index template logs-ava (data streams logs-ava-*)"
call PUT "$ES/_index_template/logs-ava" "${json[@]}" --data-binary @"$here/elasticsearch/index-template.json"

echo "waiting for Kibana"
until curl -fs "${auth[@]}" "$KIBANA/api/status" | grep -q '"level":"available"'; do sleep 5; done
echo "dashboard"
call POST "$KIBANA/api/saved_objects/_import?overwrite=true" "${kbn[@]}" \
  --form file=@"$here/kibana/saved-objects.ndjson"
for file in "$here"/kibana/connectors/*.json; do
  id=$(basename "$file" .json); echo "connector $id"
  call POST "$KIBANA/api/actions/connector/$id" "${kbn[@]}" "${json[@]}" --data-binary "$(render "$file")"
done
for file in "$here"/kibana/rules/*.json; do
  id=$(basename "$file" .json); echo "rule $id"
  call POST "$KIBANA/api/alerting/rule/$id" "${kbn[@]}" "${json[@]}" --data-binary "$(render "$file")"
done
if [[ -z "${ES_AUTH:-}" ]]; then
  echo "an API key for AVA (AVA_LOG_SHIP_API_KEY), allowed to write logs-ava-* only:"
  curl -sS -X POST "${auth[@]}" "${json[@]}" "$ES/_security/api_key" -d '{
    "name": "ava-log-shipping",
    "role_descriptors": {"ava_logs_writer": {"index": [{"names": ["logs-ava-*"],
      "privileges": ["create_doc", "auto_configure"]}]}}}' | sed -n 's/.*"encoded":"\([^"]*\)".*/\1/p'
fi
echo "done"
