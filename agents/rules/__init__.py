"""The built-in Dutch rules engine."""

__all__ = ["RulesEngine"]


def __getattr__(name: str):
    # Lazy, so agents.context can use agents.rules.text without importing the engine
    # (which itself imports agents.context).
    if name == "RulesEngine":
        from agents.rules.engine import RulesEngine

        return RulesEngine
    raise AttributeError(name)
