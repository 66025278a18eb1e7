"""The Temporal worker: every workflow and activity registered in one place."""
