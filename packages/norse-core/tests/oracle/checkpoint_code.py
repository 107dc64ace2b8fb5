"""Norse 1.x checkpoints load here: ``python checkpoint_code.py save|load FILE``.

``save`` (run under Norse 1.1.0, the oracle) builds the models of :func:`build`, changes
every parameter (by a seeded factor, or by one SGD step for the receptive fields, whose
kernels Norse 1.1.0 recomputes only after a backward pass), and saves their ``state_dict()``\\ s and outputs. ``load``
(run under norse-core) builds the same models, loads those state dicts with the default
``strict=True`` and saves its outputs; ``test_checkpoints.py`` compares the two.
"""

import sys

import torch

import norse.torch as norse


def build() -> dict[str, torch.nn.Module]:
    """Models as a Norse 1.x user builds them (fresh random initialisation)."""
    return {
        "sequential": norse.SequentialState(
            torch.nn.Linear(3, 4),
            norse.LIFRecurrentCell(4, 5),
            norse.LSNNRecurrentCell(5, 4),
            norse.LILinearCell(4, 2),
        ),
        "lif": norse.SequentialState(torch.nn.Linear(3, 4), norse.LIFCell(), norse.LICell()),
        "spatial": norse.SpatialReceptiveField2d(1, 5, torch.tensor([[1.0, 0.3, 1.5, 1, 0]])),
        "parameterized": norse.ParameterizedSpatialReceptiveField2d(
            1, 5, torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0]), torch.tensor([0.5, 1.0]), 1
        ),
        "temporal": norse.TemporalReceptiveField((1, 5, 5), n_scales=2),
    }


def run(models: dict[str, torch.nn.Module]) -> dict[str, torch.Tensor]:
    """Each model's output on a fixed input (sequences: 30 steps with the state threaded)."""
    g = torch.Generator().manual_seed(1)
    out = {}
    for name in ("sequential", "lif"):
        x, state, ys = torch.rand(30, 2, 3, generator=g) * 8, None, []
        for t in range(30):
            y, state = models[name](x[t], state)
            ys.append(y)
        out[name] = torch.stack(ys)
    image = torch.rand(2, 1, 7, 7, generator=g)
    out["spatial"] = models["spatial"](image)
    out["parameterized"] = models["parameterized"](image)
    out["temporal"] = models["temporal"](image[:, :, :5, :5])[0]
    return {k: v.detach() for k, v in out.items()}


def main(mode: str, path: str) -> None:
    torch.manual_seed(0)
    models = build()
    if mode == "save":
        g = torch.Generator().manual_seed(2)
        for name, model in models.items():  # every parameter changes, so loading it matters
            if name in ("spatial", "parameterized"):  # Norse 1.1.0 updates kernels on backward
                model(torch.rand(1, 1, 6, 6, generator=g)).pow(2).sum().backward()
                torch.optim.SGD(model.parameters(), lr=0.05).step()
                continue
            with torch.no_grad():
                for _, p in sorted(model.named_parameters()):
                    p.mul_(1 + 0.2 * torch.rand(p.shape, generator=g))
        states = {name: model.state_dict() for name, model in models.items()}
        torch.save({"state_dicts": states, "outputs": run(models)}, path)
    else:
        saved = torch.load(path)
        for name, model in models.items():
            model.load_state_dict(saved["state_dicts"][name])
        torch.save({"outputs": run(models), "expected": saved["outputs"]}, path + ".ours")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
