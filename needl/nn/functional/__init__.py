"""needl.nn.functional: the function form of every layer, activation and loss."""
from .activation import (celu, celu_, elu, elu_, gelu, glu, gumbel_softmax, hardshrink, hardsigmoid, hardswish,
                         hardtanh, hardtanh_, leaky_relu, leaky_relu_, log_softmax, logsigmoid, mish, prelu, relu,
                         relu_, relu6, rrelu, rrelu_, selu, selu_, sigmoid, silu, softmax, softmin, softplus,
                         softshrink, softsign, tanh, tanhshrink, threshold, threshold_)
from .adaptive_pool import adaptive_max_pool1d, adaptive_max_pool2d
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, conv1d, conv2d,
                   conv_transpose1d, conv_transpose2d, max_pool1d, max_pool2d, pad)
from .conv3d import conv3d, conv_transpose3d
from .ctc import ctc_loss
from .distance import cosine_similarity, pairwise_distance
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .embedding import embedding
from .embedding_bag import embedding_bag
from .flatten import flatten, unflatten
from .fold import fold, unfold
from .grid_sample import affine_grid, grid_sample
from .linear import bilinear, linear
from .local_response_norm import local_response_norm
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   huber_loss, kl_div, l1_loss, mse_loss, nll_loss, one_hot, smooth_l1_loss)
from .loss_composite import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss,
                             multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss,
                             poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
                             triplet_margin_with_distance_loss)
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from .normalization import batch_norm, group_norm, instance_norm, layer_norm, normalize
from .pdist import pdist
from .pixelshuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle
from .pool3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d
from .rms_norm import rms_norm
from .unpool import max_unpool1d, max_unpool2d, max_unpool3d
from .upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest
from .with_indices import (adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                           adaptive_max_pool3d_with_indices, max_pool1d_with_indices, max_pool2d_with_indices,
                           max_pool3d_with_indices)
