#!/bin/sh
# One-shot (temporalio/admin-tools): create our namespace and the custom search attributes
# the workflows set (staff filter on them in the Temporal UI). Idempotent.
# Keep the list in step with workflows/search_attributes.py (tests/test_compose.py checks).
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_RETENTION:-30d}"
ATTRIBUTES="CustomerPhone=Keyword Intent=Keyword LeadScore=Int LeadQuality=Keyword Escalated=Bool EscalationType=Keyword EscalationState=Keyword"

until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
    echo "waiting for Temporal at $ADDRESS"
    sleep 2
done

if ! temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
    temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi

for pair in $ATTRIBUTES; do
    name="${pair%%=*}"
    type="${pair##*=}"
    attempt=0
    # A new namespace takes a few seconds to reach every service: retry, then give up loudly.
    until temporal operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" | grep -qw "$name" \
        || temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" --address "$ADDRESS"; do
        attempt=$((attempt + 1))
        if [ "$attempt" -ge 30 ]; then
            echo "could not register search attribute $name" >&2
            exit 1
        fi
        sleep 2
    done
    echo "search attribute $name ($type) registered"
done
