"""What a Code Lab run trains, and the exact command line that trains it.

A ``GptJob`` holds everything ``neuron train`` needs besides where to write:
the text, the tokenizer, the model's shape and the training settings. It
turns into the argument list of ``python -m neuron.transformer.train`` (one
process) or of ``python -m torch.distributed.run`` (many), and into the
``torchrun`` line a user can paste into a shell. A ``Word2vecJob`` does the
same for ``python -m neuron.lab.word2vec_job``.

Jobs come from three places: the Code Lab form (``GptJob(...)``), a run
recorded in the store (``GptJob.from_run``, to resume it) and a Builder
config (``GptJob.from_builder``). The command builds the model from a few
flags only (layers, width, heads, feed-forward width, dropout, context), so
a config it cannot express is refused with ``NotImplementedError`` rather
than trained as something else.

Nothing here imports torch: building a command is instant.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neuron.errors import InvalidArgumentError
from neuron.transformer.defaults import TRAIN_DEFAULTS

__all__ = [
    "GPT_MODULE",
    "TRAIN_DEFAULTS",
    "WORD2VEC_MODULE",
    "GptJob",
    "Word2vecJob",
    "torchrun_command",
]

log = logging.getLogger(__name__)

#: The module that trains a GPT, alone or under torchrun.
GPT_MODULE = "neuron.transformer.train"

#: The module that trains and records a word2vec model.
WORD2VEC_MODULE = "neuron.lab.word2vec_job"


# The flag of each setting; the rest are named by their field.
_FLAG_NAMES = {"sample_prompt": "prompt"}

# TransformerConfig fields the command fixes; a config that changes one
# cannot be trained by it.
_FIXED_MODEL_FIELDS = {
    "kind": "decoder",
    "activation": "gelu",
    "norm": "pre",
    "positional": "learned",
    "tie_embeddings": True,
    "bias": True,
    "type_vocab_size": 0,
    "embedding_norm": False,
    "final_norm": True,
    "pooler": False,
    "layer_norm_eps": 1e-5,
}

# The tokenizer a run records (its KIND) and the flag that makes it.
_TOKENIZER_FLAGS = {"char": "char", "byte_bpe": "bpe"}

# Builder's train keys that describe the data rather than the settings.
_DATA_KEYS = ("text", "tokenizer", "bpe_vocab", "val_fraction")


def _flag(name: str) -> str:
    return "--" + _FLAG_NAMES.get(name, name).replace("_", "-")


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@dataclasses.dataclass(frozen=True)
class GptJob:
    """A GPT training run to launch: data, model shape and settings.

    Attributes:
        text: the UTF-8 text file to train on (made absolute).
        layers: blocks, L.
        d_model: model width, d.
        heads: attention heads; must divide ``d_model``.
        d_ff: feed-forward width; None for 4 d_model.
        dropout: dropout rate in [0, 1).
        context: tokens per sequence, the model's context.
        train: ``TrainSettings`` fields (names as in ``TRAIN_DEFAULTS``);
            missing ones take the command's defaults.
        tokenizer: ``"char"`` or ``"bpe"``.
        bpe_vocab: vocabulary of a bpe tokenizer.
        val_fraction: share of the text held out for validation.
        name: the run's name in the store; None lets training derive one.

    Raises:
        InvalidArgumentError: an unknown setting, or heads that do not
            divide d_model.
    """

    text: Path
    layers: int = 4
    d_model: int = 128
    heads: int = 4
    d_ff: int | None = None
    dropout: float = 0.0
    context: int = 128
    train: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    tokenizer: str = "char"
    bpe_vocab: int = 512
    val_fraction: float = 0.1
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", Path(self.text).expanduser().absolute())
        unknown = sorted(set(self.train) - set(TRAIN_DEFAULTS))
        if unknown:
            raise InvalidArgumentError(
                f"expected training settings among {', '.join(TRAIN_DEFAULTS)}, "
                f"got unknown {', '.join(unknown)}; remove them"
            )
        object.__setattr__(self, "train", dict(self.train))
        if self.d_model % self.heads:
            raise InvalidArgumentError(
                f"expected d_model divisible by heads, got d_model={self.d_model} "
                f"and heads={self.heads}; pick heads that divide {self.d_model}"
            )

    @property
    def steps(self) -> int:
        """The optimizer steps the run ends at."""
        return int(self.train.get("steps", TRAIN_DEFAULTS["steps"]))

    @property
    def batch_size(self) -> int:
        """The global batch, over all processes."""
        return int(self.train.get("batch_size", TRAIN_DEFAULTS["batch_size"]))

    def arguments(
        self,
        *,
        store_path: str | Path,
        out_dir: str | Path,
        resume: str | Path | None = None,
    ) -> list[str]:
        """The options of ``neuron train`` for this job.

        Settings equal to the command's defaults are left out, so the line a
        user reads holds only what was chosen.

        Args:
            store_path: the store the run is recorded in (``--db``).
            out_dir: the folder for checkpoints (``--out``).
            resume: a checkpoint to continue from (``--resume``).
        """
        args = ["--text", str(self.text), "--tokenizer", self.tokenizer]
        if self.tokenizer == "bpe":
            args += ["--bpe-vocab", str(self.bpe_vocab)]
        if self.val_fraction != 0.1:
            args += ["--val-fraction", _text(self.val_fraction)]
        args += ["--layers", str(self.layers), "--d-model", str(self.d_model)]
        args += ["--heads", str(self.heads)]
        if self.d_ff is not None and self.d_ff != 4 * self.d_model:
            args += ["--d-ff", str(self.d_ff)]
        if self.dropout:
            args += ["--dropout", _text(self.dropout)]
        args += ["--context", str(self.context)]
        for name, value in self.train.items():
            if value == TRAIN_DEFAULTS[name]:
                continue
            if name == "clip" and value is None:
                value = 0.0  # the command's way of saying "no clipping"
            if value is None:
                continue
            args += [_flag(name), _text(value)]
        args += ["--out", str(Path(out_dir).absolute())]
        args += ["--db", str(Path(store_path).absolute())]
        if self.name:
            args += ["--name", self.name]
        if resume is not None:
            args += ["--resume", str(Path(resume).absolute())]
        return args

    def argv(
        self,
        *,
        store_path: str | Path,
        out_dir: str | Path,
        processes: int = 1,
        resume: str | Path | None = None,
        python: str | None = None,
    ) -> list[str]:
        """The full argument list that trains this job.

        One process runs ``python -m neuron.transformer.train``; more run
        ``python -m torch.distributed.run --standalone --nproc_per_node N
        -m neuron.transformer.train`` (torchrun, with this interpreter).

        Args:
            store_path, out_dir, resume: as for ``arguments``.
            processes: local processes, N >= 1; N must divide the batch.
            python: the interpreter; ``sys.executable`` when None.

        Raises:
            InvalidArgumentError: processes < 1, or N does not divide the
                batch.
        """
        _check_processes(processes, self.batch_size)
        python = python or sys.executable
        args = self.arguments(store_path=store_path, out_dir=out_dir, resume=resume)
        if processes == 1:
            return [python, "-m", GPT_MODULE, *args]
        launcher = [python, "-m", "torch.distributed.run", "--standalone"]
        launcher += ["--nproc_per_node", str(processes)]
        return [*launcher, "-m", GPT_MODULE, *args]

    def torchrun_command(
        self,
        *,
        store_path: str | Path,
        out_dir: str | Path,
        processes: int = 1,
        resume: str | Path | None = None,
    ) -> str:
        """The shell line that trains this job under ``torchrun``.

        ``torchrun --standalone --nproc_per_node N -m neuron.transformer.train
        ...``, quoted for a POSIX shell; ready to paste.

        Raises:
            InvalidArgumentError: as for ``argv``.
        """
        _check_processes(processes, self.batch_size)
        args = self.arguments(store_path=store_path, out_dir=out_dir, resume=resume)
        line = ["torchrun", "--standalone", "--nproc_per_node", str(processes)]
        return shlex.join([*line, "-m", GPT_MODULE, *args])

    @classmethod
    def from_run(cls, config: Mapping[str, Any], name: str | None = None) -> GptJob:
        """The job that trains the run recorded with ``config`` again.

        Args:
            config: a GPT run's ``Run.config`` (``model``, ``train`` and
                ``data`` as ``neuron.transformer.train`` records them).
            name: the new run's name; the recorded model's default when None.

        Raises:
            InvalidArgumentError: the config is not a GPT run's, or its data
                file is unknown.
            NotImplementedError: the model or settings cannot be expressed
                as ``neuron train`` flags.
        """
        if "model" not in config or "train" not in config:
            raise InvalidArgumentError(
                f"expected a GPT run's config with 'model' and 'train', got keys "
                f"{', '.join(sorted(config)) or 'none'}; only runs of neuron "
                "train can be resumed"
            )
        data = config.get("data") or {}
        if not data.get("source"):
            raise InvalidArgumentError(
                "expected the run's data source file in config['data']['source'], "
                "got none; the run was trained on text given in memory, so "
                "train it again from a file"
            )
        kind = data.get("tokenizer", "char")
        if kind not in _TOKENIZER_FLAGS:
            raise NotImplementedError(
                f"neuron train tokenizes with char or bpe only, and this run used "
                f"{kind!r}; train it again from Python"
            )
        train = dict(config["train"])
        context = int(train.pop("context", config["model"]["context"]))
        return cls._from_model(
            config["model"],
            train,
            text=data["source"],
            context=context,
            name=name,
            tokenizer=_TOKENIZER_FLAGS[kind],
            bpe_vocab=int(data.get("vocab_size", 512)),
            val_fraction=float(data.get("val_fraction", 0.1)),
        )

    @classmethod
    def from_builder(
        cls, payload: Mapping[str, Any], text: str | Path | None = None
    ) -> GptJob:
        """The job that trains a config made in Builder.

        Args:
            payload: ``{"model": TransformerConfig.to_dict(), "train": {...},
                "name": str}``; ``train`` holds ``TrainSettings`` fields and
                may name the data (``text``, ``tokenizer``, ``bpe_vocab``,
                ``val_fraction``). Unknown train keys are skipped and logged.
            text: the text file, when the payload names none.

        Raises:
            InvalidArgumentError: no text file, or a malformed payload.
            NotImplementedError: the model cannot be expressed as ``neuron
                train`` flags (not a pre-LN GPT-2-style decoder).
        """
        if not isinstance(payload.get("model"), Mapping):
            raise InvalidArgumentError(
                "expected Builder's pending run to hold a 'model' config dict, "
                "got none; save the model again in Builder"
            )
        train = dict(payload.get("train") or {})
        data = {key: train.pop(key) for key in _DATA_KEYS if key in train}
        source = data.pop("text", None) or text
        if source is None:
            raise InvalidArgumentError(
                "expected a text file to train Builder's model on, got none; "
                "choose one in Code Lab"
            )
        model = payload["model"]
        context = int(train.pop("context", model.get("context", 128)))
        skipped = sorted(set(train) - set(TRAIN_DEFAULTS))
        if skipped:
            log.warning("skipping unknown Builder train keys %s", skipped)
        train = {key: value for key, value in train.items() if key not in skipped}
        return cls._from_model(
            model,
            train,
            text=source,
            context=context,
            name=payload.get("name") or None,
            **data,
        )

    @classmethod
    def _from_model(cls, model, train, *, text, context, name, **data) -> GptJob:
        for field, fixed in _FIXED_MODEL_FIELDS.items():
            value = model.get(field, fixed)
            if value != fixed:
                raise NotImplementedError(
                    f"neuron train builds {field}={fixed!r} models only, and "
                    f"this config has {field}={value!r}; set it to {fixed!r} "
                    "in Builder, or train the model from Python with "
                    "neuron.transformer.train.train"
                )
        if int(model.get("context", context)) != context:
            raise NotImplementedError(
                f"neuron train uses one context for the model and the batches, "
                f"and this run has {model['context']} and {context}; make them "
                "equal"
            )
        return cls(
            text=Path(text),
            layers=int(model["layers"]),
            d_model=int(model["d_model"]),
            heads=int(model["heads"]),
            d_ff=int(model["d_ff"]) if model.get("d_ff") else None,
            dropout=float(model.get("dropout", 0.0)),
            context=context,
            train=train,
            name=name,
            **data,
        )


@dataclasses.dataclass(frozen=True)
class Word2vecJob:
    """A word2vec training run to launch (``neuron.lab.word2vec_job``).

    Attributes:
        corpus: a text or gzip file, or a folder of them (made absolute).
        vector_size, window, negative, min_count, epochs, alpha, seed,
        backend, threads: ``Word2Vec``'s arguments (threads None: all
        cores).
        name: the run's name; None lets ``train_recorded`` derive one.
    """

    corpus: Path
    vector_size: int = 100
    window: int = 5
    negative: int = 5
    min_count: int = 5
    epochs: int = 5
    alpha: float = 0.025
    seed: int = 1
    backend: str = "engine"
    threads: int | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "corpus", Path(self.corpus).expanduser().absolute())

    def argv(
        self,
        *,
        store_path: str | Path,
        out_dir: str | Path,
        python: str | None = None,
    ) -> list[str]:
        """The argument list of ``python -m neuron.lab.word2vec_job``."""
        args = [python or sys.executable, "-m", WORD2VEC_MODULE]
        args += ["--corpus", str(self.corpus)]
        args += ["--db", str(Path(store_path).absolute())]
        args += ["--out", str(Path(out_dir).absolute())]
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "corpus" or value is None:
                continue
            args += [_flag(field.name), _text(value)]
        return args


def torchrun_command(
    job: GptJob,
    *,
    store_path: str | Path,
    out_dir: str | Path,
    processes: int = 1,
    resume: str | Path | None = None,
) -> str:
    """The shell line that trains ``job`` with ``processes`` local processes
    under torchrun; see ``GptJob.torchrun_command``."""
    return job.torchrun_command(
        store_path=store_path, out_dir=out_dir, processes=processes, resume=resume
    )


def _check_processes(processes: int, batch_size: int) -> None:
    if not isinstance(processes, int) or processes < 1:
        raise InvalidArgumentError(
            f"expected processes >= 1, got {processes!r}; pass 1 for one process"
        )
    if batch_size % processes:
        raise InvalidArgumentError(
            f"expected a batch divisible by the {processes} processes (each "
            f"takes an equal slice), got batch_size={batch_size}; use a batch "
            f"that is a multiple of {processes}"
        )
