"""The estimators and scikit-learn's estimator checks: which cannot pass, and why.

scikit-learn's ``check_estimator`` and ``parametrize_with_checks`` take a
dict of expected failures, each with its reason; :func:`sklearn_expected_failures`
gives it for any configuration of ranvier's estimators (see
``docs/estimators.md``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin

__all__ = ["sklearn_expected_failures"]


def sklearn_expected_failures(estimator) -> dict[str, str]:
    """The checks of ``sklearn.utils.estimator_checks`` this estimator is known to fail, with the reason.

    Pass it as ``check_estimator(est, expected_failed_checks=sklearn_expected_failures(est))``
    (or to ``parametrize_with_checks``), scikit-learn's mechanism for expected failures.
    ``check_sample_weight_equivalence_on_dense_data`` fits 15 rows with integer weights and
    the same rows repeated: one full batch each, which ranvier trains alike up to rounding.
    Where they cannot be alike the reason is given.
    """
    failures = {}
    params = estimator.get_params()
    equivalence = "check_sample_weight_equivalence_on_dense_data"
    if params.get("early_stopping"):
        failures[equivalence] = ("early_stopping holds out a random validation_fraction of the rows: 15 weighted "
                                 "rows and their repetitions split into different training sets")
        if isinstance(estimator, ClassifierMixin):
            failures["check_class_weight_classifiers"] = (
                "early stopping judges 5 held-out rows (validation_fraction=0.1 of 50); with class weights of "
                "1000 and 0.0001 the weighted validation score is decided by one or two rows of class 0 and "
                "stops the fit after n_iter_no_change epochs, before the weights have moved the boundary")
    elif params.get("dropout") or params.get("batch_norm"):
        failures[equivalence] = ("dropout draws a mask per row and batch normalisation takes the unweighted mean "
                                 "and variance of the batch: a weighted row and its repetitions are trained "
                                 "differently")
    elif params.get("dtype") is not None and np.dtype(params["dtype"]) == np.float32:
        failures[equivalence] = ("float32: the weighted and the repeated fits agree to float32 rounding (3e-7 "
                                 "relative), above the check's rtol=1e-7, which is below float32's epsilon")
    return failures
