"""A role classifier trained on a researcher's own labels, and what it needs to be honest.

Why this model: character n-grams (within word boundaries) and word pairs, TF-IDF weighted,
into a logistic regression — multilingual without a tokenizer per language, fast enough for a
million posts in minutes on two cores, and calibrated enough for PACC. Training also keeps the
posteriors of each labelled post from a model that did not see it (5-fold cross-validation):
they are what the prevalence estimate corrects with (:mod:`.prevalence`) and what
``roles evaluate`` reports precision and recall from.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from groundswell.roles.extra import require_roles_extra
from groundswell.roles.prevalence import Estimate, estimate

__all__ = ["FORMAT", "RoleModel", "evaluation"]

FORMAT = "groundswell-roles-model/1"
FOLDS = 5


#: Texts classified per process: above it, the work is shared by every core (the character
#: n-grams are Python; 1M posts take ≈ 100 s on one core).
CHUNK = 25_000


def one_thread():
    """Numerical libraries on one thread: their threads spin against each other on small
    sparse problems (a 300-label fit took 4.7 s on two threads, 0.1 s on one)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _pipeline(seed: int, labels: int = 1000):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    features = FeatureUnion([
        # 3–4 characters within words: as good as 2–4 on the simulated roles, a quarter faster
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4),
                                  min_df=2 if labels >= 100 else 1, sublinear_tf=True,
                                  max_features=200_000, lowercase=True)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1,
                                  sublinear_tf=True, max_features=100_000, lowercase=True)),
    ])
    return make_pipeline(features, LogisticRegression(max_iter=2000, C=4.0,
                                                      class_weight="balanced",
                                                      random_state=seed))


@dataclass
class RoleModel:
    """A fitted classifier, its roles, and its cross-validated posteriors on its labels."""

    roles: tuple[str, ...]
    pipeline: object
    cv_outputs: np.ndarray
    cv_truth: np.ndarray
    trained_at: str
    labels: int
    meta: dict = field(default_factory=dict)

    @classmethod
    def train(cls, texts: Sequence[str], roles: Sequence[str], seed: int = 0,
              role_names: Sequence[str] | None = None) -> RoleModel:
        """Fit on labelled ``texts``; ``role_names`` fixes the roles' order (default: the
        labels' roles, sorted). Needs at least two roles with two labels each."""
        require_roles_extra("training a role model")
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        names = tuple(role_names or sorted(set(roles)))
        index = {r: i for i, r in enumerate(names)}
        unknown = sorted(set(roles) - set(index))
        if unknown:
            raise ValueError(f"labels with roles not in the set: {', '.join(unknown)}")
        y = np.array([index[r] for r in roles])
        counts = np.bincount(y, minlength=len(names))
        # a role labelled once cannot be cross-validated: left out, and said so
        ignored = [names[i] for i in range(len(names)) if counts[i] == 1]
        keep = counts[y] >= 2
        texts = [t or "" for t, k in zip(texts, keep, strict=True) if k]
        y = y[keep]
        present = counts[counts >= 2]
        if len(present) < 2:
            raise ValueError("training needs at least two roles with two labelled posts each "
                             f"(have: {dict(zip(names, counts.tolist(), strict=True))})")
        folds = max(2, min(FOLDS, int(present.min())))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        with one_thread():
            outputs = cross_val_predict(_pipeline(seed, len(texts)), texts, y, cv=cv,
                                        method="predict_proba")
            pipeline = _pipeline(seed, len(texts)).fit(texts, y)
        seen = np.unique(y)
        full = np.zeros((len(texts), len(names)))
        full[:, seen] = outputs  # roles without labels get no posterior
        return cls(names, pipeline, full, y, datetime.now(UTC).isoformat(timespec="seconds"),
                   len(texts), {"folds": folds, "seed": seed, "ignored": ignored})

    def posteriors(self, texts: Sequence[str | None]) -> np.ndarray:
        """One row per text, a column per role (roles never labelled get 0)."""
        texts = [t or "" for t in texts]
        out = np.zeros((len(texts), len(self.roles)))
        if not texts:
            return out
        workers = min(os.cpu_count() or 1, -(-len(texts) // CHUNK))
        if workers <= 1:
            with one_thread():
                out[:, self.pipeline.classes_] = self.pipeline.predict_proba(texts)
            return out
        from joblib import Parallel, delayed

        size = -(-len(texts) // workers)
        parts = Parallel(n_jobs=workers)(
            delayed(self.pipeline.predict_proba)(texts[i:i + size])
            for i in range(0, len(texts), size))
        out[:, self.pipeline.classes_] = np.vstack(parts)
        return out

    def predict(self, texts: Sequence[str | None]) -> list[str]:
        return [self.roles[i] for i in self.posteriors(texts).argmax(axis=1)]

    def estimate(self, texts: Sequence[str | None], method: str = "pacc",
                 bootstrap: int = 200, seed: int = 0) -> Estimate:
        """Each role's share among ``texts``, corrected for this model's errors."""
        return estimate(self.roles, self.cv_outputs, self.cv_truth, self.posteriors(texts),
                        method=method, bootstrap=bootstrap, seed=seed)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(pickle.dumps({"format": FORMAT, **self.__dict__}))
        return path

    @classmethod
    def load(cls, path: str | Path) -> RoleModel:
        """A model written by :meth:`save`. It is a pickle: load only models you made."""
        require_roles_extra(f"the role model {path}")  # unpickling it imports scikit-learn
        try:
            data = pickle.loads(Path(path).read_bytes())
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such model file") from None
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
            raise ValueError(f"{path}: not a groundswell roles model ({exc})") from None
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise ValueError(f"{path}: not a groundswell roles model ({FORMAT})")
        return cls(**data)


def evaluation(roles: Sequence[str], truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Per-role precision, recall, F1 and support, macro F1, accuracy and the confusion
    matrix (rows: true roles, columns: predicted), from indices."""
    require_roles_extra("evaluating a role model")
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(roles)))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels,
                                                 zero_division=0)
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "roles": [{"role": name, "precision": round(float(p[i]), 3),
                   "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
                   "labels": int(s[i])} for i, name in enumerate(roles)],
        "macro_f1": round(float(np.mean([f[i] for i in labels if s[i]])), 3) if len(truth)
        else 0.0,
        "accuracy": round(float(np.mean(truth == predicted)), 3) if len(truth) else 0.0,
        "confusion": {"roles": list(roles), "matrix": matrix.tolist()},
    }
