"""Workspace objects: named arrays that keep dtype and shape exactly, with a
version that counts the puts."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neuron.errors import InvalidRecordError, NotFoundError, TooLargeError
from neuron.store import Store, objects

ARRAYS = {
    "float32 matrix": np.arange(12, dtype=np.float32).reshape(3, 4),
    "big-endian float64": np.array([1.5, -0.0, np.inf], dtype=">f8"),
    "0-d": np.array(3.25),
    "0-d int": np.array(7, dtype=np.int16),
    "empty": np.zeros((0,), dtype=np.float64),
    "empty 2-d": np.zeros((0, 3), dtype=np.int64),
    "bool": np.array([[True, False]]),
    "complex": np.array([1 + 2j, np.nan * 1j], dtype=np.complex128),
    "uint64 max": np.array([np.iinfo(np.uint64).max], dtype=np.uint64),
    "float16": np.linspace(0, 1, 5, dtype=np.float16),
    "nan payload": np.array([np.nan, -np.nan], dtype=np.float32),
    "datetime": np.array(["2024-01-01T00:00:00"], dtype="datetime64[ns]"),
    "timedelta": np.array([5, -3], dtype="timedelta64[s]"),
    "unicode": np.array(["q", "key", "välue"], dtype="<U5"),
    "bytes": np.array([b"ab", b""], dtype="S2"),
    "transposed view": np.arange(6.0).reshape(2, 3).T,
    "fortran order": np.asfortranarray(np.arange(6).reshape(2, 3)),
    "4-d": np.random.default_rng(0).standard_normal((2, 1, 3, 2)),
}


def assert_identical(got, want):
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    assert got.tobytes() == np.ascontiguousarray(want).tobytes()


class TestPutAndGet:
    @pytest.mark.parametrize("name", list(ARRAYS))
    def test_round_trip_keeps_dtype_shape_and_bytes(self, store, name):
        array = ARRAYS[name]

        info = store.put_object("x", array)
        got = store.get_object("x")

        assert_identical(got.array, array)
        assert (info.dtype, info.shape, info.nbytes) == (
            array.dtype.str,
            array.shape,
            array.nbytes,
        )

    def test_numpy_scalar_is_stored_as_0d(self, store):
        store.put_object("s", np.float32(2.5))

        got = store.get_object("s").array
        assert got.shape == () and got.dtype == np.float32 and got == 2.5

    def test_returned_array_is_a_writable_copy(self, store):
        store.put_object("v", np.zeros(3))

        got = store.get_object("v").array
        got[0] = 1.0

        assert store.get_object("v").array[0] == 0.0

    def test_version_counts_puts(self, store):
        versions = [store.put_object("w", np.eye(2) * i).version for i in range(3)]

        assert versions == [1, 2, 3]
        obj = store.get_object("w")
        assert obj.version == 3
        assert_identical(obj.array, np.eye(2) * 2)
        assert store.object_info("w").version == 3

    def test_replacing_may_change_dtype_and_shape(self, store):
        store.put_object("w", np.zeros((2, 2), dtype=np.float32))
        store.put_object("w", np.arange(5, dtype=np.int8))

        assert_identical(store.get_object("w").array, np.arange(5, dtype=np.int8))

    def test_list_and_delete(self, store):
        store.put_object("b", np.zeros(2))
        store.put_object("a", np.zeros((3, 3), dtype=np.float32))

        assert [(i.name, i.shape, i.nbytes) for i in store.list_objects()] == [
            ("a", (3, 3), 36),
            ("b", (2,), 16),
        ]
        store.delete_object("a")
        assert [i.name for i in store.list_objects()] == ["b"]
        with pytest.raises(NotFoundError, match="got 'a'; known objects: b"):
            store.get_object("a")
        with pytest.raises(NotFoundError, match="got 'a'"):
            store.delete_object("a")
        assert store.put_object("a", np.zeros(1)).version == 1

    def test_another_store_sees_new_versions(self, store, db_path):
        store.put_object("shared", np.ones(4))

        with Store.open(db_path) as other:
            assert other.object_info("shared").version == 1
            store.put_object("shared", np.full(4, 2.0))
            seen = other.get_object("shared")

        assert seen.version == 2
        assert_identical(seen.array, np.full(4, 2.0))

    def test_every_change_rewrites_the_workspace_stamp_after_commit(
        self, store, db_path
    ):
        stamp = objects.workspace_stamp(db_path)
        assert stamp.name == db_path.name + ".workspace"

        store.put_object("w_q", np.eye(2))
        assert stamp.read_text().startswith("put w_q 1 ")
        store.put_object("w_q", np.eye(3))
        assert stamp.read_text().startswith("put w_q 2 ")
        store.delete_object("w_q")
        assert stamp.read_text().startswith("delete w_q ")

    def test_a_refused_change_leaves_the_stamp_alone(self, store, db_path):
        store.put_object("kept", np.ones(2))
        before = objects.workspace_stamp(db_path).read_text()

        with pytest.raises(InvalidRecordError):
            store.put_object("bad name", np.ones(2))
        with pytest.raises(NotFoundError):
            store.delete_object("missing")

        assert objects.workspace_stamp(db_path).read_text() == before

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        array=hnp.arrays(
            dtype=st.one_of(
                hnp.scalar_dtypes(),
                hnp.byte_string_dtypes(min_len=1),
                hnp.unicode_string_dtypes(min_len=1),
            ),
            shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
        )
    )
    def test_any_plain_array_round_trips(self, store, array):
        store.put_object("prop", array)

        assert_identical(store.get_object("prop").array, array)


class TestBadObjects:
    @pytest.mark.parametrize(
        "name", ["", "1abc", "has space", "a/b", "é", "x" * 129, None, 5]
    )
    def test_bad_names_are_refused(self, store, name):
        with pytest.raises(InvalidRecordError, match="expected an object name"):
            store.put_object(name, np.zeros(1))

    def test_object_dtype_is_refused(self, store):
        with pytest.raises(InvalidRecordError, match="got dtype object.*astype"):
            store.put_object("o", np.array([{}, 1], dtype=object))

    def test_structured_dtype_is_refused(self, store):
        array = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])

        with pytest.raises(InvalidRecordError, match="structured arrays cannot"):
            store.put_object("s", array)

    @pytest.mark.parametrize("value", [[1.0, 2.0], 3.0, "text", None])
    def test_non_arrays_are_refused(self, store, value):
        with pytest.raises(InvalidRecordError, match="expected a NumPy array.*asarray"):
            store.put_object("v", value)

    def test_oversized_object_is_refused(self, store, monkeypatch):
        monkeypatch.setattr(objects, "MAX_OBJECT_BYTES", 1024)

        with pytest.raises(TooLargeError, match="at most 1024 bytes, got 1032 bytes"):
            store.put_object("big", np.zeros(129))
        assert store.list_objects() == []

    def test_missing_object(self, store):
        with pytest.raises(NotFoundError, match="got 'nope'; known objects: none"):
            store.object_info("nope")
