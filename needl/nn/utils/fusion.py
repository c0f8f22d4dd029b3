"""Fold an eval-mode batch norm into the convolution or linear layer before it (one layer at inference)."""
import copy

import numpy as np

from ...autograd.tensor import Tensor
from ..parameter import Parameter


def _array(value):
    return None if value is None else (value._data if isinstance(value, Tensor) else np.asarray(value))


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose: bool = False) -> tuple:
    """(weight, bias) Parameters of the convolution that equals conv followed by the batch norm."""
    weight, running_mean, running_var = _array(conv_w), _array(bn_rm), _array(bn_rv)
    dtype = weight.dtype
    bias = np.zeros_like(running_mean) if conv_b is None else _array(conv_b)
    scale_weight = np.ones_like(running_mean) if bn_w is None else _array(bn_w)
    shift = np.zeros_like(running_mean) if bn_b is None else _array(bn_b)
    scale = scale_weight / np.sqrt(running_var + bn_eps)
    shape = (1, -1) + (1,) * (weight.ndim - 2) if transpose else (-1,) + (1,) * (weight.ndim - 1)
    fused_weight = (weight * scale.reshape(shape)).astype(dtype)
    fused_bias = ((bias - running_mean) * scale + shift).astype(dtype)
    requires_grad = getattr(conv_w, "requires_grad", True)
    return Parameter(fused_weight, requires_grad), Parameter(fused_bias, requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of the (eval-mode) conv with the (eval-mode) batch norm folded into its weight and bias."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b) -> tuple:
    """(weight, bias) Parameters of the linear layer that equals linear followed by the batch norm."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of the (eval-mode) linear layer with the (eval-mode) batch norm folded in."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if linear.out_features != bn.num_features:
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
