"""The canonical operations: every kind a table entry, an operator or a rule may name.

A kind is what an expression computes, whatever library and spelling it is written in:
`torch.log(x)`, `x.log()`, `np.log(x)` and `tf.math.log(x)` are all `log`. The table maps each
library's callables, methods and layers to a kind (`numlint.engine.table`), the semantic model
maps operators to theirs (`numlint.engine.semantic.operations`), and rules ask for kinds in
`operations` and `requires`. A kind that is not listed here is an error at import time (a table
entry) or when the catalog loads (a rule), never a silent fallback. `docs/kinds.md` lists every
kind with its spellings per framework (`python -m numlint.authoring.docs` writes it).
"""

from __future__ import annotations

from typing import Dict

KINDS: Dict[str, str] = {
    # -- elementwise ------------------------------------------------------------------------------
    "abs": "absolute value",
    "exp": "exponential e**x",
    "log": "natural logarithm (a base, when given, is an extra argument)",
    "sqrt": "square root",
    "square": "x**2, elementwise",
    "pow": "power, x**y (also the `**` operator)",
    "sigmoid": "logistic sigmoid 1 / (1 + exp(-x)), also `expit`",
    "log_sigmoid": "log(sigmoid(x)), computed stably",
    "maximum": "elementwise maximum of two arrays",
    "clip": "clip or clamp into [min, max]",
    "where": "select elementwise by a condition",
    "nan_to_num": "replace NaN and infinities by numbers",
    "cast": "conversion to another dtype (values unchanged)",
    # -- reductions -------------------------------------------------------------------------------
    "sum": "sum over an axis (or every element)",
    "mean": "mean over an axis",
    "max": "maximum over an axis",
    "var": "variance over an axis",
    "std": "standard deviation over an axis",
    "norm": "vector or matrix norm",
    "logsumexp": "log(sum(exp(x))), computed stably",
    # -- softmax family ---------------------------------------------------------------------------
    "softmax": "exp(x) / sum(exp(x)) along an axis",
    "log_softmax": "log(softmax(x)), computed stably",
    "normalize": "x / max(norm(x), eps) along an axis",
    # -- losses -----------------------------------------------------------------------------------
    "cross_entropy": "categorical cross-entropy (from logits or probabilities, per `from_logits`)",
    "binary_cross_entropy": "binary cross-entropy (from logits or probabilities)",
    "nll_loss": "negative log-likelihood of log-probabilities",
    "gather": "select entries along an axis by index",
    # -- linear algebra ---------------------------------------------------------------------------
    "matmul": "matrix product (also the `@` operator)",
    "matvec": "matrix-vector product",
    "transpose": "transpose of a matrix (also `.T`, `.mT`)",
    "inv": "matrix inverse",
    "pinv": "Moore-Penrose pseudo-inverse",
    "solve": "solution of a linear system A x = b",
    "lstsq": "least-squares solution of X b = y",
    "det": "determinant",
    "logdet": "log of the determinant",
    "slogdet": "sign and log of the absolute determinant",
    "diag": "diagonal matrix from a vector, or a matrix's diagonal",
    # -- other ------------------------------------------------------------------------------------
    "array": "an array built from data (`np.array`, `torch.tensor`, ...)",
    "len": "the length of a sequence (Python's `len`)",
    "errstate": "a context that changes floating-point error handling (`np.errstate`)",
    # -- elementary functions (table section `elementary`, rules NL5xx) ---------------------------
    "log1p": "log(1 + x), accurate for small x",
    "expm1": "exp(x) - 1, accurate for small x",
    "softplus": "log(1 + exp(x)), computed stably",
    "logaddexp": "log(exp(a) + exp(b)), computed stably",
    "tanh": "the hyperbolic tangent, computed without forming exp(x)",
    # -- special functions and compositions (table section `special`, rules NL5xx) ---------------
    "erf": "the error function",
    "erfc": "the complementary error function 1 - erf(x), accurate where erf(x) is near 1",
    "hypot": "sqrt(x**2 + y**2), computed without overflow or underflow",
    "prod": "product over an axis (or every element)",
    "gamma": "the gamma function",
    "gammaln": "log|gamma(x)|, computed without forming gamma(x)",
    "factorial": "n!, as a float (`scipy.special.factorial`) or an exact integer (`math`)",
    "comb": "the binomial coefficient n choose k",
    "beta": "the beta function B(a, b)",
    "betaln": "log|B(a, b)|, computed without forming B(a, b)",
    "xlogy": "x * log(y), and 0 where x is 0 (even where log(y) is not finite)",
    # -- comparisons and precision (table section `precision`, rules NL6xx) ----------------------
    "isnan": "elementwise test for NaN (`isnan`, `is_nan`)",
    "arccos": "inverse cosine, NaN outside [-1, 1]",
    "cosine_similarity": "the cosine of the angle between vectors along an axis",
    "nan": "the NaN constant (`np.nan`, `math.nan`, `torch.nan`, `jnp.nan`)",
    "equal": "elementwise `==` as a function (`np.equal`, `torch.eq`, `tf.math.equal`)",
    "not_equal": "elementwise `!=` as a function (`np.not_equal`, `torch.ne`)",
    # -- operators (the semantic model's, not the table's) ----------------------------------------
    "add": "the `+` operator",
    "sub": "the `-` operator",
    "mul": "the `*` operator",
    "div": "the `/` operator",
    "floordiv": "the `//` operator",
    "mod": "the `%` operator",
    "neg": "unary `-`",
    "pos": "unary `+`",
    "invert": "unary `~`",
    "compare": "a comparison (`==`, `!=`, `<`, `is`, `in`, ...; a chain `a < b < c` is one)",
}


def check_kind(kind: str, where: str) -> str:
    """`kind`, if it is a canonical operation; ValueError naming `where` otherwise."""
    if kind not in KINDS:
        import difflib
        hint = difflib.get_close_matches(kind, KINDS, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ValueError(f"{where}: unknown operation kind {kind!r}{suggestion}; the kinds are "
                         f"listed in numlint/engine/table/kinds.py")
    return kind
