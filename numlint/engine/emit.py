"""Emitting stable replacements in the framework of the code a rule found.

A rule says *what* it wants ("the logsumexp of this operand, reduced like that sum, written
like that log") and this module answers with source text, choosing among the table's targets
for the framework: the spelling in the namespace the code already uses (`F.softmax` becomes
`F.log_softmax`, `tf.compat.v1.reduce_sum` becomes `tf.compat.v1.reduce_logsumexp`), function
or method form as the code was written, argument keywords as the code spelled them, and an
explicit axis wherever the replacement's default axis differs from the original's.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

from numlint.engine import table
from numlint.engine.fix import Edit
from numlint.engine.importer import Importer
from numlint.engine.semantic.model import SemanticModel, Op, Scope
from numlint.engine.source import SourceText
from numlint.engine.table.schema import ALL, Spec

# Expressions that can be the receiver of a method call (`x.f()`) without parentheses.
_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Dict, ast.Set,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr)


@dataclass
class Replacement:
    """Source text for a replacement expression, and the imports it needs."""

    text: str
    imports: List[Edit] = field(default_factory=list)
    copied: List[ast.expr] = field(default_factory=list)  # source nodes copied verbatim
    callee: str = ""  # the function or method written, for messages (`torch.logsumexp`)


@dataclass
class Arg:
    """An argument to re-emit: its text and how the original call passed it."""

    text: str
    keyword: Optional[str] = None   # the keyword spelling used, None if passed positionally
    position: Optional[int] = None  # the slot it was passed in positionally (operand = 0)
    node: Optional[ast.expr] = None  # the source expression, when copied from the code


class Emitter:
    def __init__(self, model: SemanticModel, source: SourceText, importer: Importer):
        self.model = model
        self.source = source
        self.importer = importer

    # -- source text ------------------------------------------------------------------------------
    def text(self, node: ast.expr) -> str:
        return self.source.segment(node)

    def receiver_text(self, node: ast.expr) -> str:
        """The text of `node` fit to be the receiver of a method call."""
        text = self.text(node)
        if isinstance(node, _ATOMS) or (isinstance(node, ast.Tuple) and text.startswith("(")):
            return text
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return text
        return f"({text})"

    def arg_text(self, node: ast.expr) -> str:
        text = self.text(node)
        if isinstance(node, (ast.NamedExpr, ast.GeneratorExp)) and not text.startswith("("):
            return f"({text})"
        return text

    def op_args(self, op: Op, exclude: Tuple[str, ...] = ()) -> Dict[str, Arg]:
        """The arguments of `op` other than its operand, keyed by role or parameter name."""
        result: Dict[str, Arg] = {}
        spec = op.spec
        if spec is None or op.args is None:
            return result
        roles = {spec.roles.axis: "axis", spec.roles.keepdims: "keepdims"}
        if op.layer_args is not None:  # a layer's arguments were given to its constructor
            assert op.constructor is not None
            sources, call_args, shift = op.layer_args, op.constructor.args, 1
        else:
            assert isinstance(op.node, ast.Call)
            sources, call_args = op.args, op.node.args
            shift = 1 if op.form == "method" else 0
        for param, value in sources.items():
            if param == spec.operand and op.layer_args is None:
                continue
            key = roles.get(param, param)
            if key in exclude:
                continue
            slot = next((i + shift for i, node in enumerate(call_args) if node is value), None)
            keyword = op.keywords.get(param) if slot is None else None
            result[key] = Arg(self.arg_text(value), keyword, slot, value)
        return result

    # -- targets ------------------------------------------------------------------------------------
    def targets(self, stable: str, framework: Optional[str], site: FrozenSet[str] = frozenset()):
        """The table's targets for `stable` in `framework` that this module may use: a
        target in another library (`scipy.special.logsumexp` for NumPy code) only where the
        module imports it unconditionally, or the replaced expression (`site`) uses it."""
        if framework is None:
            return ()
        targets = table.STABLE.get(stable, {}).get(framework, ())
        library = self.importer.library(site)
        if library is False:
            return ()
        if library is not None:  # CuPy code: the targets CuPy has
            return tuple(t for t in targets
                         if any(self.importer.spells(f, library) for f in t.functions))
        available = self.importer.available(site)
        return tuple(t for t in targets
                     if t.needs_import is None or t.needs_import in available)

    def site(self, *nodes: object) -> FrozenSet[str]:
        """The top-level packages the expressions `nodes` name (`np.sum(x)`: numpy): the
        libraries the code being replaced already depends on, as their names resolve
        (`cp.sum(x)`, NumPy's API: numpy) and as they are imported (cupy)."""
        scope_of = self.model.scope_of
        found = set()
        for node in nodes:
            if not isinstance(node, ast.AST):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    scope = scope_of(sub) or self.model.module_scope
                    qualname = self.model.name_qualname(sub.id, scope)
                    if qualname and not qualname.startswith((".", "builtins.")):
                        found.add(qualname.partition(".")[0])
                        found.update(self.importer.packages_of(sub.id, scope))
        return frozenset(found)

    def _site(self, like: Optional[Op], copied: List[ast.expr]) -> FrozenSet[str]:
        """The site of a replacement of `like` copying the expressions `copied`. A library
        whose arrays are its own (CuPy) counts only if the replaced call itself is written
        with it: `np.exp(cp.asnumpy(x)) - 1` is NumPy code (its fix `np.expm1(...)`), though
        the copied operand names CuPy."""
        site = self.site(like.node if like is not None else None, *copied)
        if like is None or not isinstance(like.node, ast.AST):
            return site
        skip = {id(node) for node in copied}
        callee: set = set()
        stack: List[ast.AST] = [like.node]
        while stack:
            node = stack.pop()
            if id(node) in skip:
                continue
            if isinstance(node, ast.Name):
                callee |= self.site(node)
            stack.extend(ast.iter_child_nodes(node))
        if not callee:  # a method or an operator: the operands' library decides
            return site
        own = {table.own_library(p) for p in callee} - {None}
        return frozenset(p for p in site
                         if table.own_library(p) is None or table.own_library(p) in own)

    def call(self, stable: str, framework: Optional[str], operand: ast.expr, scope: Scope, *,
             args: Dict[str, Arg], like: Optional[Op] = None, method: bool = False,
             source_default=None) -> Optional[Replacement]:
        """Emit `stable(operand, **args)` in `framework`, or None if it cannot be written.

        `args` maps roles ("axis", "keepdims") and parameter names to arguments. When no axis is
        given, `source_default` is what the original's omitted axis meant; the replacement gets
        an explicit axis if its own default differs.
        """
        if framework is None:
            return None
        copied = [operand] + [a.node for a in args.values() if a.node is not None]
        site = self._site(like, copied)
        for target in _by_family(self.targets(stable, framework, site), like):
            replacement = self._call_target(target, framework, operand, scope, args, like,
                                            method, source_default, site)
            if replacement is not None:
                return replacement
        return None

    def render(self, stable: str, framework: Optional[str], scope: Scope,
               operands: Dict[str, object], like: Optional[Op] = None) -> Optional[Replacement]:
        """Emit the `template` of the first usable target of `stable` in `framework`.

        `operands` maps the template's placeholders to source expressions (copied verbatim) or
        to ready-made text. `{fn}` is the target function, referenced as the module can reach
        it (an import is added if needed), preferring `like`'s namespace.
        """
        site = self._site(like, [v for v in operands.values() if isinstance(v, ast.expr)])
        for target in _by_family(self.targets(stable, framework, site), like):
            if target.template is None:
                continue
            for function in self._function_order(target, like, scope, site):
                reference = self.importer.reference(function, scope, site)
                if reference is None:
                    continue
                name, edit = reference
                text = _fill(target.template, name, operands, self)
                if text is None:
                    continue
                copied = [v for v in operands.values() if isinstance(v, ast.expr)]
                return Replacement(text, [edit] if edit is not None else [], copied, name)
        return None

    def _call_target(self, target: table.Target, framework: str, operand, scope, args, like,
                     method, source_default, site: FrozenSet[str]) -> Optional[Replacement]:
        if method and target.method:
            spec = _method_spec(target.method, framework)
            if spec is not None:
                replacement = self._emit(spec, None, operand, scope, args, source_default,
                                         target, site)
                if replacement is not None:
                    return replacement
        for function in self._function_order(target, like, scope, site):
            spec = table.FUNCTIONS[table.Target.qualname(function)]
            replacement = self._emit(spec, function, operand, scope, args, source_default,
                                     target, site)
            if replacement is not None:
                return replacement
        return None

    def _function_order(self, target: table.Target, like: Optional[Op], scope: Scope,
                        site: FrozenSet[str] = frozenset()):
        """Spellings to try: the one in `like`'s namespace first (`F.softmax` becomes
        `F.log_softmax`), then those the module already reaches, shortest reference first."""
        functions = list(target.functions)
        namespace = _namespace(like)
        same = [f for f in functions if _function_namespace(f) == namespace]

        def cost(function):
            reference = self.importer.reference(function, scope, site)
            if reference is None:
                return (2, 0)
            return (0 if reference[1] is None else 1, len(reference[0]))

        rest = sorted((f for f in functions if f not in same), key=cost)
        return same + rest

    def _emit(self, spec: Spec, function: Optional[str], operand: ast.expr, scope: Scope,
              args: Dict[str, Arg], source_default, target: table.Target,
              site: FrozenSet[str] = frozenset()) -> Optional[Replacement]:
        roles = spec.roles
        args = dict(args)
        for param, value in target.arguments:  # e.g. torch's `correction=0`
            args[param] = Arg(value, keyword=param)
        operand_node = operand
        flatten = False
        # An omitted axis is made explicit where the defaults differ, or where the target's
        # default would surprise a reader (`ufunc.reduce` reduces axis 0).
        if "axis" not in args and (source_default != roles.default_axis or roles.explicit_axis):
            if source_default == ALL:
                if roles.all_axes is not None:
                    args = {"axis": Arg(roles.all_axes, keyword=roles.axis), **args}
                elif target.full_reduction == "flatten" and "keepdims" not in args:
                    flatten = True
                    args["axis"] = Arg("0", position=1)
                else:
                    return None
            elif isinstance(source_default, int) and roles.axis:
                args = {"axis": Arg(str(source_default), keyword=roles.axis), **args}
            else:
                return None
        rendered = self._arguments(spec, args)
        if rendered is None:
            return None
        imports: List[Edit] = []
        copied = [operand_node] + [a.node for a in args.values() if a.node is not None]
        if function is None:  # method form
            receiver = self.receiver_text(operand_node)
            if flatten:
                receiver += ".flatten()"
            return Replacement(f"{receiver}.{spec.name}({', '.join(rendered)})", imports,
                               copied, f".{spec.name}")
        reference = self.importer.reference(function, scope, site)
        if reference is None:
            return None
        name, edit = reference
        if edit is not None:
            imports.append(edit)
        first = self.receiver_text(operand_node) + ".flatten()" if flatten else \
            self.arg_text(operand_node)
        return Replacement(f"{name}({', '.join([first] + rendered)})", imports, copied, name)

    def _arguments(self, spec: Spec, args: Dict[str, Arg]) -> Optional[List[str]]:
        """Render `args` for `spec`, or None if `spec` cannot take them.

        An argument stays positional where the original passed it positionally and `spec` has
        the parameter in the same slot; otherwise it becomes a keyword, spelled as the original
        spelled it when `spec` accepts that spelling (`keep_dims=` in TF1 code stays).
        """
        roles = spec.roles
        names = spec.signature
        shift = 1 if spec.is_method else 0
        positional: Dict[int, Tuple[str, str]] = {}
        keywords: List[str] = []
        for key, arg in args.items():
            param = {"axis": roles.axis, "keepdims": roles.keepdims}.get(key, key)
            if param is None or (param not in names.names and not names.varkw):
                return None
            slot = names.positional.index(param) + shift if param in names.positional else None
            if arg.keyword is None and slot is not None and slot == arg.position:
                positional[slot] = (param, arg.text)
                continue
            spelling = arg.keyword if arg.keyword and spec.canonical(arg.keyword) == param \
                else param
            if spec.canonical(spelling) != param:
                return None
            keywords.append(f"{spelling}={arg.text}")
        rendered: List[str] = []
        for expected, slot in enumerate(sorted(positional), start=1):
            param, text = positional[slot]
            if slot == expected:
                rendered.append(text)
            elif spec.canonical(param) == param:  # a gap: pass the rest by keyword
                keywords.insert(0, f"{param}={text}")
            else:
                return None
        return rendered + keywords


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(template: str, fn: str, operands: Dict[str, object], emitter: Emitter
          ) -> Optional[str]:
    out = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(template[position:match.start()])
        position = match.end()
        key = match.group(1)
        if key == "fn":
            out.append(fn)
            continue
        if key not in operands:
            return None
        value = operands[key]
        if isinstance(value, str):
            out.append(value)
            continue
        if not isinstance(value, ast.expr):
            return None
        # A whole argument (`f({x}, k={y})`) is copied as is; anywhere else (`-{x}`,
        # `{x}.T`, `{x}[0]`) a non-atom is parenthesised.
        before = template[:match.start()].rstrip()[-1:]
        after = template[position:].lstrip()[:1]
        argument = before in ("(", ",", "=", "") and after in (")", ",", "")
        if argument or _binds_tighter_than_sum(value, before, after):
            out.append(emitter.arg_text(value))
        else:
            out.append(emitter.receiver_text(value))
    out.append(template[position:])
    return "".join(out)


_PRODUCTS = (ast.Mult, ast.Div, ast.MatMult, ast.FloorDiv, ast.Mod, ast.Pow)


def _binds_tighter_than_sum(node: ast.AST, before: str, after: str) -> bool:
    """Whether `node` can be an operand of the `+`/`-` around it without parentheses."""
    if before not in ("+", "-", "(", ",", "") or after not in ("+", "-", ")", ",", ""):
        return False
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, _PRODUCTS):
            return True
        # `a - b` is fine as a left operand of another sum, not as a right one.
        return isinstance(node.op, (ast.Add, ast.Sub)) and before not in ("+", "-")
    return isinstance(node, ast.UnaryOp) and before not in ("+", "-")


def _namespace(like: Optional[Op]) -> Optional[str]:
    """The namespace of the function `like` calls (`scipy.linalg` for `scipy.linalg.inv`):
    the library family a fix replacing it stays in. None for a method or an operator."""
    if like is None or like.spec is None or like.spec.is_method:
        return None
    return like.spec.namespace


def _function_namespace(function: str) -> str:
    return table.Target.qualname(function).rpartition(".")[0]


def _by_family(targets, like: Optional[Op]):
    """`targets` with those that can be spelled in `like`'s namespace first (the table's
    order otherwise): SciPy's `inv` is replaced by SciPy's `lstsq`, NumPy's by NumPy's."""
    namespace = _namespace(like)
    if namespace is None:
        return targets
    return sorted(targets, key=lambda t: not any(_function_namespace(f) == namespace
                                                 for f in t.functions))


def _method_spec(name: str, framework: Optional[str]) -> Optional[Spec]:
    for spec in table.METHODS.get(name, ()):
        if framework is None or spec.framework == framework:
            return spec
    return None
