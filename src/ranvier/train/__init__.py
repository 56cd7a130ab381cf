"""The training wing: the Trainer, its epoch loop, History, callbacks, checkpoints and the learning-rate finder.

One module per concept (as Keras keeps one module per callback):

* :mod:`~ranvier.train.trainer`: :class:`Trainer`, its options and :meth:`Trainer.fit`;
* :mod:`~ranvier.train.loop`: the epoch loop of one ``fit`` call;
* :mod:`~ranvier.train.step`: what the loop asks of a model for one step (the
  protocol of a model of one's own, ``TrainableModel``) and the speed
  agreements (labels checked once per run and scores once per batch, the L2
  term folded into the optimiser);
* :mod:`~ranvier.train.history`: :class:`History`;
* :mod:`~ranvier.train.evaluation`: :func:`evaluate`;
* :mod:`~ranvier.train.callbacks`: :class:`Callback` and :class:`Checkpoint`;
  :mod:`~ranvier.train.plateau` (:class:`ReduceLROnPlateau`),
  :mod:`~ranvier.train.loggers` (:class:`CSVLogger`, :class:`TensorBoard`);
* :mod:`~ranvier.train.checkpoint`: the checkpoint file, and
  :mod:`~ranvier.train.state` the run state it saves;
* :mod:`~ranvier.train.clipping`: :func:`clip_grad_norm`;
* :mod:`~ranvier.train.lr_finder`: :func:`lr_range_test`;
* :mod:`~ranvier.train.progress`: the progress bar and epoch lines;
* :mod:`~ranvier.train.interrupt`: Ctrl-C and SIGTERM end a run after the step;
* :mod:`~ranvier.train.streaming`: speed machinery, the threaded reads of a
  memory-mapped data set.

The old flat module names stay importable: ``ranvier.training`` is this
package, ``ranvier.checkpoint`` is :mod:`ranvier.train.checkpoint`, and so on
for ``clipping``, ``plateau``, ``loggers`` and ``lr_finder``.
"""

from .callbacks import Callback, Checkpoint
from .checkpoint import read_checkpoint, write_checkpoint
from .clipping import clip_grad_norm, global_norm
from .evaluation import evaluate
from .history import History
from .loggers import CSVLogger, TensorBoard
from .lr_finder import LRFinderResult, lr_range_test
from .plateau import ReduceLROnPlateau
from .trainer import Trainer

__all__ = [
    "CSVLogger",
    "Callback",
    "Checkpoint",
    "History",
    "LRFinderResult",
    "ReduceLROnPlateau",
    "TensorBoard",
    "Trainer",
    "clip_grad_norm",
    "evaluate",
    "global_norm",
    "lr_range_test",
    "read_checkpoint",
    "write_checkpoint",
]
