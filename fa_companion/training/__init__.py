"""Layer 5, training: the training loop (:mod:`~fa_companion.training.train`) and stored ensembles
from configs (:mod:`~fa_companion.training.experiments`)."""
