"""The ways in: the webhook API, the CLI and the local dev stack."""
