"""Robustness of trained networks (Paper B §4.3-4.4, A.3.4, A.4, B.9-B.10; Figs 6-7, S11-S13).

- :mod:`.corruptions`: the 15 CIFAR-10-C corruptions (Hendrycks & Dietterich 2019) at CIFAR-10-C's
  own severity parameters (32×32; not ImageNet-C's), seeded and vectorized over images.
- :mod:`.cifar10c`: the published CIFAR-10-C ``.npy`` layout (a loader for users who have the
  files, and a writer of the same layout).
- :mod:`.attacks`: FGSM, BIM and PGD (L∞) with an explicit input-gradient path, ``"true"`` (the
  exact gradient of the forward function) or ``"feedback"`` (through the network's own B), and a
  transfer attack (hand-written, batched over an ensemble's members: the stored Fig 7/S12/S13
  results).
- :mod:`.library`: the same attacks and those that settle gradient masking (Square, APGD-CE,
  APGD-DLR, PGD with restarts) from torchattacks, one member at a time through a plain-autograd
  twin (true gradient) or the network's own feedback path.
- :mod:`.masking`: Athalye et al.'s gradient-masking checklist on measured accuracies.
"""

from .attacks import (
    ATTACKS,
    PATHS,
    attack,
    attack_accuracy,
    bim,
    fgsm,
    gradient_agreement,
    input_gradient,
    member_accuracy,
    pgd,
)
from .cifar10c import load_cifar10c, save_cifar10c
from .corruptions import (
    CATEGORIES,
    CORRUPTIONS,
    SEVERITY_PARAMS,
    corrupt,
    corrupt_in_batches,
    frost_texture_dir,
)

__all__ = [
    "ATTACKS",
    "CATEGORIES",
    "CORRUPTIONS",
    "PATHS",
    "SEVERITY_PARAMS",
    "attack",
    "attack_accuracy",
    "bim",
    "corrupt",
    "corrupt_in_batches",
    "fgsm",
    "frost_texture_dir",
    "gradient_agreement",
    "input_gradient",
    "load_cifar10c",
    "member_accuracy",
    "pgd",
    "save_cifar10c",
]
