"""rlgan.nets: the shared network library of the RL and GAN apps.

``from rlgan.nets import MLP, ConvEncoder, LSTMCore, DCGANGenerator, ...``; every module is
configured by names (activations, norms, init schemes) so ``conf/net/*.yaml`` files and Hydra
sweeps can build it through ``hydra.utils.instantiate``. The SB3 adapter lives in
:mod:`rlgan.nets.sb3`.
"""

from rlgan.common.device import resolve_device
from rlgan.common.seeding import seed_everything
from rlgan.nets.activations import ACTIVATIONS, make_activation
from rlgan.nets.conv import ConvEncoder, Residual, ResidualConvBlock
from rlgan.nets.gan import (
    DCGAN_IMAGE_SIZES,
    DCGANDiscriminator,
    DCGANGenerator,
    MinibatchStdDev,
    MLPDiscriminator,
    MLPGenerator,
)
from rlgan.nets.init import INIT_SCHEMES, apply_spectral_norm, init_weights
from rlgan.nets.mlp import MLP, ResidualMLPBlock
from rlgan.nets.norms import NORMS_1D, NORMS_2D, make_norm
from rlgan.nets.parameters import count_parameters, eval_mode, summary
from rlgan.nets.recurrent import CELLS, GRUCore, LSTMCore, RecurrentCore, init_recurrent_weights

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "DCGAN_IMAGE_SIZES",
    "INIT_SCHEMES",
    "MLP",
    "NORMS_1D",
    "NORMS_2D",
    "ConvEncoder",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GRUCore",
    "LSTMCore",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchStdDev",
    "RecurrentCore",
    "Residual",
    "ResidualConvBlock",
    "ResidualMLPBlock",
    "apply_spectral_norm",
    "count_parameters",
    "eval_mode",
    "init_recurrent_weights",
    "init_weights",
    "make_activation",
    "make_norm",
    "resolve_device",
    "seed_everything",
    "summary",
]
