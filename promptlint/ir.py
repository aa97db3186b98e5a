"""The LLM-call intermediate representation: what rules see instead of SDK syntax.

SDK adapters (``promptlint.extract``) build these; rules only read them. Nodes are kept as opaque libcst
objects so that spans are resolved once, at the end, for the nodes that become findings.

Stability: ``IR_VERSION`` makes the promise the JSON output makes. Within one version, fields and enum
members may be added, none is renamed or removed or changes meaning; a rule written against version 1 keeps
working. The ``node`` fields are libcst nodes for building fixes and reporting positions; their shapes are
libcst's, not part of this promise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, ClassVar, Mapping, Optional, Tuple, Union

IR_VERSION = 1


class StrCode(str, enum.Enum):
    """An enumeration whose members are also their string values: ``RunsIn.BATCH == "batch"``, they hash,
    format and serialise as the string, so rules written against the string codes keep working."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    __hash__ = str.__hash__


class RunsIn(StrCode):
    """Where a call runs, as far as the code says."""

    INTERACTIVE = "interactive"  # a web route, websocket, UI app, chat bot: someone waits for the answer
    BATCH = "batch"  # a script, job, CLI, task queue, notebook
    UNKNOWN = "unknown"  # nothing in the module says


class Platform(StrCode):
    """Where a request is served when it is not the provider's own API."""

    PROVIDER = ""  # the provider's own API, as far as the code shows
    AZURE = "azure"
    BEDROCK = "bedrock"
    VERTEX = "vertex"
    CUSTOM = "custom"  # a ``base_url``/``api_base`` that may point anywhere
    UNKNOWN = "unknown"  # client settings the code hides (``OpenAI(**settings)``)


class LoopKind(StrCode):
    """The kind of loop around a call."""

    FOR = "for"
    ASYNC_FOR = "async-for"
    WHILE = "while"
    WHILE_TRUE = "while-true"  # also ``for _ in itertools.count()``
    COMPREHENSION = "comprehension"
    # The function making the call calls itself again after it (``LLMCall.recursion``): each call of the
    # function is one more request.
    RECURSION = "recursion"


class FixTarget(StrCode):
    """Where a fix inserts an output cap."""

    NONE = ""  # no automatic fix is possible
    CALL = "call"  # a keyword of the call itself
    CONFIG_NEW = "config-new"  # a new ``config={...}`` keyword (google-genai), or ``OutputLimit.container``
    DICT_KEY = (
        "dict-key"  # a new key in the literal dict ``OutputLimit.container_node`` (Bedrock's inferenceConfig)
    )


class Confidence(StrCode):
    """How sure extraction is that a call is the LLM request it reads."""

    HIGH = "high"  # the client is traced to an SDK import
    LOW = "low"  # recognised by its request signature alone: the client's origin is not known


def _coerce(instance: Any, name: str, kind: type) -> None:
    """Frozen dataclasses hold enum members even when a producer passed the string code."""
    value = getattr(instance, name)
    if not isinstance(value, kind):
        object.__setattr__(instance, name, kind(value))


class Volatility(enum.Enum):
    """How often a dynamic prompt segment changes, which decides whether it can break a cache."""

    PER_CALL = "per-call"  # datetime.now(), uuid4(), random: different on every request
    PER_REQUEST = "per-request"  # a parameter, a request field: differs between requests
    PER_PROCESS = "per-process"  # fixed for the life of the process: os.name, a module-level f-string
    UNKNOWN = "unknown"

    @property
    def varies_between_requests(self) -> bool:
        return self in (Volatility.PER_CALL, Volatility.PER_REQUEST)


@dataclass(frozen=True)
class Static:
    """Prompt text known at lint time."""

    text: str
    node: Any = field(default=None, compare=False, repr=False)
    # For the text of an f-string: the ``FormattedString`` it is written in (``node`` is the text part).
    literal: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OrderRisk:
    """A place where the text sent depends on an order that can differ from process to process (Python
    salts the hashes of ``str`` and ``bytes`` per process, so a set of strings iterates differently in each)."""

    # "set-iteration": a set iterated in order (``", ".join(tags)``, ``[f(t) for t in tags]``, ``tuple(tags)``,
    # a list appended to in ``for t in tags:``), ``node`` being the set, which ``sorted(...)`` would fix;
    # "set-list": ``list(tags)`` (``node``), which ``sorted(tags)`` would replace; "set-repr": a set rendered
    # as is (``f"{tags}"``, ``str(tags)``), no simple fix; "unsorted-json": ``json.dumps(data)`` (``node``)
    # without ``sort_keys=True``, on data whose key order the code does not fix by construction.
    kind: str
    node: Any = field(compare=False, repr=False)
    source: str = ""  # ``node`` as written, on one line
    strings: bool = False  # the set's elements are known to be strings: sorting them cannot raise


@dataclass(frozen=True)
class Dynamic:
    """Prompt text that is only known at run time."""

    source: str
    volatility: Volatility
    node: Any = field(default=None, compare=False, repr=False)
    # A whole document of unbounded size reaches the prompt here, untruncated: "file", "web page",
    # "collection", "query results" or "data frame"; "" when not known to be one. ``document_node`` is the
    # expression that reads it (``open(path).read()``), which may sit before the prompt is built.
    document: str = field(default="", compare=False)
    document_node: Any = field(default=None, compare=False, repr=False)
    # Where this value's text depends on an order that differs between processes, in source order. Looked
    # for only in values that do not vary between requests (elsewhere the order costs nothing more).
    order_risks: Tuple[OrderRisk, ...] = field(default=(), compare=False)


Segment = Union[Static, Dynamic]


@dataclass(frozen=True)
class PromptText:
    """A prompt as an ordered tuple of static and dynamic segments."""

    segments: Tuple[Segment, ...]
    node: Any = field(default=None, compare=False, repr=False)

    @property
    def static_text(self) -> str:
        return "".join(s.text for s in self.segments if isinstance(s, Static))

    @property
    def is_static(self) -> bool:
        return all(isinstance(s, Static) for s in self.segments)

    def first_varying(self) -> Optional[int]:
        """Index of the first segment that changes between requests, or None."""
        for index, segment in enumerate(self.segments):
            if isinstance(segment, Dynamic) and segment.volatility.varies_between_requests:
                return index
        return None


@dataclass(frozen=True)
class LiteralPlace:
    """Where a prompt literal is written, as far as rewriting it is concerned."""

    indent: str  # the indentation of the blocks that hold the literal's statement ("" at module level)
    concatenated: bool  # one string of an implicit concatenation (``"""a""" "b"``)
    local: bool  # written in the call itself or in the function that makes the call: nothing else reads it


@dataclass(frozen=True)
class PromptLiteral:
    """The triple-quoted string literal (plain or f-string) that a prompt part begins with, spanning lines:
    its source as a template whose holes are the replacement fields, and where it is written. What a rule
    needs to see, and rewrite, the layout whitespace the prompt sends."""

    HOLE: ClassVar[str] = "\x00"  # stands for a replacement field in ``template``

    node: Any = field(compare=False, repr=False)  # the ``SimpleString`` or ``FormattedString``
    prefix: str  # the string prefix without ``f``, lower case: "", "r", "u"
    quote: str  # ``"""`` or ``'''``
    template: str  # the source between the quotes, replacement fields as ``HOLE``
    texts: Tuple[Any, ...] = field(
        compare=False, repr=False
    )  # per piece between holes: its text node, or None
    values: Tuple[str, ...] = ()  # per piece: its text as the program sees it
    is_fstring: bool = False
    # How the module spells ``textwrap.dedent`` when it imports it once at module level ("textwrap.dedent"
    # or "dedent"); "" otherwise.
    dedent: str = ""
    locate: Callable[[], LiteralPlace] = field(
        default=lambda: LiteralPlace("", False, False), compare=False, repr=False
    )

    @cached_property
    def place(self) -> LiteralPlace:
        """Where the literal is written; computed on first use (it needs the module's parent links)."""
        return self.locate()

    def evaluate(self, raw: str) -> Optional[str]:
        """The text that ``raw``, a piece of this literal's source between two holes, stands for."""
        return piece_text(self.prefix, self.quote, raw, self.is_fstring)


def piece_text(prefix: str, quote: str, raw: str, fstring: bool) -> Optional[str]:
    """The text a piece of string source stands for; None when it is not a whole piece (it ends in a lone
    backslash) or is not text."""
    import ast
    import warnings

    if fstring:
        raw = raw.replace("{{", "{").replace("}}", "}")
    if raw.endswith("\\") and not raw.endswith("\\\\"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an invalid escape such as ``\d`` warns, and means itself
            value = ast.literal_eval(prefix + quote + raw + quote)
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class PromptPart:
    """One piece of the request in cache order: a system prompt, an instruction, or one message."""

    role: str  # "system", "instructions", "user", "assistant", "tool", "developer", or "unknown"
    text: PromptText
    node: Any = field(default=None, compare=False, repr=False)
    cache_breakpoint: bool = False  # a ``cache_control`` marker on this part or one of its blocks
    # Explicit cache breakpoints in this part (Anthropic ``cache_control``, OpenAI ``prompt_cache_breakpoint``),
    # in order, each with the part's text up to and including the marked block.
    breakpoints: Tuple[CacheBreakpoint, ...] = ()
    # Whether every place a breakpoint could sit in this part was seen (string content, or a literal list of
    # literal blocks, not passed to a helper that may change it). False when not known.
    marks_known: bool = False
    # Content whose tokens are not in ``text``: images, documents, tool calls and results.
    uncounted: bool = False
    # A user message written in the call's code whose content is a parameter of unknown type: ``marks_known``
    # is False only because the caller could pass content blocks. Never set when the message list or the
    # message may be changed elsewhere (``*history``, a list handed to a helper).
    content_parameter: bool = False
    # The triple-quoted literal spanning lines that the part's text begins with, when it does.
    literal: Optional[PromptLiteral] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CacheBreakpoint:
    """One explicit cache breakpoint: ``cache_control`` (Anthropic) or ``prompt_cache_breakpoint`` (OpenAI)."""

    marker: str  # the key as written: "cache_control" or "prompt_cache_breakpoint"
    prefix: PromptText  # the part's text up to and including the marked block
    counted: bool = True  # False when blocks up to the marked one carry content not in ``prefix`` (images)
    node: Any = field(default=None, compare=False, repr=False)  # the marker's dict element


@dataclass(frozen=True)
class SchemaArgument:
    """Tool definitions or a response schema written as a keyword of the call: ``tools=``/``functions=``
    (kind "tools"), or ``response_format=``, ``text=``, ``output_format=``, ``output_config=``, Gemini's
    ``config=``/``generation_config=`` (kind "response schema"). Providers render them into the prompt
    ahead of the messages."""

    kind: str  # "tools" or "response schema"
    node: Any = field(compare=False, repr=False)  # the keyword's value as written
    # Where the schema's text depends on an order that differs between processes, in source order.
    order_risks: Tuple[OrderRisk, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class LoopInfo:
    """A loop around an LLM call, in the call's own function, as far as the code shows."""

    kind: LoopKind
    node: Any = field(default=None, compare=False, repr=False)  # the loop statement or comprehension
    iterable: str = ""  # the iterated expression as written ("" for while loops)
    iterable_node: Any = field(default=None, compare=False, repr=False)
    # Items of a literal collection, or of ``range(<int>)``, iterated (through a name bound once): else None.
    items: Optional[int] = None
    # Iterates over data (a collection, a file, a query), not ``range(...)``, a retry helper, or ``_``.
    over_collection: bool = False
    # A visible iteration or budget cap: ``range(...)``, an ordering comparison or counter in the condition, a
    # ``break``/``return``/``raise`` guarded by one, a budget/limit check in the body. ``cap`` is its source.
    capped: bool = False
    cap: str = ""
    # The loop can only end through ``break``/``return``, and every such exit (outside ``except`` handlers)
    # depends on the model's output; for ``while cond:``, the condition too. At least one exit exists.
    exits_on_output: bool = False
    early_exit: bool = False  # a ``break`` or ``return`` (outside ``except`` handlers) may end the loop early
    result_feeds_prompt: bool = False  # the call's result reaches its own arguments in a later iteration
    reads_input: bool = False  # the body waits for a person or a peer: ``input()``, a websocket, stdin
    yields: bool = False  # the body yields (results are consumed as they are produced)
    # A message list that this loop's body appends to and the call re-sends whole (``messages=messages``),
    # never trimmed in the function (no rebinding, ``del``, ``pop``, or hand-off to a helper); "" when none.
    history: str = ""
    history_node: Any = field(default=None, compare=False, repr=False)  # the list as passed to the call
    # In ``LLMCall.caller_loops``: the call of the helper function that makes the request, as written; in
    # ``LLMCall.recursion``: the callee of the call by which the function calls itself again.
    via: str = ""

    def __post_init__(self) -> None:
        _coerce(self, "kind", LoopKind)


@dataclass(frozen=True)
class KeptHistory:
    """A message list kept on the instance (``self.messages``) that the call re-sends whole, that its class
    grows across calls (outside ``__init__``) and that nothing in the class, its bases or its subclasses in
    the module shortens: the loop is whoever calls the method again."""

    attribute: str  # as written: "self.messages"
    node: Any = field(default=None, compare=False, repr=False)  # where the call's argument sends it
    grown_in: str = ""  # the first method, in source order, that adds to it


@dataclass(frozen=True)
class TurnValue:
    """A value in the prompt that the code changes on every turn of the conversation the call re-sends (the
    variable of the loop that re-sends the history, a name set in that loop, the history's own length, an
    attribute the sending method increments or sets after its request)."""

    node: Any = field(compare=False, repr=False)  # the ``Dynamic`` segment's node
    reason: str = (
        ""  # why it changes, as a clause: "it is the variable of the loop that re-sends the history"
    )


class LimitStatus(enum.Enum):
    """Whether a call caps its output, as far as the code shows."""

    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"  # a **mapping or an opaque config object may carry it
    NOT_APPLICABLE = "not-applicable"  # the API requires it, defaults it small, or produces no text


@dataclass(frozen=True)
class Related:
    """Another place a finding on a request depends on: the project's wrapper that sends it, say."""

    message: str  # what it is, as a clause: "sent through `ask()`"
    node: Any = field(compare=False, repr=False)
    # The libcst Module and absolute file of the node when it is in another module (shown relative as the
    # finding's own path is); None and "" for the call's own.
    module: Any = field(default=None, compare=False, repr=False)
    path: str = ""
    # For a request whose prompt the caller passes through the project's wrapper: the wrapper's function.
    # What is written inside it is reported by the wrapper's own request, so a finding of this request
    # placed there is not reported again; None for other related places.
    within: Any = field(default=None, compare=False, repr=False)
    # With ``within``: the wrapper's parameters its prompt is built from. A finding of the wrapper's own
    # request placed on one of them is the one its callers' requests report where the value is written.
    parameters: Tuple[str, ...] = ()
    # False for a definition in the request's own module (a module constant): not shown as a related place
    # (it is in the same file), only used to report a prompt several requests send once, at its definition.
    shown: bool = True


@dataclass(frozen=True)
class OutputLimit:
    status: LimitStatus
    value: Optional[int] = None  # the literal cap, when known
    parameter: str = ""  # the parameter a fix would add (e.g. "max_completion_tokens")
    fix_target: FixTarget = FixTarget.NONE  # where a fix inserts the cap
    # The expression that sets the cap (``4096`` in ``max_tokens=4096``), when the cap is present.
    node: Any = field(default=None, compare=False, repr=False)
    # The keyword whose dict holds the cap when it is not a keyword of its own (``inferenceConfig`` on
    # Bedrock's Converse); "" means ``config`` for a ``config-new`` fix.
    container: str = ""
    # The literal dict a ``dict-key`` fix adds the cap to.
    container_node: Any = field(default=None, compare=False, repr=False)
    # For a request sent through the project's own wrapper: the wrapper's parameter a caller sets the cap
    # with (``max_tokens``, or the SDK's name when the wrapper forwards ``**kwargs``); "" otherwise.
    wrapper_parameter: str = ""

    def __post_init__(self) -> None:
        _coerce(self, "fix_target", FixTarget)


@dataclass(frozen=True)
class ModuleFacts:
    """Facts about the module a call is written in: one object shared by the module's calls, each fact
    computed on first use (most runs never need them)."""

    find_string_literals: Callable[[], Tuple[str, ...]] = field(default=tuple, compare=False, repr=False)

    @cached_property
    def string_literals(self) -> Tuple[str, ...]:
        """The text of every string literal of the module, in source order, an implicit concatenation or an
        f-string counting as one; a replacement field, or a bytes piece of a concatenation, reads as
        ``"\\n\\x00\\n"`` (a break no sentence crosses)."""
        return self.find_string_literals()


@dataclass(frozen=True)
class ModelCandidate:
    """One literal model a request may use, when the code chooses between several."""

    model: str
    node: Any = field(default=None, compare=False, repr=False)  # the literal that names it


@dataclass(frozen=True)
class LLMCall:
    """One recognised LLM request (or an LLM client constructed with fixed request settings)."""

    provider: str  # "openai", "anthropic", "google", "litellm", "langchain"
    endpoint: str  # e.g. "chat.completions.create", "messages.create", "ChatAnthropic"
    callee: str  # the callee as written, e.g. "self.client.chat.completions.create"
    model: Optional[str]  # the literal model id, when it can be resolved
    keywords: Tuple[str, ...]  # keyword arguments known to be present (including from resolved mappings)
    has_unresolved_splat: bool  # a ``**mapping`` whose keys cannot be known
    prompt: Tuple[PromptPart, ...]  # the request in cache order, as far as it is known
    prompt_complete: bool  # False when parts of the prompt could not be resolved at all
    output_limit: OutputLimit
    is_async: bool = False
    in_loop: bool = False
    node: Any = field(default=None, compare=False, repr=False)  # the libcst Call node
    model_node: Any = field(default=None, compare=False, repr=False)
    # The loops around the call in its own function, innermost first (empty when not in a loop).
    loops: Tuple[LoopInfo, ...] = ()
    # For a call outside any loop in a module-level function that the module calls exactly once, from
    # inside loops: those loops, innermost first, each with ``via`` set (``for row in rows: blurb(row)``).
    caller_loops: Tuple[LoopInfo, ...] = ()
    in_async_function: bool = False
    streams: bool = False  # ``stream=`` not literally False, or a streaming endpoint: may stream
    # Where the call runs; ``runs_in_evidence`` is what says so, as written.
    runs_in: RunsIn = RunsIn.UNKNOWN
    runs_in_evidence: str = ""
    # The tool definitions (``tools=``, OpenAI and Anthropic), role "tools": the text of their keys and string
    # values in order, with dynamic holes; cache order puts them before everything else. None without tools.
    tools: Optional[PromptPart] = None
    # Keywords whose value is known at lint time, resolved through names bound once: str, int, float, bool,
    # None, and lists/dicts of them (``response_format={...}``). Google's ``config``/``generation_config``
    # fields appear as ``"config.<field>"``. ``argument_nodes`` maps every keyword to its value expression.
    literal_arguments: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    argument_nodes: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Where the request is served when it is not the provider's own API (a client built elsewhere counts as
    # the provider's own).
    platform: Platform = Platform.PROVIDER
    # The ``host[:port]`` of a literal ``base_url``/``api_base`` on the user's own machine or network
    # (localhost, a private address): a self-hosted server, where list prices do not apply. "" otherwise.
    self_hosted: str = ""
    # The response is bound to a name read only through its first choice (``r.choices[0]``,
    # ``r.candidates[0]``, Gemini's ``r.text``), or read that way directly. False when not known.
    reads_first_choice_only: bool = False
    # The tool definitions and response schemas written as keywords of the call, in the order written.
    schemas: Tuple[SchemaArgument, ...] = ()
    # Facts about the module the call is written in (shared by its calls); None when not known.
    module_facts: Optional[ModuleFacts] = field(default=None, compare=False, repr=False)
    # "low" when the call is recognised by its request signature alone (the SDK path and the keywords only
    # that API takes) because nothing says where its client comes from; its platform is then unknown.
    confidence: Confidence = Confidence.HIGH
    # When the code chooses the model among literals (an ``if``/``else``, a conditional expression, a lookup
    # in a dict of literals, a class constant that subclasses override) and every branch is known: each
    # branch's model, in source order, and ``model`` is None (no single value). Empty when the model is one
    # literal or not known.
    model_candidates: Tuple[ModelCandidate, ...] = ()
    # The function that makes the call (or the one function of the module that calls that function) calls
    # itself again after the request: a loop of kind ``recursion`` (``node`` is the recursive call; no
    # ``iterable``, ``items`` or ``history``). None when there is no such call.
    recursion: Optional[LoopInfo] = None
    # The history the call re-sends is kept on the instance and grows across calls, untrimmed (see
    # ``KeptHistory``); None otherwise, and when a loop around the call re-sends a local history.
    kept_history: Optional[KeptHistory] = None
    # The values in the prompt (the tools included) that change on every turn of the history the call
    # re-sends (``loops[i].history`` or ``kept_history``), in cache order; empty when it re-sends none.
    turn_values: Tuple[TurnValue, ...] = ()
    # The other places this request depends on, for a request made through the project's own wrapper (its
    # ``node`` is then the call of the wrapper, and the request carries only the fields the caller binds).
    related: Tuple[Related, ...] = ()
    # Where a prompt part named at the request is written when another definition holds it: each pair is
    # the expression at the request (an imported or class constant, the call of a helper that builds the
    # prompt) and that place. A finding placed on the expression, or inside it, says where (a related
    # place of that finding only). Empty when the part is written at the request or its origin is ambiguous.
    origins: Tuple[Tuple[Any, Related], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        _coerce(self, "runs_in", RunsIn)
        _coerce(self, "platform", Platform)
        _coerce(self, "confidence", Confidence)

    def turn_value(self, segment: Any) -> Optional[TurnValue]:
        """The ``TurnValue`` for a ``Dynamic`` segment of the prompt, when it changes on every turn."""
        node = getattr(segment, "node", None)
        return next((value for value in self.turn_values if node is not None and value.node is node), None)

    @property
    def loop(self) -> Optional[LoopInfo]:
        """The innermost loop around the call, in its own function."""
        return self.loops[0] if self.loops else None

    @property
    def marks_cache(self) -> bool:
        """Whether the request asks for prompt caching explicitly (Anthropic-style ``cache_control``)."""
        return "cache_control" in self.keywords or any(part.cache_breakpoint for part in self.prompt)

    @property
    def caches_implicitly(self) -> bool:
        """Whether the provider caches the request's prefix without being asked: OpenAI and Gemini do
        (automatic and implicit caching); Anthropic caches only prefixes marked with ``cache_control``.
        Model-level exceptions (breakpoint-only caching) are ``ModelInfo.caches_at_breakpoints_only``."""
        return self.provider != "anthropic"

    @property
    def prefix_cached(self) -> bool:
        """Whether the provider caches this request's prefix at all: without a marker, or because it is marked."""
        return self.caches_implicitly or self.marks_cache

    @property
    def cache_order(self) -> Tuple[PromptPart, ...]:
        """The parts of the request in the order the provider caches them: the tool definitions, then the
        prompt (system prompt or instructions, then the messages). Anthropic documents its cache prefix as
        ``tools``, ``system``, ``messages`` in that order, and OpenAI renders tools ahead of the messages in
        the prompt it caches; so tools go first everywhere the request's text is listed or counted."""
        return ((self.tools,) if self.tools is not None else ()) + self.prompt

    def may_have(self, *names: str) -> bool:
        """True when any of ``names`` is passed, or may be passed through an unresolved splat."""
        return self.has_unresolved_splat or any(name in self.keywords for name in names)
