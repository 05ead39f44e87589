"""The intermediate representation: everything templates may read, and nothing else.

Immutable dataclasses, built once by `generator.build` from a checked spec set. Templates
never see raw YAML: names are already safe identifiers, Python annotations are already
composed, and every string that came from a spec is a `SpecText`, which the template
environment refuses to print without an escaping filter (`generator.render`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


class SpecText(str):
    """A string taken from a spec. Templates must pass it through an escaping filter
    (`py_str`, `docstring`, `comment`, `md`, `html`); printing it raw is an error."""

    __slots__ = ()


Direction = Literal["request", "response", "params"]
#: What a field's values are on the wire, before constraints (an optional field adds nothing).
BaseType = Literal["str", "int", "float", "bool", "list", "dict", "model", "any", "enum"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact comes from: the spec location, and the vendor page row it records."""

    file: str
    pointer: str
    page: SpecText | None = None
    page_title: SpecText | None = None
    updated: SpecText | None = None
    table: SpecText | None = None
    row: SpecText | None = None
    doc_type: SpecText | None = None
    mandatory: SpecText | None = None


@dataclass(frozen=True, slots=True)
class CodeEntry:
    value: int | SpecText
    name: str  # enum member name, a safe identifier
    meaning: SpecText
    label: SpecText | None = None


@dataclass(frozen=True, slots=True)
class CodeUse:
    """An operation field that carries codes of a table (for docs: "used by")."""

    operation_id: str
    family: str
    field_path: SpecText  # wire path, e.g. result.callInfo[].reasonCode
    direction: Direction
    closed: bool


@dataclass(frozen=True, slots=True)
class CodeTable:
    key: str  # unique key of the schema (file#pointer)
    class_name: str
    title: SpecText
    description: SpecText
    kind: Literal["int", "str"]
    entries: tuple[CodeEntry, ...]
    other: SpecText | None
    provenance: tuple[Provenance, ...]
    #: Known only once every operation is built: the builder sets it then, once, on the
    #: one object every field already points at (which is why it is not part of equality).
    uses: tuple[CodeUse, ...] = field(default=(), compare=False)
    errata: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Constraint:
    """One JSON Schema keyword on a field, for contract tests and docs."""

    keyword: str  # maxLength, minLength, minimum, maximum, exclusiveMinimum, pattern, enum, ...
    value: int | float | SpecText | tuple[int | SpecText, ...]
    applies_to: Literal["str", "int", "float", "list", "enum"]


@dataclass(frozen=True, slots=True)
class CodeRef:
    """How to describe the codes a field carries (open fields: responses)."""

    tables: tuple[CodeTable, ...]
    when: tuple[tuple[str, int | SpecText, CodeTable], ...] = ()  # (other attr, value, table)


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # python attribute, safe identifier
    wire: SpecText  # JSON name
    annotation: str  # python type expression, built from safe parts only
    required: bool
    description: SpecText
    constraints: tuple[Constraint, ...]
    base_types: tuple[BaseType, ...]
    provenance: Provenance
    codes: CodeRef | None = None  # open code field
    enum: CodeTable | None = None  # closed code field (requests)
    model: str | None = None  # nested model class name (also for list items)
    is_list: bool = False
    sensitive: bool = False
    lax: bool = False  # the spec widened the documented type (an erratum)
    default_doc: SpecText | None = None  # documented default, shown in docs only
    errata: tuple[str, ...] = ()
    info_property: str | None = None  # name of the generated `<field>_info` property
    plain: str = "Any"  # annotation without constraints, for keyword arguments


@dataclass(frozen=True, slots=True)
class Model:
    key: str  # file#pointer[#variant]
    class_name: str
    description: SpecText
    direction: Direction
    fields: tuple[Field, ...]
    provenance: Provenance
    rules: tuple[RuleIR, ...] = ()
    doc: SpecText = SpecText("")

    @property
    def renames(self) -> tuple[tuple[str, SpecText], ...]:
        """(attribute, wire name) pairs where the two differ: msgspec's rename map."""
        return tuple((f.name, f.wire) for f in self.fields if f.name != f.wire)

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.required)

    @property
    def code_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.codes is not None)

    @property
    def sensitive_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.sensitive)


@dataclass(frozen=True, slots=True)
class RuleIR:
    kind: str
    fields: tuple[SpecText, ...]  # wire names
    limit: int
    message: SpecText


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # python kwarg
    wire: SpecText
    location: Literal["path", "query", "header"]
    field: Field
    credential: str | None = None  # filled from this client credential when not given


@dataclass(frozen=True, slots=True)
class BusinessRuleIR:
    code_path: tuple[str, ...]  # python attribute path in the response model
    code_wire: SpecText
    success: tuple[SpecText, ...]
    message_path: tuple[str, ...] | None
    codes: CodeRef | None


@dataclass(frozen=True, slots=True)
class PaginationIR:
    offset_field: SpecText
    limit_field: SpecText
    items_path: tuple[str, ...]
    total_path: tuple[str, ...] | None
    empty_codes: tuple[SpecText, ...]
    window: tuple[SpecText, SpecText] | None
    window_params: tuple[str, str] | None  # python kwarg names of the window fields
    max_interval: int | None
    as_string: bool
    default_limit: int | None
    item_model: str | None
    method_name: str  # iter_<operation>


@dataclass(frozen=True, slots=True)
class Example:
    name: SpecText
    direction: Literal["request", "response"]
    status: str | None
    value_json: SpecText  # the example's value, as canonical JSON
    verbatim: SpecText | None
    errata: tuple[str, ...]
    #: (instance pointer, message) of each schema violation, when an erratum excuses them
    violations: tuple[tuple[SpecText, SpecText], ...] = ()


@dataclass(frozen=True, slots=True)
class Status:
    code: str
    description: SpecText


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: SpecText
    const_name: str  # module constant holding the runtime descriptor
    method_name: str
    http_method: str  # upper case
    path: SpecText
    summary: SpecText
    description: SpecText
    family: str
    request_model: Model | None
    params_model: Model | None
    params: tuple[Param, ...]
    body_fields: tuple[Field, ...]
    response_model: Model | None
    #: Python type of the decoded 2xx body ("Pet", "list[Pet]"), or None when undecoded.
    response_annotation: str | None
    retry_safe: bool
    retry_explicit: bool
    business: BusinessRuleIR | None
    rules: tuple[RuleIR, ...]
    fixed_headers: tuple[tuple[SpecText, SpecText], ...]
    pagination: PaginationIR | None
    sensitive_wire: tuple[SpecText, ...]
    examples: tuple[Example, ...]
    statuses: tuple[Status, ...]
    provenance: Provenance
    errata: tuple[str, ...] = ()
    doc: SpecText = SpecText("")
    iter_doc: SpecText = SpecText("")

    @property
    def kwargs(self) -> tuple[Param | Field, ...]:
        """Keyword arguments in signature order: required first, then optional."""
        items: list[Param | Field] = [*self.params, *self.body_fields]
        return tuple(sorted(items, key=lambda x: not _field_of(x).required))


def _field_of(item: Param | Field) -> Field:
    return item.field if isinstance(item, Param) else item


@dataclass(frozen=True, slots=True)
class ServerVariable:
    name: str  # python kwarg
    wire: SpecText
    default: SpecText
    description: SpecText
    required: bool


@dataclass(frozen=True, slots=True)
class Credential:
    name: str  # python kwarg and credential key
    description: SpecText
    secret: bool


@dataclass(frozen=True, slots=True)
class AuthIR:
    kind: Literal["none", "token-source", "bearer", "signer", "api-key", "basic"]
    description: SpecText
    credentials: tuple[Credential, ...] = ()
    token_path: SpecText | None = None
    token_credential_fields: tuple[tuple[SpecText, str], ...] = ()
    token_lifetime_header: SpecText | None = None
    token_field: SpecText | None = None
    token_expires_field: SpecText | None = None
    token_default_lifetime: int | None = None
    token_max_lifetime: int | None = None
    api_key_name: SpecText | None = None
    api_key_location: str | None = None


@dataclass(frozen=True, slots=True)
class Family:
    key: str  # module name
    class_name: str
    async_class_name: str
    title: SpecText
    description: SpecText
    source: str  # spec file name
    server_url: SpecText
    server_variables: tuple[ServerVariable, ...]
    auth: AuthIR
    operations: tuple[Operation, ...]
    models: tuple[Model, ...]  # dependency order: a model after the models it uses
    imports: tuple[tuple[str, str], ...] = ()  # (module, class) of models from other families
    doc: SpecText = SpecText("")


@dataclass(frozen=True, slots=True)
class Erratum:
    id: SpecText
    page: SpecText
    table: SpecText | None
    kind: SpecText
    targets: tuple[SpecText, ...]
    doc: SpecText
    observed: SpecText
    action: SpecText
    client: SpecText
    file: str


@dataclass(frozen=True, slots=True)
class Page:
    key: SpecText
    title: SpecText
    updated: SpecText | None
    file: SpecText | None
    url: SpecText | None


@dataclass(frozen=True, slots=True)
class Note:
    page: SpecText
    table: SpecText | None
    note: SpecText


@dataclass(frozen=True, slots=True)
class API:
    package: str
    distribution: str
    version: str
    title: SpecText
    families: tuple[Family, ...]
    code_tables: tuple[CodeTable, ...]
    errata: tuple[Erratum, ...]
    pages: tuple[Page, ...]
    notes: tuple[Note, ...]
    spec_files: tuple[str, ...] = field(default=())
