"""The vocabulary of the framework table: signatures, argument roles and default axes.

A table entry says which canonical operation a library callable performs and how to read its
arguments: which parameter holds the operand, which the axis and keepdims flag (under which
names and aliases), what an omitted axis means, and which arguments do not affect values.
Signatures are written as Python parameter lists and parsed with `ast`, so the table reads like
the libraries' documentation and can be checked against the real signatures by introspection.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from numlint.engine.table.kinds import check_kind

# What an omitted axis means. An int is a concrete default axis (e.g. builtin `sum` is axis 0).
ALL = "all"            # reduce over every element (numpy's axis=None)
REQUIRED = "required"  # the axis must be given (torch.logsumexp, torch.softmax)
IMPLICIT = "implicit"  # torch's deprecated implicit softmax dim: 0 if ndim in (0, 1, 3) else 1
DefaultAxis = Union[str, int, None]

FRAMEWORKS = ("numpy", "torch", "tensorflow", "jax", "keras")
# Display names, also the names users know the frameworks by in docs and messages.
FRAMEWORK_NAMES = {
    "numpy": "NumPy/SciPy",
    "torch": "PyTorch",
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "keras": "Keras",
    "python": "Python",
    # Libraries that spell NumPy's API (`table.spellings`): their examples are checked as text.
    "cupy": "CuPy",
    "mxnet": "MXNet",
}


@dataclass(frozen=True)
class Signature:
    """Parameter names of a callable, in the order positional arguments bind to them."""

    positional: Tuple[str, ...]
    keyword_only: Tuple[str, ...] = ()
    positional_only: int = 0  # how many leading parameters are positional-only
    varargs: bool = False
    varkw: bool = False

    @classmethod
    def parse(cls, params: str) -> "Signature":
        """Parse a parameter list such as `"a, /, axis=None, *, keepdims=False, **kw"`."""
        func = ast.parse(f"def _({params}): pass").body[0]
        assert isinstance(func, ast.FunctionDef)
        args = func.args
        return cls(
            positional=tuple(a.arg for a in args.posonlyargs + args.args),
            keyword_only=tuple(a.arg for a in args.kwonlyargs),
            positional_only=len(args.posonlyargs),
            varargs=args.vararg is not None,
            varkw=args.kwarg is not None,
        )

    def accepts_keyword(self, name: str) -> bool:
        return (
            name in self.positional[self.positional_only:]
            or name in self.keyword_only
            or self.varkw
        )

    @property
    def names(self) -> Tuple[str, ...]:
        return self.positional + self.keyword_only


@dataclass(frozen=True)
class Roles:
    """How to read the arguments of one callable."""

    operand: Optional[str] = None        # the array operated on (default: first parameter)
    axis: Optional[str] = None           # the axis/dim parameter
    keepdims: Optional[str] = None       # the keepdims/keepdim parameter
    default_axis: DefaultAxis = None     # meaning of an omitted axis (ALL, REQUIRED, IMPLICIT, int)
    all_axes: Optional[str] = None       # the axis argument that reduces over every element
    explicit_axis: bool = False          # as a fix target, always pass the axis explicitly
    aliases: Mapping[str, str] = field(default_factory=dict)  # accepted spelling -> parameter
    inert: Tuple[str, ...] = ()          # arguments that never change values (`name=` in TF)


@dataclass(frozen=True)
class Spec:
    """One library callable: a function (by qualified name) or a method (by attribute name)."""

    kind: str                 # canonical operation: "log", "sum", "softmax", ...
    framework: str            # "numpy", "torch", "tensorflow", "jax", "keras", "python"
    name: str                 # qualified name for functions, attribute name for methods
    signature: Signature
    roles: Roles
    is_method: bool = False
    is_class: bool = False    # a layer class: calling an instance applies the operation
    call_signature: Optional[Signature] = None  # for layers: how an instance is called

    @property
    def namespace(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def operand(self) -> Optional[str]:
        """The parameter holding the array operated on (None for methods: the receiver)."""
        if self.roles.operand:
            return self.roles.operand
        if self.is_method or not self.signature.positional:
            return None
        return self.signature.positional[0]

    def canonical(self, keyword: str) -> Optional[str]:
        """The parameter a keyword argument binds to, or None if the callable rejects it.

        A keyword that only a `**kwargs` catch-all accepts binds under its own name.
        """
        if keyword in self.roles.aliases:
            return self.roles.aliases[keyword]
        signature = self.signature
        if keyword in signature.positional[:signature.positional_only]:
            return None
        if keyword in signature.names or signature.varkw:
            return keyword
        return None

    def spellings(self, param: str) -> Tuple[str, ...]:
        """Every keyword under which `param` can be passed: its name, then its aliases."""
        return (param,) + tuple(a for a, p in self.roles.aliases.items() if p == param)


def parse_spec(kind: str, framework: str, header: str, *, method: bool = False,
               layer: bool = False, call: str = "input", **roles: Any) -> Spec:
    """Build a `Spec` from a header such as `"numpy.sum(a, axis=None, ...)"`.

    For a layer class (`layer=True`) the header is the constructor's and `call` the parameters
    an instance is called with (`"input, target"` for a loss)."""
    name, _, rest = header.partition("(")
    check_kind(kind, f"table entry {header!r}")
    if not rest.endswith(")"):
        raise ValueError(f"malformed signature: {header!r}")
    if roles.get("default_axis") == ALL:
        roles.setdefault("all_axes", "None")
    return Spec(
        kind=kind,
        framework=framework,
        name=name.strip(),
        signature=Signature.parse(rest[:-1]),
        roles=Roles(**roles),
        is_method=method,
        is_class=layer,
        call_signature=Signature.parse(call) if layer else None,
    )


def index_specs(specs) -> Tuple[Dict[str, Spec], Dict[str, Tuple[Spec, ...]]]:
    """Split specs into functions by qualified name and methods by attribute name."""
    functions: Dict[str, Spec] = {}
    methods: Dict[str, list] = {}
    for spec in specs:
        if spec.is_method:
            methods.setdefault(spec.name, []).append(spec)
        else:
            if spec.name in functions:
                raise ValueError(f"duplicate table entry for {spec.name}")
            functions[spec.name] = spec
    return functions, {k: tuple(v) for k, v in methods.items()}
