"""Where the store file lives: explicit path, NEURON_HOME, the XDG data dir."""

from pathlib import Path

from neuron.store import DB_ENV, DB_FILENAME, HOME_ENV, Store, default_path


class TestDefaultPath:
    def test_explicit_path_wins_over_environment(self, tmp_path, monkeypatch):
        monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
        explicit = tmp_path / "elsewhere" / "my.db"

        assert default_path(explicit) == explicit
        assert explicit.parent.is_dir()

    def test_neuron_db_names_the_file_over_neuron_home(self, tmp_path, monkeypatch):
        monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
        monkeypatch.setenv(DB_ENV, str(tmp_path / "chosen" / "x.db"))

        assert default_path() == tmp_path / "chosen" / "x.db"

    def test_neuron_home_sets_the_directory(self, tmp_path, monkeypatch):
        monkeypatch.delenv(DB_ENV, raising=False)
        monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))

        assert default_path() == tmp_path / "home" / DB_FILENAME
        assert (tmp_path / "home").is_dir()

    def test_falls_back_to_the_xdg_data_directory(self, tmp_path, monkeypatch):
        monkeypatch.delenv(HOME_ENV, raising=False)
        monkeypatch.delenv(DB_ENV, raising=False)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))

        assert default_path() == tmp_path / "xdg" / "neuron" / DB_FILENAME

    def test_relative_paths_become_absolute(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)

        path = default_path("sub/n.db")

        assert path.is_absolute()
        assert path == tmp_path / "sub" / "n.db"

    def test_store_open_uses_neuron_home(self, tmp_path, monkeypatch):
        monkeypatch.delenv(DB_ENV, raising=False)
        monkeypatch.setenv(HOME_ENV, str(tmp_path))

        with Store.open() as store:
            assert store.path == tmp_path / DB_FILENAME
        assert Path(tmp_path / DB_FILENAME).is_file()
