import runpy
from pathlib import Path

import torch

EXAMPLE = Path(__file__).parents[1] / "examples" / "own_lightning_module.py"


def test_norse_modules_train_compiled_in_bf16_mixed_inside_a_users_lightning_module():
    example = runpy.run_path(str(EXAMPLE))
    model, accuracy = example["train"](backend="aot_eager", epochs=3)
    assert model.last_logits_dtype == torch.bfloat16  # autocast reached the Norse layers
    assert type(model.compiled).__name__ == "OptimizedModule"
    assert accuracy > 0.75  # the Bayes-optimal accuracy of the two clouds is about 0.98
