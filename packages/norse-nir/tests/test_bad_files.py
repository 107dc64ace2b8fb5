"""Malformed graphs and files raise NIRFormatError naming the node and field, nothing else."""

import copy

import h5py
import nir
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import norse_nir
import norse_nir.limits
from norse_nir import NIRFormatError
from norse_nir.validation import graph_to_dict


def _graph():
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([3])}),
            "fc": nir.Affine(
                weight=np.ones((4, 3), dtype=np.float32), bias=np.zeros(4, dtype=np.float32)
            ),
            "lif": nir.CubaLIF(
                tau_syn=np.full(4, 2e-3),
                tau_mem=np.full(4, 1e-2),
                r=np.ones(4),
                v_leak=np.zeros(4),
                v_threshold=np.ones(4),
            ),
            "rec": nir.Linear(weight=np.eye(4, dtype=np.float32)),
            "output": nir.Output(output_type={"output": np.array([4])}),
        },
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")],
    )


def _data():
    return graph_to_dict(_graph())


def test_valid_graph_imports(tmp_path):
    norse_nir.write(tmp_path / "g.nir", _graph())
    out, _ = norse_nir.from_nir(tmp_path / "g.nir")(torch.ones(2, 1, 3))
    assert out.shape == (2, 1, 4)


@pytest.mark.parametrize(
    "mutate, node, field, match",
    [
        (
            lambda d: d["nodes"]["lif"].update(type="Spiky"),
            "lif",
            "type",
            "unknown NIR node type 'Spiky'",
        ),
        (lambda d: d["nodes"]["lif"].pop("tau_mem"), "lif", "tau_mem", "missing required field"),
        (lambda d: d["nodes"]["fc"].pop("weight"), "fc", "weight", "missing required field"),
        (
            lambda d: d["edges"].append(("lif", "ghost")),
            "<graph>",
            "edges",
            "'ghost', which does not exist",
        ),
        (lambda d: d["edges"].append(("fc", "lif")), "<graph>", "edges", "duplicate edge"),
        (
            lambda d: d["nodes"]["lif"].update(v_leak=np.ones(5)),
            "lif",
            "v_leak",
            r"expected shape \(4,\)",
        ),
        (lambda d: d["nodes"]["lif"].update(tau_syn=-np.ones(4)), "lif", "tau_syn", "> 0"),
        (lambda d: d["nodes"]["lif"].update(v_leak=np.full(4, np.nan)), "lif", "v_leak", "finite"),
        (lambda d: d["nodes"]["lif"].update(v_leak="zero"), "lif", "v_leak", "numeric"),
        (
            lambda d: d["nodes"]["fc"].update(bias=np.zeros(3)),
            "fc",
            "bias",
            r"expected shape \(4,\)",
        ),
        (
            lambda d: d["nodes"]["fc"].update(weight=np.ones((4, 2)), bias=np.zeros(4)),
            "fc",
            "input_type",
            r"'input' outputs shape \(3,\) but 'fc' takes \(2,\)",
        ),
        (lambda d: d["nodes"]["input"].update(shape=np.array([0])), "input", "shape", "positive"),
    ],
)
def test_each_defect_names_the_node_and_field(mutate, node, field, match):
    data = _data()
    mutate(data)
    with pytest.raises(NIRFormatError, match=match) as info:
        norse_nir.validate(data)
    assert (info.value.node, info.value.field) == (node, field)


def test_defects_inside_a_nested_graph_are_named_with_dots():
    inner = _data()
    inner["nodes"]["lif"].pop("v_threshold")
    outer = {
        "type": "NIRGraph",
        "nodes": {"input": {"type": "Input", "shape": np.array([3])}, "hidden": inner},
        "edges": [("input", "hidden")],
    }
    with pytest.raises(NIRFormatError, match="missing required field") as info:
        norse_nir.validate(outer)
    assert (info.value.node, info.value.field) == ("hidden.lif", "v_threshold")


def test_not_a_graph_is_a_type_error():
    with pytest.raises(TypeError, match=r"nir\.NIRGraph"):
        norse_nir.validate([1, 2])


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        norse_nir.read(tmp_path / "nothing.nir")


def test_truncated_file(tmp_path):
    path = tmp_path / "g.nir"
    norse_nir.write(path, _graph())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(NIRFormatError, match="truncated or corrupt"):
        norse_nir.read(path)


def test_not_hdf5_and_hdf5_without_a_graph(tmp_path):
    (tmp_path / "text.nir").write_text("hello")
    with pytest.raises(NIRFormatError, match="not a readable HDF5"):
        norse_nir.read(tmp_path / "text.nir")
    with h5py.File(tmp_path / "empty.nir", "w") as f:
        f.create_dataset("version", data="1.0.8")
    with pytest.raises(NIRFormatError, match="no /node group"):
        norse_nir.read(tmp_path / "empty.nir")


def test_unknown_node_type_in_a_file(tmp_path):
    path = tmp_path / "g.nir"
    norse_nir.write(path, _graph())
    with h5py.File(path, "r+") as f:
        del f["node/nodes/lif/type"]
        f["node/nodes/lif"].create_dataset("type", data="Izhikevich")
    with pytest.raises(NIRFormatError, match="unknown NIR node type 'Izhikevich'") as info:
        norse_nir.read(path)
    assert (info.value.node, info.value.field) == ("lif", "type")


_JUNK = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.floats(-2, 2), max_size=5).map(np.array),
    st.lists(st.lists(st.integers(-1, 5), max_size=3), max_size=3),
    st.just({"a": 1}),
    st.just(np.zeros((2, 2, 2))),
)


@st.composite
def _mutations(draw):
    data = _data()
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.sampled_from(["set", "drop", "edge", "type"]))
        name = draw(st.sampled_from(sorted(data["nodes"])))
        node = data["nodes"][name]
        if choice == "set":
            node[draw(st.sampled_from(sorted(node)))] = draw(_JUNK)
        elif choice == "drop":
            node.pop(draw(st.sampled_from(sorted(node))))
        elif choice == "edge":
            edge = (
                draw(st.sampled_from([*data["nodes"], "nope"])),
                draw(st.sampled_from([*data["nodes"], 7])),
            )
            data["edges"] = [*data["edges"], edge]
        else:
            node["type"] = draw(
                st.sampled_from([*norse_nir.validate.__globals__["NODE_TYPES"], "Spike", 3])
            )
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_graphs_raise_only_nir_format_errors(data):
    try:
        graph, _ = norse_nir.validate(copy.deepcopy(data))
    except NIRFormatError:
        return
    module = norse_nir.from_nir(graph)  # a graph that validates must also import
    assert module is not None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=20),
    st.integers(100, 100_000),
)
def test_corrupted_files_raise_only_nir_format_errors(tmp_path, flips, cut):
    path = tmp_path / "g.nir"
    norse_nir.write(path, _graph())
    data = bytearray(path.read_bytes())
    for position, value in flips:
        data[position % len(data)] = value
    path.write_bytes(bytes(data[:cut]))
    try:
        graph = norse_nir.read(path)
    except NIRFormatError:
        return
    norse_nir.from_nir(graph)


def test_huge_declared_dataset_is_refused_before_reading(tmp_path):
    """A small file declaring 3×4×20000×20000 elements: refused from its shape alone."""
    path = tmp_path / "huge.nir"
    norse_nir.write(path, _graph())
    with h5py.File(path, "a") as f:
        del f["node/nodes/fc/weight"]
        f["node/nodes/fc"].create_dataset(
            "weight", shape=(3, 4, 20000, 20000), dtype="f4", chunks=(1, 1, 100, 100)
        )
    assert path.stat().st_size < 100_000
    with pytest.raises(NIRFormatError, match="size limit") as error:
        norse_nir.read(path)
    assert (error.value.node, error.value.field) == ("fc", "weight")


def test_huge_delay_and_shape_are_refused_and_the_limit_is_overridable(monkeypatch):
    graph = nir.NIRGraph.from_list(nir.Delay(delay=np.full(4, 1e4)))
    with pytest.raises(NIRFormatError, match="size limit") as error:
        norse_nir.from_nir(graph, dt=1e-4)  # 1e8 steps: never allocated
    assert error.value.field == "delay"
    monkeypatch.setattr(norse_nir.limits, "MAX_ELEMENTS", 100)
    data = _data()
    data["nodes"]["input"]["shape"] = np.array([1000])
    with pytest.raises(NIRFormatError, match="size limit") as error:
        norse_nir.validate(data)
    assert error.value.node == "input"


def test_shape_stored_as_a_string_says_so():
    data = _data()
    data["nodes"]["input"]["shape"] = "3"
    with pytest.raises(NIRFormatError, match="got the string '3'") as error:
        norse_nir.validate(data)
    assert (error.value.node, error.value.field) == ("input", "shape")


def test_lenient_mode_repairs_rockpool_and_sinabs_style_files(data_dir):
    """Rockpool's paper file has batch dims in its Output; Sinabs writes scalar parameters."""
    with pytest.raises(NIRFormatError, match="output"):
        norse_nir.read(data_dir / "lif_rockpool.nir")
    with pytest.warns(UserWarning, match=r"repaired: output: batch dims dropped"):
        module = norse_nir.from_nir(data_dir / "lif_rockpool.nir", dt=1e-4, lenient=True)
    assert module(torch.ones(5, 1, 1))[0].shape == (5, 1, 1)
    data = _data()
    data["nodes"]["lif"].update(v_threshold=np.float32(1.0), r=np.float32(1.0))
    data["nodes"]["input"]["shape"] = np.array([1, 3])  # with a batch dim
    data["nodes"]["lif"]["tau_syn"] = np.float32(2e-3)
    with pytest.warns(UserWarning, match=r"lif: parameters broadcast to shape \(4,\).*input"):
        graph, _ = norse_nir.validate(data, lenient=True)
    assert graph.nodes["lif"].v_threshold.shape == (4,)
    assert graph.nodes["input"].input_type["input"].tolist() == [3]
