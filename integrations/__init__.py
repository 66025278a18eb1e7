"""Clients for the outside world: WAHA, Chatwoot, SMTP, Claude, inventory sources."""
