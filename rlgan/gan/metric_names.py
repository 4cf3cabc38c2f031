"""Every metric ``rlgan-gan`` reports, declared once (name, direction, meaning).

The declarations live in this light module (it imports neither torch nor SciPy) rather than
in the modules that compute the values, because those modules need torch at import time
(:mod:`~rlgan.gan.losses`, :mod:`~rlgan.gan.classifier`, :mod:`~rlgan.gan.inception_metrics`)
and ``rlgan-report`` and the sweepers import the declarations on their own, cheaply. Each
computing module and each evaluator refers to the constants below, so a name is spelled in
one place:

- :mod:`~rlgan.gan.metrics` / :mod:`~rlgan.gan.evaluators`: the 2-D metrics;
- :mod:`~rlgan.gan.classifier`: the classifier-feature metrics of labelled images;
- :mod:`~rlgan.gan.inception_metrics`: FID and KID;
- :mod:`~rlgan.gan.conditional_metrics`: the class-conditional metrics;
- :mod:`~rlgan.gan.losses`: the two losses (valid objectives, not quality measures).
"""

from __future__ import annotations

from rlgan.common.metrics import MetricSpec, declare

# ---- 2-D Gaussian mixtures (VEEGAN/PacGAN) ---------------------------------------------------
MODES_COVERED = declare(
    "eval/modes_covered",
    higher_is_better=True,
    meaning="mixture modes with at least one high-quality generated sample",
)
HIGH_QUALITY_FRAC = declare(
    "eval/high_quality_frac",
    higher_is_better=True,
    meaning="fraction of generated samples within 3 standard deviations of their nearest mode",
)
REVERSE_KL = declare(
    "eval/reverse_kl",
    higher_is_better=False,
    meaning="KL(q || uniform) of the mode histogram q of the high-quality generated samples",
)

# ---- any 2-D data -----------------------------------------------------------------------------
SLICED_W1 = declare(
    "eval/sliced_w1",
    higher_is_better=False,
    meaning="sliced Wasserstein-1 distance between real and generated 2-D samples",
)

# ---- labelled images: a small classifier's feature space -------------------------------------
FD_CLASSIFIER = declare(
    "eval/fd_classifier",
    higher_is_better=False,
    meaning="Frechet distance between generated images and the held-out split (images no "
    "network trained on) in the 64-d features of a small CNN classifier trained on the "
    "training split",
)
FD_TRAIN = declare(
    "eval/fd_train",
    higher_is_better=False,
    meaning="the same Frechet distance for as many training-split images drawn at random "
    "with repeats, averaged over fixed draws: what a generator that returns its training "
    "images at random scores (the floor of fd_ratio)",
)
FD_RATIO = declare(
    "eval/fd_ratio",
    higher_is_better=False,
    meaning="fd_classifier / fd_train: 1.0 = as close to the held-out images as random draws "
    "of the training images are (a generator that memorises its training set scores about "
    "1.0); below 1.0 = closer than such draws (each training image once scores about 0.65 "
    "on digits)",
)
#: Runs made before the held-out split reported this instead of ``eval/fd_train`` (declared
#: so that their metrics still read with a direction).
FD_REAL = declare(
    "eval/fd_real",
    higher_is_better=False,
    meaning="(runs made before the held-out split) Frechet distance between two halves of the "
    "real images, generated images being scored against one of them",
)
CLASS_COVERAGE = declare(
    "eval/class_coverage",
    higher_is_better=True,
    meaning="classes predicted with probability >= 0.5 for at least one generated image",
)
CLASS_KL = declare(
    "eval/class_kl",
    higher_is_better=False,
    meaning="KL of the generated images' predicted-class histogram from the data's class "
    "frequencies",
)

# ---- stacked digits: 1,000 modes (Stacked MNIST's protocol) ----------------------------------
STACKED_MODES = declare(
    "eval/stacked_modes",
    higher_is_better=True,
    meaning="of the 1,000 stacked-digit modes (the classes of the three channels), those "
    "with at least one generated image",
)
STACKED_REVERSE_KL = declare(
    "eval/stacked_reverse_kl",
    higher_is_better=False,
    meaning="KL(q || uniform) of the generated images' histogram q over the 1,000 "
    "stacked-digit modes",
)
STACKED_REVERSE_KL_REAL = declare(
    "eval/stacked_reverse_kl_real",
    higher_is_better=False,
    meaning="the same KL for as many real stacked images (the floor: finite samples, class "
    "frequencies and classifier errors)",
)

# ---- class-conditional runs (model.conditional=true) -----------------------------------------
COND_ACCURACY = declare(
    "eval/cond_accuracy",
    higher_is_better=True,
    meaning="fraction of generated samples recognised as the class they were generated for "
    "(images: the metric classifier's prediction; stacked digits: all three channels; 2-D "
    "mixtures: within 3 standard deviations of the requested mode)",
)
COND_ACCURACY_WORST = declare(
    "eval/cond_accuracy_worst",
    higher_is_better=True,
    meaning="the lowest conditional accuracy of one class (stacked digits: of one digit in one "
    "channel)",
)
COND_KID = declare(
    "eval/cond_kid",
    higher_is_better=False,
    meaning="mean over classes of the per-class KID (unbiased, cubic kernel) between generated "
    "images of a class and the held-out images of that class, in the metric classifier's "
    "features",
)
COND_KID_WORST = declare(
    "eval/cond_kid_worst",
    higher_is_better=False,
    meaning="the largest per-class KID (generated vs held-out images of one class)",
)
COND_KID_GAP_WORST = declare(
    "eval/cond_kid_gap_worst",
    higher_is_better=False,
    meaning="largest over classes of the lower end of the generated class's KID interval minus "
    "the upper end of its real-vs-real (training vs held-out) interval; <= 0: every class's "
    "interval overlaps or lies below its real-vs-real one",
)
COND_CLASSES_ABOVE_REAL = declare(
    "eval/cond_classes_above_real",
    higher_is_better=False,
    meaning="classes whose KID interval lies entirely above their real-vs-real interval (0: "
    "every class is as close to its held-out images as real training images are, within noise)",
)
COND_DIVERSITY = declare(
    "eval/cond_diversity",
    higher_is_better=True,
    meaning="intra-class diversity: mean over classes of the generated images' mean pairwise "
    "feature distance within the class over the held-out images' (1.0: as diverse as real; "
    "near 0: collapse within classes; 2-D mixtures: the spread around the requested mode)",
)
COND_DIVERSITY_WORST = declare(
    "eval/cond_diversity_worst",
    higher_is_better=True,
    meaning="the lowest intra-class diversity ratio of one class",
)

# ---- images, eval.inception=true --------------------------------------------------------------
FID = declare(
    "eval/fid",
    higher_is_better=False,
    meaning="Frechet Inception distance between generated and real images (torchmetrics)",
)
KID_MEAN = declare(
    "eval/kid_mean",
    higher_is_better=False,
    meaning="kernel Inception distance between generated and real images, mean over subsets",
)
KID_STD = declare(
    "eval/kid_std",
    higher_is_better=False,
    meaning="standard deviation of the kernel Inception distance over subsets",
)

# ---- losses -----------------------------------------------------------------------------------
LOSS_D = declare(
    "loss/d",
    higher_is_better=False,
    meaning="the discriminator's latest loss; an adversarial loss is not a quality measure "
    "(lower is not better for a GAN), declared minimize only so it can be named",
)
LOSS_G = declare(
    "loss/g",
    higher_is_better=False,
    meaning="the generator's latest loss; an adversarial loss is not a quality measure "
    "(lower is not better for a GAN), declared minimize only so it can be named",
)

MIXTURE_METRICS: tuple[MetricSpec, ...] = (MODES_COVERED, HIGH_QUALITY_FRAC, REVERSE_KL, SLICED_W1)
SHAPE_METRICS: tuple[MetricSpec, ...] = (SLICED_W1,)
CLASSIFIER_METRICS: tuple[MetricSpec, ...] = (
    FD_RATIO,
    FD_CLASSIFIER,
    FD_TRAIN,
    CLASS_COVERAGE,
    CLASS_KL,
)
STACKED_METRICS: tuple[MetricSpec, ...] = (
    STACKED_MODES,
    STACKED_REVERSE_KL,
    STACKED_REVERSE_KL_REAL,
)
INCEPTION_METRICS: tuple[MetricSpec, ...] = (FID, KID_MEAN, KID_STD)
CONDITIONAL_IMAGE_METRICS: tuple[MetricSpec, ...] = (
    COND_ACCURACY,
    COND_ACCURACY_WORST,
    COND_KID,
    COND_KID_WORST,
    COND_KID_GAP_WORST,
    COND_CLASSES_ABOVE_REAL,
    COND_DIVERSITY,
    COND_DIVERSITY_WORST,
)
CONDITIONAL_STACKED_METRICS: tuple[MetricSpec, ...] = (COND_ACCURACY, COND_ACCURACY_WORST)
CONDITIONAL_MIXTURE_METRICS: tuple[MetricSpec, ...] = (
    COND_ACCURACY,
    COND_ACCURACY_WORST,
    COND_DIVERSITY,
    COND_DIVERSITY_WORST,
)

# ---- the folder metric (rlgan.gan.folder_quality) ----
ENCODER_FD = declare(
    "eval/encoder_fd",
    higher_is_better=False,
    meaning="Frechet distance between generated images and the held-out split in the "
    "features of an autoencoder trained on the folder's training split",
)
ENCODER_FD_TRAIN = declare(
    "eval/encoder_fd_train",
    higher_is_better=False,
    meaning="the same Frechet distance for as many training-split images drawn at random "
    "with repeats, averaged over fixed draws: what a generator that returns its training "
    "images at random scores (the floor of encoder_fd_ratio)",
)
ENCODER_FD_RATIO = declare(
    "eval/encoder_fd_ratio",
    higher_is_better=False,
    meaning="encoder_fd / encoder_fd_train: 1.0 = as close to the held-out images as random "
    "draws of the training images are (a generator that memorises its training set scores "
    "about 1.0); below 1.0 = closer than such draws (unseen real images score a little below)",
)
ENCODER_PRECISION = declare(
    "eval/encoder_precision",
    higher_is_better=True,
    meaning="fraction of generated images inside the held-out images' k-NN manifold in the "
    "autoencoder's features (Kynkaanniemi et al. 2019): fidelity",
)
ENCODER_RECALL = declare(
    "eval/encoder_recall",
    higher_is_better=True,
    meaning="fraction of held-out images inside the generated images' k-NN manifold in the "
    "autoencoder's features (Kynkaanniemi et al. 2019): diversity",
)
ENCODER_PRECISION_TRAIN = declare(
    "eval/encoder_precision_train",
    higher_is_better=True,
    meaning="encoder_precision of as many training-split images drawn at random with "
    "repeats, averaged over fixed draws (its floor: what returning training images scores)",
)
ENCODER_RECALL_TRAIN = declare(
    "eval/encoder_recall_train",
    higher_is_better=True,
    meaning="encoder_recall of as many training-split images drawn at random with repeats, "
    "averaged over fixed draws (its floor: what returning training images scores)",
)
FOLDER_METRICS: tuple[MetricSpec, ...] = (
    ENCODER_FD_RATIO,
    ENCODER_FD,
    ENCODER_FD_TRAIN,
    ENCODER_PRECISION,
    ENCODER_RECALL,
    ENCODER_PRECISION_TRAIN,
    ENCODER_RECALL_TRAIN,
)
LOSS_METRICS: tuple[MetricSpec, ...] = (LOSS_D, LOSS_G)
