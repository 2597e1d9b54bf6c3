"""Framework table section. Linear algebra: matrix products, transposes, inverses, solves,
least squares and determinants.

Rules name none of these APIs; see `numlint.engine.table` for how sections are merged. Every signature
below was read from the installed libraries (numpy 2.4, scipy 1.17, torch 2.13, tensorflow 2.21,
jax 0.10) with `inspect.signature`, or for torch's native functions from their docstrings and
ATen schemas (`torch._C._jit_get_schemas_for_operator`) and by calling them with keywords:
`torch.linalg.lstsq` and `torch.linalg.pinv` take `input`, not the `A` of their documentation.
Facts behind the stable rewrites (shape rules, traps) are in `../shared/catalog.md`, H05-H07.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Tuple

from numlint.engine.table.schema import parse_spec
from numlint.engine.table._common import TF_ELEMENTWISE, Target, each, tf_paths

# SciPy's (and jax.scipy's) `check_finite` only decides whether non-finite input raises.
SCIPY_INERT: Dict[str, Any] = dict(inert=("check_finite",))

SPECS = [
    # ---- matrix products ----------------------------------------------------------------------
    # `np.dot` is `@` for the matrices and vectors these rules look at (it differs from `matmul`
    # only for stacks of matrices, where it forms every cross product).
    parse_spec("matmul", "numpy", "numpy.matmul(x1, x2, /, out=None, **ufunc_kwargs)"),
    parse_spec("matmul", "numpy", "numpy.dot(a, b, out=None)"),
    *each("matmul", "torch", ["torch.matmul", "torch.linalg.matmul"],
          "input, other, *, out=None"),
    # Defined for single matrices only (no batch dimensions): see SINGLE_MATRIX_PRODUCTS.
    parse_spec("matmul", "torch", "torch.mm(input, mat2, *, out=None)"),
    parse_spec("matmul", "torch", "torch.mv(input, vec, *, out=None)"),
    *each("matmul", "tensorflow", tf_paths("linalg.matmul", "matmul"),
          "a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, "
          "a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False, "
          "name=None", **TF_ELEMENTWISE),
    # A matrix times a vector (`b` has no trailing matrix axis): not `@` in TensorFlow, whose
    # `matmul` needs two matrices.
    *each("matvec", "tensorflow", tf_paths("linalg.matvec"),
          "a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, "
          "name=None", **TF_ELEMENTWISE),
    *each("matmul", "jax", ["jax.numpy.matmul", "jax.numpy.dot"],
          "a, b, *, precision=None, preferred_element_type=None, out_sharding=None"),
    # jax.lax's product (JAX's own linear algebra writes it): `@` without `dimension_numbers`.
    parse_spec("matmul", "jax", "jax.lax.dot(lhs, rhs, *, dimension_numbers=None, "
               "precision=None, preferred_element_type=None, out_sharding=None)"),

    # ---- transposes ---------------------------------------------------------------------------
    # (`x.T` and `x.mT` are operators, recognised by the model.)
    parse_spec("transpose", "numpy", "numpy.transpose(a, axes=None)"),
    parse_spec("transpose", "numpy", "numpy.matrix_transpose(x, /)"),
    parse_spec("transpose", "torch", "torch.t(input)"),
    # TF 2 orders (a, perm, conjugate, name), TF 1 (a, perm, name, conjugate): by keyword.
    *each("transpose", "tensorflow", tf_paths("transpose"),
          "a, perm=None, *, conjugate=False, name='transpose'", **TF_ELEMENTWISE),
    *each("transpose", "tensorflow", tf_paths("linalg.matrix_transpose", "matrix_transpose"),
          "a, name='matrix_transpose', conjugate=False", **TF_ELEMENTWISE),
    parse_spec("transpose", "jax", "jax.numpy.transpose(a, axes=None)"),
    parse_spec("transpose", "jax", "jax.numpy.matrix_transpose(x, /)"),

    # ---- inverses -----------------------------------------------------------------------------
    parse_spec("inv", "numpy", "numpy.linalg.inv(a)"),
    parse_spec("inv", "numpy", "scipy.linalg.inv(a, overwrite_a=False, check_finite=True, *, "
                               "assume_a=None, lower=False)", **SCIPY_INERT),
    parse_spec("inv", "torch", "torch.linalg.inv(A, *, out=None)"),
    parse_spec("inv", "torch", "torch.inverse(input, *, out=None)"),
    *each("inv", "tensorflow", tf_paths("linalg.inv", "matrix_inverse"),
          "input, adjoint=False, name=None", **TF_ELEMENTWISE),
    parse_spec("inv", "jax", "jax.numpy.linalg.inv(a)"),
    parse_spec("inv", "jax", "jax.scipy.linalg.inv(a, overwrite_a=False, check_finite=True)",
               **SCIPY_INERT),

    # ---- pseudo-inverses ------------------------------------------------------------------------
    parse_spec("pinv", "numpy", "numpy.linalg.pinv(a, rcond=None, hermitian=False, *, "
                                "rtol=None)"),
    parse_spec("pinv", "numpy", "scipy.linalg.pinv(a, *, atol=None, rtol=None, "
                                "return_rank=False, check_finite=True)", **SCIPY_INERT),
    # The union of `(input, rcond, hermitian)` and `(input, *, atol, rtol, hermitian, out)`.
    parse_spec("pinv", "torch", "torch.linalg.pinv(input, rcond=None, hermitian=False, *, "
                                "atol=None, rtol=None, out=None)"),
    parse_spec("pinv", "torch", "torch.pinverse(input, rcond=1e-15)"),
    *each("pinv", "tensorflow", tf_paths("linalg.pinv"),
          "a, rcond=None, validate_args=False, name=None", **TF_ELEMENTWISE),
    parse_spec("pinv", "jax", "jax.numpy.linalg.pinv(a, rtol=None, hermitian=False, *, "
                              "rcond=None)"),

    # ---- linear solves ------------------------------------------------------------------------
    parse_spec("solve", "numpy", "numpy.linalg.solve(a, b)"),
    parse_spec("solve", "numpy", "scipy.linalg.solve(a, b, lower=False, overwrite_a=False, "
                                 "overwrite_b=False, check_finite=True, assume_a=None, "
                                 "transposed=False)", **SCIPY_INERT),
    parse_spec("solve", "torch", "torch.linalg.solve(A, B, *, left=True, out=None)"),
    *each("solve", "tensorflow", tf_paths("linalg.solve", "matrix_solve"),
          "matrix, rhs, adjoint=False, name=None", **TF_ELEMENTWISE),
    parse_spec("solve", "jax", "jax.numpy.linalg.solve(a, b)"),
    parse_spec("solve", "jax", "jax.scipy.linalg.solve(a, b, lower=False, overwrite_a=False, "
                               "overwrite_b=False, debug=False, check_finite=True, "
                               "assume_a='gen')", **SCIPY_INERT),

    # ---- least squares --------------------------------------------------------------------------
    parse_spec("lstsq", "numpy", "numpy.linalg.lstsq(a, b, rcond=None)"),
    parse_spec("lstsq", "numpy", "scipy.linalg.lstsq(a, b, cond=None, overwrite_a=False, "
                                 "overwrite_b=False, check_finite=True, lapack_driver=None)",
               **SCIPY_INERT),
    parse_spec("lstsq", "torch", "torch.linalg.lstsq(input, b, rcond=None, *, driver=None)"),
    *each("lstsq", "tensorflow", tf_paths("linalg.lstsq", "matrix_solve_ls"),
          "matrix, rhs, l2_regularizer=0.0, fast=True, name=None", **TF_ELEMENTWISE),
    parse_spec("lstsq", "jax", "jax.numpy.linalg.lstsq(a, b, rcond=None, *, numpy_resid=False)"),

    # ---- determinants ---------------------------------------------------------------------------
    parse_spec("det", "numpy", "numpy.linalg.det(a)"),
    parse_spec("det", "numpy", "scipy.linalg.det(a, overwrite_a=False, check_finite=True)",
               **SCIPY_INERT),
    parse_spec("det", "torch", "torch.linalg.det(A, *, out=None)"),
    parse_spec("det", "torch", "torch.det(input)"),
    *each("det", "tensorflow", tf_paths("linalg.det", "matrix_determinant"), "input, name=None",
          **TF_ELEMENTWISE),
    parse_spec("det", "jax", "jax.numpy.linalg.det(a)"),
    parse_spec("det", "jax", "jax.scipy.linalg.det(a, overwrite_a=False, check_finite=True)",
               **SCIPY_INERT),
    # The sign and the logarithm of the absolute value of the determinant.
    parse_spec("slogdet", "numpy", "numpy.linalg.slogdet(a)"),
    parse_spec("slogdet", "torch", "torch.linalg.slogdet(A, *, out=None)"),
    parse_spec("slogdet", "torch", "torch.slogdet(input)"),
    *each("slogdet", "tensorflow", tf_paths("linalg.slogdet"), "input, name=None",
          **TF_ELEMENTWISE),
    parse_spec("slogdet", "jax", "jax.numpy.linalg.slogdet(a, *, method=None)"),
    # `log(det(A))` with its semantics: NaN where the determinant is negative.
    parse_spec("logdet", "torch", "torch.logdet(input)"),

    # ---- diagonal matrices ----------------------------------------------------------------------
    # `diag(v)` builds a diagonal matrix (whose inverse is exact); of a matrix, NumPy's extracts
    # its diagonal, which is 1-D and cannot be inverted, so under an inverse it is the former.
    parse_spec("diag", "numpy", "numpy.diag(v, k=0)"),
    parse_spec("diag", "torch", "torch.diag(input, diagonal=0, *, out=None)"),
    parse_spec("diag", "torch", "torch.diag_embed(input, offset=0, dim1=-2, dim2=-1)"),
    *each("diag", "tensorflow", tf_paths("linalg.diag"),
          "diagonal, name='diag', k=0, num_rows=-1, num_cols=-1, padding_value=0, "
          "align='RIGHT_LEFT'"),
    parse_spec("diag", "jax", "jax.numpy.diag(v, k=0)"),

    # ---- methods --------------------------------------------------------------------------------
    # `inspect` shows `(other, /, out=None)`, but the C method takes the keyword `b=` (run).
    parse_spec("matmul", "numpy", "dot(b, out=None)", method=True),
    parse_spec("matmul", "jax", "dot(b, *, precision=None, preferred_element_type=None)",
               method=True),
    parse_spec("matmul", "torch", "matmul(other)", method=True),
    parse_spec("matmul", "torch", "mm(mat2)", method=True),
    parse_spec("matmul", "torch", "mv(vec)", method=True),
    parse_spec("transpose", "torch", "t()", method=True),
    parse_spec("inv", "torch", "inverse()", method=True),
    parse_spec("pinv", "torch", "pinverse(rcond=1e-15)", method=True),
    parse_spec("det", "torch", "det()", method=True),
    parse_spec("slogdet", "torch", "slogdet()", method=True),
    parse_spec("logdet", "torch", "logdet()", method=True),
]


# -- facts the linear-algebra rules read ----------------------------------------------------------

# Arguments of a product that transpose one of its factors (for real matrices an adjoint is a
# transpose): spec name -> (parameters transposing the left factor, those transposing the right).
PRODUCT_TRANSPOSES: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    **{name: (("transpose_a", "adjoint_a"), ("transpose_b", "adjoint_b"))
       for name in tf_paths("linalg.matmul", "matmul")},
    **{name: (("transpose_a", "adjoint_a"), ()) for name in tf_paths("linalg.matvec")},
}

# Products defined for single matrices (and vectors) only: their operands have no batch axes.
SINGLE_MATRIX_PRODUCTS: FrozenSet[str] = frozenset({"torch.mm", "torch.mv", "mm", "mv"})

# Transposes that swap the last two axes only, so that their operand may be a stack of
# matrices; every other transpose (`x.T`, `x.t()`, `np.transpose(x)`, `tf.transpose(x)`)
# reverses all axes and is written of a single matrix. Product flags (`transpose_a=True`)
# swap the last two axes too.
STACK_TRANSPOSES: FrozenSet[str] = frozenset({
    "mT", "numpy.matrix_transpose", "jax.numpy.matrix_transpose",
    *tf_paths("linalg.matrix_transpose", "matrix_transpose"),
})

# Solver arguments that cannot change the solution of a system whose matrix is symmetric (a
# Gram matrix `X.T @ X`): which triangle is read, whether the matrix is assumed positive
# definite, whether inputs may be overwritten.
SYMMETRIC_NEUTRAL: Dict[str, Tuple[str, ...]] = {
    "scipy.linalg.solve": ("lower", "overwrite_a", "overwrite_b", "assume_a", "transposed"),
    "jax.scipy.linalg.solve": ("lower", "overwrite_a", "overwrite_b", "debug", "assume_a"),
}

# Least-squares solvers whose default method solves the normal equations (TensorFlow's
# `lstsq(fast=True)` is a Cholesky factorisation of `AᵀA + λI`): the flag that selects it, and
# the regularizer λ it takes (ignored by the orthogonal method).
NORMAL_EQUATIONS_BY_DEFAULT: Dict[str, Tuple[str, str]] = {
    name: ("fast", "l2_regularizer") for name in tf_paths("linalg.lstsq", "matrix_solve_ls")
}


# -- stable replacements ------------------------------------------------------------------------
# Templates for `numlint.engine.emit.Emitter.render`; `{fn}` is the function, the rest are operands.
#
# A fix stays in the library family of the operation it replaces: SciPy's `inv` (or `solve`)
# becomes SciPy's `solve`, `lstsq` or `pinv`, `jax.scipy.linalg.inv` becomes
# `jax.scipy.linalg.solve`, NumPy's and `jax.numpy`'s stay theirs. The SciPy spellings are listed
# beside NumPy's (a spelling in the replaced operation's namespace is written first, see
# `Emitter._function_order`), or as a target of their own where the call differs
# (`scipy.linalg.lstsq` has no `rcond`; a target with a function in that namespace is tried
# first). SciPy's and JAX's SciPy `solve`, `lstsq` and `pinv` read their operands as NumPy's do
# (SciPy 1.17 broadcasts stacks of matrices like `@`, verified); SciPy's `solve` warns
# (`LinAlgWarning`) on an ill-conditioned matrix. Neither has `slogdet`: `log(det(A))` of
# SciPy's `det` becomes NumPy's `slogdet`.

STABLE: Dict[str, Dict[str, Tuple[Target, ...]]] = {
    # The least-squares solution of `X b = y` by an orthogonal factorisation (QR or SVD),
    # never through `XᵀX`. NumPy: `rcond=None` also silences NumPy 1.x's FutureWarning.
    # PyTorch accepts a 1-D `y` (a vector right-hand side) as well as a matrix.
    "lstsq": {
        "numpy": (Target(("numpy:linalg.lstsq",), template="{fn}({X}, {y}, rcond=None)[0]"),
                  Target(("scipy.linalg.lstsq",), template="{fn}({X}, {y})[0]",
                         needs_import="scipy")),
        "torch": (Target(("torch.linalg.lstsq",), template="{fn}({X}, {y}).solution"),),
        "jax": (Target(("jax.numpy.linalg.lstsq",), template="{fn}({X}, {y})[0]"),),
    },
    # The same solution as `pinv(X) @ y`: it keeps the product's broadcasting (stacks of
    # matrices, vectors and matrices as `y`), and is differentiable in TensorFlow, whose
    # orthogonal `lstsq(fast=False)` has no gradient.
    "pinv_product": {
        "numpy": (Target(("numpy:linalg.pinv", "scipy.linalg.pinv"), template="{fn}({X}) @ {y}"),),
        "torch": (Target(("torch.linalg.pinv",), template="{fn}({X}) @ {y}"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.pinv")), template="{fn}({X}) @ {y}"),),
        "jax": (Target(("jax.numpy.linalg.pinv",), template="{fn}({X}) @ {y}"),),
    },
    # The pseudo-inverse `(XᵀX)⁻¹Xᵀ` of a full-rank `X`, by the SVD.
    "pinv": {
        "numpy": (Target(("numpy:linalg.pinv", "scipy.linalg.pinv"), template="{fn}({X})"),),
        "torch": (Target(("torch.linalg.pinv",), template="{fn}({X})"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.pinv")), template="{fn}({X})"),),
        "jax": (Target(("jax.numpy.linalg.pinv",), template="{fn}({X})"),),
    },
    # The hat matrix `X (XᵀX)⁻¹ Xᵀ` of a full-rank `X`: the projection onto its columns.
    "hat": {
        "numpy": (Target(("numpy:linalg.pinv", "scipy.linalg.pinv"), template="{X} @ {fn}({X})"),),
        "torch": (Target(("torch.linalg.pinv",), template="{X} @ {fn}({X})"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.pinv")), template="{X} @ {fn}({X})"),),
        "jax": (Target(("jax.numpy.linalg.pinv",), template="{X} @ {fn}({X})"),),
    },
    # TensorFlow's least squares by a complete orthogonal decomposition.
    "lstsq_orthogonal": {
        "tensorflow": (Target(tuple(tf_paths("linalg.lstsq", "matrix_solve_ls")),
                              template="{fn}({A}, {b}, fast=False)"),),
    },
    # `inv(A) @ b`. NumPy 2 and JAX read `b` as `@` does (a vector only if 1-D); PyTorch reads a
    # `b` of shape `A.shape[:-1]` as a batch of vectors; TensorFlow needs `b` of A's rank.
    "solve": {
        "numpy": (Target(("numpy:linalg.solve", "scipy.linalg.solve"), template="{fn}({A}, {b})"),),
        "torch": (Target(("torch.linalg.solve",), template="{fn}({A}, {b})", batched="none"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.solve", "matrix_solve")),
                              template="{fn}({A}, {b})", safety="unsafe"),),
        "jax": (Target(("jax.numpy.linalg.solve", "jax.scipy.linalg.solve"), template="{fn}({A}, {b})"),),
    },
    # `matvec(inv(A), b)`: a vector made a one-column matrix and back.
    "solve_vector": {
        "tensorflow": (Target(tuple(tf_paths("linalg.solve", "matrix_solve")),
                              template="{fn}({A}, {b}[..., None])[..., 0]", safety="unsafe"),),
    },
    # `B @ inv(A)`, the solution of `X A = B`. `.T` transposes a single matrix only (NumPy,
    # JAX: unsafe); TensorFlow has no `left=False`: no fix.
    "solve_right": {
        "numpy": (Target(("numpy:linalg.solve", "scipy.linalg.solve"), template="{fn}({A}.T, {B}.T).T",
                         safety="unsafe"),),
        "torch": (Target(("torch.linalg.solve",), template="{fn}({A}, {B}, left=False)",
                         batched="unsafe"),),
        "jax": (Target(("jax.numpy.linalg.solve", "jax.scipy.linalg.solve"), template="{fn}({A}.T, {B}.T).T",
                       safety="unsafe"),),
    },
    # `B @ inv(A) @ c`, associated as `B @ solve(A, c)`.
    "product_solve": {
        "numpy": (Target(("numpy:linalg.solve", "scipy.linalg.solve"), template="{B} @ {fn}({A}, {c})"),),
        "torch": (Target(("torch.linalg.solve",), template="{B} @ {fn}({A}, {c})",
                         batched="none"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.solve", "matrix_solve")),
                              template="{B} @ {fn}({A}, {c})", safety="unsafe"),),
        "jax": (Target(("jax.numpy.linalg.solve", "jax.scipy.linalg.solve"), template="{B} @ {fn}({A}, {c})"),),
    },
    # `log(det(A))` exactly, NaN for a negative determinant included.
    "logdet": {
        "torch": (Target(("torch.logdet",), template="{fn}({A})"),),
    },
    # `log(abs(det(A)))`. NumPy and JAX index the (sign, logabsdet) pair, which works with the
    # plain tuple of NumPy 1.x too; never TensorFlow's `tf.linalg.logdet`, a Cholesky
    # factorisation that is wrong for matrices that are not symmetric positive definite.
    "logabsdet": {
        "numpy": (Target(("numpy:linalg.slogdet",), template="{fn}({A})[1]"),),
        "torch": (Target(("torch.linalg.slogdet", "torch.slogdet"),
                         template="{fn}({A}).logabsdet"),),
        "tensorflow": (Target(tuple(tf_paths("linalg.slogdet")), template="{fn}({A})[1]"),),
        "jax": (Target(("jax.numpy.linalg.slogdet",), template="{fn}({A})[1]"),),
    },
}


# Decompositions returning a factor whose columns are orthonormal (unit norm by construction):
# the index of that factor in the tuple they return (NL402: normalizing those columns cannot
# divide by zero). TensorFlow's `svd` returns `s, u, v`; the others `u, s, vh`.
_DECOMPOSING = ("numpy.linalg", "scipy.linalg", "jax.numpy.linalg", "jax.scipy.linalg",
                "torch.linalg")
ORTHONORMAL_FACTORS: Dict[str, int] = {
    **{f"{module}.qr": 0 for module in _DECOMPOSING},
    **{f"{module}.eigh": 1 for module in _DECOMPOSING},
    **{f"{module}.eig": 1 for module in ("numpy.linalg", "scipy.linalg", "torch.linalg")},
    **{f"{module}.svd": 0 for module in _DECOMPOSING},
    **{name: 0 for name in tf_paths("linalg.qr", "qr")},
    **{name: 1 for name in tf_paths("linalg.eigh", "self_adjoint_eig")},
    **{name: 1 for name in tf_paths("linalg.svd", "svd")},
}
