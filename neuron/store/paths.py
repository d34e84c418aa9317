"""Where the store's SQLite file lives."""

import os
from pathlib import Path

import platformdirs

#: The file name of the store inside the data directory.
DB_FILENAME = "neuron.db"

#: Environment variable naming the directory that holds the store.
HOME_ENV = "NEURON_HOME"

#: Environment variable naming the store file itself; the CLI's ``--db``
#: sets it for the notebooks the server runs.
DB_ENV = "NEURON_DB"


def default_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the path of the store's SQLite file.

    An explicit ``path`` wins; then ``$NEURON_DB`` when set; then
    ``$NEURON_HOME/neuron.db`` when ``NEURON_HOME`` is set; otherwise
    ``neuron.db`` in the user's data directory (``~/.local/share/neuron``
    on Linux, following XDG).

    Args:
        path: an explicit file path, such as the CLI's ``--db`` option.

    Returns:
        The absolute path of the file. Side effect: creates its parent
        directories if they are missing; the file itself is not created.
    """
    if path is not None:
        resolved = Path(path).expanduser()
    elif os.environ.get(DB_ENV):
        resolved = Path(os.environ[DB_ENV]).expanduser()
    elif os.environ.get(HOME_ENV):
        resolved = Path(os.environ[HOME_ENV]).expanduser() / DB_FILENAME
    else:
        resolved = Path(platformdirs.user_data_dir("neuron", appauthor=False))
        resolved = resolved / DB_FILENAME
    resolved = resolved.absolute()
    resolved.parent.mkdir(parents=True, exist_ok=True)
    return resolved
