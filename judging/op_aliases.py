"""Names torch documents as aliases of one operation (torch.ger is torch.outer), from torch's own
OpInfo database (torch.testing._internal.common_methods_invocations.op_db): the api check's rules
on one name cover the others (judging.op_names).

ALIASES is generated for the installed torch by `python -m judging.op_aliases`, which prints it;
tests/judging/test_op_names.py checks that it still matches torch.
"""

import sys
import types
import unittest

ALIASES = {  # generated: alias -> the operation's name
    'torch.absolute': 'torch.abs',
    'torch.adjoint': 'torch.mH',
    'torch.arccos': 'torch.acos',
    'torch.arccosh': 'torch.acosh',
    'torch.arcsin': 'torch.asin',
    'torch.arcsinh': 'torch.asinh',
    'torch.arctan': 'torch.atan',
    'torch.arctan2': 'torch.atan2',
    'torch.arctanh': 'torch.atanh',
    'torch.clip': 'torch.clamp',
    'torch.concat': 'torch.cat',
    'torch.concatenate': 'torch.cat',
    'torch.conv1d': 'torch.nn.functional.conv1d',
    'torch.conv2d': 'torch.nn.functional.conv2d',
    'torch.conv3d': 'torch.nn.functional.conv3d',
    'torch.conv_transpose1d': 'torch.nn.functional.conv_transpose1d',
    'torch.conv_transpose2d': 'torch.nn.functional.conv_transpose2d',
    'torch.conv_transpose3d': 'torch.nn.functional.conv_transpose3d',
    'torch.det': 'torch.linalg.det',
    'torch.divide': 'torch.div',
    'torch.fix': 'torch.trunc',
    'torch.ger': 'torch.outer',
    'torch.greater': 'torch.gt',
    'torch.greater_equal': 'torch.ge',
    'torch.group_norm': 'torch.nn.functional.group_norm',
    'torch.inverse': 'torch.linalg.inv',
    'torch.layer_norm': 'torch.nn.functional.layer_norm',
    'torch.less': 'torch.lt',
    'torch.less_equal': 'torch.le',
    'torch.linalg.matmul': 'torch.matmul',
    'torch.linalg.matrix_exp': 'torch.matrix_exp',
    'torch.matrix_power': 'torch.linalg.matrix_power',
    'torch.maximum': 'torch.max',
    'torch.minimum': 'torch.min',
    'torch.moveaxis': 'torch.movedim',
    'torch.multiply': 'torch.mul',
    'torch.negative': 'torch.neg',
    'torch.nn.functional.log_softmax': 'torch.log_softmax',
    'torch.nn.functional.sigmoid': 'torch.sigmoid',
    'torch.nn.functional.softmax': 'torch.softmax',
    'torch.nn.functional.tanh': 'torch.tanh',
    'torch.not_equal': 'torch.ne',
    'torch.orgqr': 'torch.linalg.householder_product',
    'torch.rms_norm': 'torch.nn.functional.rms_norm',
    'torch.row_stack': 'torch.vstack',
    'torch.special.digamma': 'torch.digamma',
    'torch.special.erf': 'torch.erf',
    'torch.special.erfc': 'torch.erfc',
    'torch.special.erfinv': 'torch.erfinv',
    'torch.special.exp2': 'torch.exp2',
    'torch.special.expit': 'torch.sigmoid',
    'torch.special.expm1': 'torch.expm1',
    'torch.special.gammainc': 'torch.igamma',
    'torch.special.gammaincc': 'torch.igammac',
    'torch.special.gammaln': 'torch.lgamma',
    'torch.special.i0': 'torch.i0',
    'torch.special.log1p': 'torch.log1p',
    'torch.special.log_softmax': 'torch.log_softmax',
    'torch.special.logit': 'torch.logit',
    'torch.special.logsumexp': 'torch.logsumexp',
    'torch.special.multigammaln': 'torch.mvlgamma',
    'torch.special.psi': 'torch.digamma',
    'torch.special.round': 'torch.round',
    'torch.special.sinc': 'torch.sinc',
    'torch.special.softmax': 'torch.softmax',
    'torch.special.xlogy': 'torch.xlogy',
    'torch.subtract': 'torch.sub',
    'torch.swapaxes': 'torch.transpose',
    'torch.swapdims': 'torch.transpose',
}


def aliases_from_torch() -> dict[str, str]:
    """{alias: operation} for every alias in torch's OpInfo database, as torch.* names."""
    # The database's module imports expecttest (a test-only package) for a base class it never uses here.
    sys.modules.setdefault("expecttest", types.SimpleNamespace(TestCase=unittest.TestCase))
    from torch.testing._internal.common_methods_invocations import op_db

    def full(name):
        return name if name.startswith("torch.") else f"torch.{name}"

    return {full(alias.name): full(op.name) for op in op_db for alias in op.aliases}


if __name__ == "__main__":
    print("ALIASES = {")
    for alias, operation in sorted(aliases_from_torch().items()):
        print(f"    {alias!r}: {operation!r},")
    print("}")
