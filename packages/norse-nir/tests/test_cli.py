import json

from norse.cli import main


def test_inspect_prints_nodes_edges_shapes_and_parameters(data_dir, capsys):
    assert main(["nir", "inspect", str(data_dir / "braille_noDelay_bias_zero.nir")]) == 0
    out = capsys.readouterr().out
    assert "(NIR version 0.2.0)" in out
    assert "  lif1.lif: CubaLIF (38 -> 38)" in out
    assert "    tau_mem: [38] = 0.001" in out
    assert "    r: [38] = 10" in out
    assert "  lif1.w_rec -> lif1.lif  (recurrent: previous step)" in out
    assert "  fc1: Affine (12 -> 38)" in out


def test_inspect_json(data_dir, capsys):
    assert main(["nir", "inspect", "--json", str(data_dir / "cnn_sinabs.nir")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == "0.2.0"
    assert report["nodes"]["4"]["type"] == "SumPool2d"
    assert report["nodes"]["4"]["input_shape"] == [16, 16, 16]
    assert report["nodes"]["4"]["output_shape"] == [16, 8, 8]
    assert report["nodes"]["1"]["parameters"]["r"] == {
        "shape": [16, 16, 16],
        "min": 1.0,
        "mean": 1.0,
        "max": 1.0,
    }
    assert {"source": "input", "target": "0", "recurrent": False} in report["edges"]
    assert len(report["edges"]) == 14


def test_inspect_of_a_malformed_file_fails_with_the_node_and_field(data_dir, capsys):
    assert main(["nir", "inspect", str(data_dir / "braille_noDelay_bias_zero_subgraph.nir")]) == 1
    err = capsys.readouterr().err
    assert "node 'lif1', field 'edges'" in err
