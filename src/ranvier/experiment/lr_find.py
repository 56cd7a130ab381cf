"""The learning-rate range test on the data and the model a run's options describe (``ranvier lr-find``)."""

from __future__ import annotations

import json

from .._archive import atomic_write_text
from .build import _describe, build_model, load_data
from .checks import _check
from .files import _check_out
from .options import TrainOptions

__all__ = ["find_lr"]


def find_lr(options: TrainOptions, *, start_lr: float = 1e-6, end_lr: float = 10.0, steps: int = 200,
            overwrite: bool = False):
    """The learning-rate range test on the data and model the options describe.

    Writes ``lr_find.json`` and ``lr_find.png`` to ``options.out`` when it
    is set; a folder that holds those of another test is refused unless
    ``overwrite``, and a folder in use by a live run is refused.

    Returns
    -------
    LRFinderResult
    """
    from ..runfolder import claim

    _check(options)
    out = _check_out(options.out)
    if out is None:
        return _find_lr(options, None, start_lr, end_lr, steps)
    with claim(out, files=("lr_find.json", "lr_find.png"), overwrite=overwrite) as folder:
        return _find_lr(options, folder, start_lr, end_lr, steps)


def _find_lr(options: TrainOptions, folder, start_lr: float, end_lr: float, steps: int):
    from ..train.lr_finder import lr_range_test

    data = load_data(options)
    model = build_model(options, data.n_features, data.n_classes)
    kwargs = {} if options.momentum is None else {"momentum": options.momentum}
    if options.weight_decay is not None:
        kwargs["weight_decay"] = options.weight_decay
    result = lr_range_test(model, data.X_train, data.y_train, optimizer=options.optimizer, start_lr=start_lr,
                           end_lr=end_lr, steps=steps, batch_size=options.batch_size, seed=options.seed, **kwargs)
    if folder is not None:
        out = folder.path
        folder.clear_previous()
        atomic_write_text(out / "lr_find.json", json.dumps({**result.to_dict(), "options": options.to_dict()}, indent=1))
        from ..plot import plot_lr_finder

        plot_lr_finder(result, out / "lr_find.png", title=f"range test: {options.data}, {_describe(model)}, {options.optimizer}")
    return result

