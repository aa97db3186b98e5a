"""promptlint's built-in rules, registered under the ``promptlint.rules`` entry point like any rule pack."""

from promptlint_rules.dynamic_prefix import DynamicPrefix
from promptlint_rules.missing_output_limit import MissingOutputLimit
from promptlint_rules.oversized_prompt import OversizedPrompt

RULES = (DynamicPrefix, MissingOutputLimit, OversizedPrompt)

__all__ = ["RULES", "DynamicPrefix", "MissingOutputLimit", "OversizedPrompt"]
