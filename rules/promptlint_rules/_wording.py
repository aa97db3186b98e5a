"""How messages name the part of a request a finding is in."""

from __future__ import annotations

PART_LABELS = {
    "system": "system prompt",
    "instructions": "`instructions`",
    "developer": "developer message",
    "user": "user message",
    "assistant": "assistant message",
    "tool": "tool message",
}
