"""promptlint's built-in rules, registered under the ``promptlint.rules`` entry point like any rule pack."""

from promptlint_rules.batchable_loop import BatchableLoop
from promptlint_rules.below_cache_minimum import BelowCacheMinimum
from promptlint_rules.duplicate_instructions import DuplicateInstructions
from promptlint_rules.dynamic_prefix import DynamicPrefix
from promptlint_rules.excessive_output_limit import ExcessiveOutputLimit
from promptlint_rules.legacy_limit_param import LegacyLimitParam
from promptlint_rules.missing_cache_breakpoint import MissingCacheBreakpoint
from promptlint_rules.missing_output_limit import MissingOutputLimit
from promptlint_rules.multiple_choices import MultipleChoices
from promptlint_rules.overpowered_model import OverpoweredModel
from promptlint_rules.oversized_prompt import OversizedPrompt
from promptlint_rules.prompt_whitespace import PromptWhitespace
from promptlint_rules.retired_model import RetiredModel
from promptlint_rules.unbounded_agent_loop import UnboundedAgentLoop
from promptlint_rules.unbounded_document import UnboundedDocument
from promptlint_rules.unbounded_history import UnboundedHistory
from promptlint_rules.unstable_serialization import UnstableSerialization
from promptlint_rules.volatile_prefix import VolatilePrefix

RULES = (
    DynamicPrefix,
    VolatilePrefix,
    MissingCacheBreakpoint,
    UnstableSerialization,
    BelowCacheMinimum,
    MissingOutputLimit,
    ExcessiveOutputLimit,
    MultipleChoices,
    LegacyLimitParam,
    OversizedPrompt,
    UnboundedDocument,
    UnboundedHistory,
    RetiredModel,
    OverpoweredModel,
    BatchableLoop,
    UnboundedAgentLoop,
    PromptWhitespace,
    DuplicateInstructions,
)

__all__ = [
    "RULES",
    "BatchableLoop",
    "BelowCacheMinimum",
    "DuplicateInstructions",
    "DynamicPrefix",
    "ExcessiveOutputLimit",
    "LegacyLimitParam",
    "MissingCacheBreakpoint",
    "MissingOutputLimit",
    "MultipleChoices",
    "OverpoweredModel",
    "OversizedPrompt",
    "PromptWhitespace",
    "RetiredModel",
    "UnboundedAgentLoop",
    "UnboundedDocument",
    "UnboundedHistory",
    "UnstableSerialization",
    "VolatilePrefix",
]
