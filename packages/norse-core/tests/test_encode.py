"""Encoders: Poisson statistics against binomial bounds, determinism, dtypes, exact codes."""

import math

import pytest
import torch

from norse.torch.functional.encode import (
    constant_current_lif_encode,
    euclidean_distance,
    gaussian_rbf,
    poisson_encode,
    poisson_encode_step,
    population_encode,
    signed_poisson_encode,
    signed_poisson_encode_step,
    spike_latency_encode,
    spike_latency_lif_encode,
)
from norse.torch.functional.lif import LIFParameters
from norse.torch.module.encode import (
    ConstantCurrentLIFEncoder,
    PoissonEncoder,
    PoissonEncoderStep,
    PopulationEncoder,
    SignedPoissonEncoder,
    SignedPoissonEncoderStep,
    SpikeLatencyEncoder,
    SpikeLatencyLIFEncoder,
)


def assert_binomial(count: float, trials: int, p: float, sigmas: float = 5.0) -> None:
    """``count`` ~ Binomial(trials, p) lies within ``sigmas`` standard deviations of the mean.

    For 5 sigma the two-sided miss probability is below 6e-7 per check.
    """
    mean = trials * p
    bound = sigmas * math.sqrt(trials * p * (1 - p))
    assert abs(count - mean) <= bound, (count, mean, bound)


@pytest.mark.parametrize("f_max,dt", [(100, 1e-3), (250, 2e-3)])
def test_poisson_rate_within_binomial_bound(f_max, dt):
    x = torch.tensor([0.0, 0.1, 0.37, 0.5, 1.0])
    seq_length, batch = 400, 50
    g = torch.Generator().manual_seed(1234)
    spikes = poisson_encode(x.expand(batch, 5), seq_length, f_max=f_max, dt=dt, generator=g)
    assert spikes.shape == (seq_length, batch, 5)
    assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    counts = spikes.sum(dim=(0, 1))
    assert counts[0] == 0
    for value, count in zip(x[1:].tolist(), counts[1:].tolist()):
        assert_binomial(count, seq_length * batch, dt * f_max * value)


def test_poisson_is_memoryless_per_step():
    # Successive steps are independent: P(z_t = z_{t+1} = 1) = p^2.
    p = 0.3
    spikes = poisson_encode(
        torch.full((2000,), p), 50, f_max=1000, dt=1e-3, generator=torch.Generator().manual_seed(7)
    )
    both = (spikes[1:] * spikes[:-1]).sum().item()
    assert_binomial(both, 49 * 2000, p * p)


def test_poisson_extremes_exact():
    spikes = poisson_encode(torch.tensor([0.0, 1.0]), 20, f_max=1000, dt=1e-3)
    torch.testing.assert_close(spikes, torch.tensor([[0.0, 1.0]]).expand(20, 2))


def test_same_seed_same_spikes_and_global_seed():
    x = torch.rand(4, 8, generator=torch.Generator().manual_seed(0))
    a = poisson_encode(x, 30, generator=torch.Generator().manual_seed(3))
    b = poisson_encode(x, 30, generator=torch.Generator().manual_seed(3))
    c = poisson_encode(x, 30, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    torch.manual_seed(11)
    d = poisson_encode(x, 30)
    torch.manual_seed(11)
    assert torch.equal(d, poisson_encode(x, 30))
    encoder = PoissonEncoder(30, generator=torch.Generator().manual_seed(3))
    assert torch.equal(encoder(x), a)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_dtype_follows_input(dtype):
    x = torch.full((3, 2), 0.5, dtype=dtype)
    assert poisson_encode(x, 5).dtype == dtype
    assert poisson_encode_step(x).dtype == dtype
    assert signed_poisson_encode(-x, 5).dtype == dtype
    assert signed_poisson_encode_step(-x).dtype == dtype
    assert population_encode(x, 4).dtype == dtype


def test_float64_draws_match_float64_probabilities():
    # With a float64 input the comparison is done in float64: p = 1 - 2^-40 still fires.
    x = torch.full((1000,), 1 - 2.0**-40, dtype=torch.float64)
    assert poisson_encode(x, 10, f_max=1000).sum().item() == pytest.approx(10000, abs=2)


def test_step_default_rate_is_norse_1000_hz():
    # Norse 1.x's step default: with dt = 0.001 the spike probability per step is x itself
    g = torch.Generator().manual_seed(5)
    x = torch.full((20000,), 0.3)
    spikes = poisson_encode_step(x, generator=g)
    assert_binomial(spikes.sum().item(), 20000, 0.3)
    spikes = PoissonEncoderStep(generator=g)(x)
    assert_binomial(spikes.sum().item(), 20000, 0.3)
    spikes = signed_poisson_encode_step(-x, generator=g)
    assert (spikes <= 0).all()
    assert_binomial(-spikes.sum().item(), 20000, 0.3)
    spikes = SignedPoissonEncoderStep(generator=g)(x)
    assert_binomial(spikes.sum().item(), 20000, 0.3)


def test_signed_poisson_sign_and_rate():
    x = torch.tensor([-1.0, -0.4, 0.0, 0.4, 1.0])
    g = torch.Generator().manual_seed(9)
    spikes = signed_poisson_encode(x.expand(100, 5), 300, generator=g)
    assert spikes.shape == (300, 100, 5)
    assert (spikes[..., :2] <= 0).all() and (spikes[..., 3:] >= 0).all()
    assert (spikes[..., 2] == 0).all()
    counts = spikes.abs().sum(dim=(0, 1))
    for value, count in zip(x.tolist(), counts.tolist()):
        if value != 0:
            assert_binomial(count, 30000, 0.1 * abs(value))
    exact = signed_poisson_encode(torch.tensor([-1.0, 1.0]), 4, f_max=1000)
    torch.testing.assert_close(exact, torch.tensor([[-1.0, 1.0]]).expand(4, 2))
    step = signed_poisson_encode_step(torch.tensor([-1.0, 1.0]), f_max=1000)
    torch.testing.assert_close(step, torch.tensor([-1.0, 1.0]))
    g1, g2 = torch.Generator().manual_seed(2), torch.Generator().manual_seed(2)
    assert torch.equal(
        SignedPoissonEncoder(7, generator=g1)(x), signed_poisson_encode(x, 7, generator=g2)
    )
    assert SignedPoissonEncoderStep()(x).shape == (5,)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_signed_poisson_stays_on_input_device():
    x = torch.rand(3, 4, device="cuda") * 2 - 1
    assert signed_poisson_encode(x, 5).device == x.device
    assert poisson_encode(x.abs(), 5).device == x.device
    g = torch.Generator(device="cuda").manual_seed(1)
    assert signed_poisson_encode(x, 5, generator=g).device == x.device
    with pytest.raises(ValueError, match="generator is on device cpu"):
        poisson_encode(x.abs(), 5, generator=torch.Generator())


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="NaN"):
        poisson_encode(torch.tensor([float("nan")]), 3)
    with pytest.raises(TypeError, match=r"floating-point dtype.*torch\.int64"):
        poisson_encode(torch.tensor([0, 1]), 3)
    with pytest.raises(TypeError, match=r"must be a torch\.Tensor"):
        poisson_encode([0.5], 3)
    with pytest.raises(ValueError, match="f_max \\* dt"):
        poisson_encode(torch.tensor([0.5]), 3, f_max=-100)
    with pytest.raises(ValueError, match="seq_length"):
        poisson_encode(torch.tensor([0.5]), 0)
    with pytest.raises(ValueError, match="dt must be > 0"):
        poisson_encode(torch.tensor([0.5]), 3, dt=0.0)
    with pytest.raises(ValueError, match="out_features"):
        population_encode(torch.tensor([0.5]), 0)


def test_population_encode_norse_example():
    out = population_encode(torch.tensor([0.0, 0.5, 1.0]), 3)
    a, b = math.exp(-0.125), math.exp(-0.5)
    expected = torch.tensor([[1.0, a, b], [a, 1.0, a], [b, a, 1.0]])
    torch.testing.assert_close(out, expected)


def test_population_encode_scale_shapes_and_module():
    x = torch.tensor([[0.0, 2.0], [4.0, 1.0]], dtype=torch.float64)
    out = population_encode(x, 5, scale=4.0)
    assert out.shape == (2, 2, 5)
    centres = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    # kernel(distance * scale) = exp(-(x - c)^2 * 4 / 2)
    torch.testing.assert_close(out, torch.exp(-((x.unsqueeze(-1) - centres) ** 2) * 4 / 2))
    torch.testing.assert_close(PopulationEncoder(5, scale=4.0)(x), out)
    # scale=None uses the maximum of the input (4 here).
    torch.testing.assert_close(population_encode(x, 5), out)
    # A scale per sample, shaped to broadcast against (B, N, 1).
    per_sample = population_encode(
        x, 5, scale=torch.tensor([4.0, 2.0], dtype=torch.float64).view(2, 1, 1)
    )
    torch.testing.assert_close(per_sample[0], out[0])
    torch.testing.assert_close(per_sample[1], population_encode(x[1:], 5, scale=2.0)[0])
    assert gaussian_rbf(torch.tensor(2.0), sigma=2.0).item() == pytest.approx(math.exp(-0.25))
    assert euclidean_distance(torch.tensor(1.0), torch.tensor(4.0)).item() == 9.0


def test_spike_latency_encode_keeps_first_spike():
    data = torch.tensor([[0, 1, 1], [1, 1, 1]])
    torch.testing.assert_close(spike_latency_encode(data), torch.tensor([[0, 1, 1], [1, 0, 0]]))
    spikes = (torch.rand(20, 3, 4, generator=torch.Generator().manual_seed(0)) < 0.2).float()
    out = SpikeLatencyEncoder()(spikes)
    assert (out.sum(0) == (spikes.sum(0) > 0).float()).all()
    first = spikes.argmax(0)
    has = spikes.sum(0) > 0
    torch.testing.assert_close(out.argmax(0)[has], first[has])
    with pytest.raises(ValueError, match="time dimension"):
        spike_latency_encode(torch.tensor(1.0))


def test_constant_current_lif_encode_exact_spike_steps():
    # v_n = I (1 - 0.9^n) from v = 0 (Euler, dt * tau_mem_inv = 0.1). For I = 2 the threshold 1
    # is first crossed at n = 7 (v = 1.0434), then v restarts at 0: spikes every 7 steps.
    # For I = 1, v -> 1 from below and never spikes; Norse's trace 0.1, 0.19, 0.271, ...
    current = torch.tensor([[2.0, 1.0, 0.0]], dtype=torch.float64)
    spikes = constant_current_lif_encode(current, 21)
    assert spikes.shape == (21, 1, 3) and spikes.dtype == torch.float64
    expected = torch.zeros(21, 1, 3, dtype=torch.float64)
    expected[[6, 13, 20], 0, 0] = 1.0
    torch.testing.assert_close(spikes, expected)
    torch.testing.assert_close(ConstantCurrentLIFEncoder(21)(current), expected)
    latency = torch.zeros(21, 1, 3, dtype=torch.float64)
    latency[6, 0, 0] = 1.0
    torch.testing.assert_close(spike_latency_lif_encode(current, 21), latency)
    torch.testing.assert_close(SpikeLatencyLIFEncoder(21)(current), latency)
    # A lower threshold fires earlier: v_1 = 0.2 > 0.15.
    early = constant_current_lif_encode(current, 3, LIFParameters(v_th=torch.tensor(0.15)))
    torch.testing.assert_close(early[:, 0, 0], torch.ones(3, dtype=torch.float64))


def test_lif_encoders_keep_dtype_and_pass_gradients():
    current = torch.full((2, 3), 1.5, dtype=torch.float64, requires_grad=True)
    spikes = constant_current_lif_encode(current, 10)
    assert spikes.dtype == torch.float64
    spikes.sum().backward()
    assert current.grad is not None and current.grad.abs().sum() > 0
    assert constant_current_lif_encode(torch.ones(2, dtype=torch.float16), 3).dtype == torch.float16
    with pytest.raises(TypeError, match="input_current"):
        constant_current_lif_encode(torch.ones(2, dtype=torch.int64), 3)


def test_encoders_are_registered_by_the_core():
    import norse.plugins

    registry = norse.plugins.registry("encoders")
    expected = {
        "constant_current_lif": ConstantCurrentLIFEncoder,
        "poisson": PoissonEncoder,
        "poisson_step": PoissonEncoderStep,
        "population": PopulationEncoder,
        "signed_poisson": SignedPoissonEncoder,
        "signed_poisson_step": SignedPoissonEncoderStep,
        "spike_latency": SpikeLatencyEncoder,
        "spike_latency_lif": SpikeLatencyLIFEncoder,
    }
    for name, module in expected.items():
        assert registry[name].plugin == "norse"
        assert registry[name].spec.module is module
    assert registry["poisson"].spec.function is poisson_encode


def test_out_of_range_inputs_saturate_as_in_norse_1_with_a_warning():
    """Norse 1.x code feeds normalised images (negative values, values above 1): the spike
    probability dt * f_max * x is clipped to [0, 1], and a warning says so."""
    x = torch.tensor([-0.5, 0.5, 1.5, 3.0])
    with pytest.warns(UserWarning, match=r"should lie in \[0.0, 1.0\].*\[-0.5, 3.0\]"):
        z = poisson_encode(x, 2000, f_max=500, generator=torch.Generator().manual_seed(0))
    rates = z.mean(0)
    assert rates[0] == 0  # negative: never, as Norse's rand < dt * f_max * x
    assert abs(rates[1] - 0.25) < 0.03 and abs(rates[2] - 0.75) < 0.03
    assert rates[3] == 1  # probability 1.5 saturates
    with pytest.warns(UserWarning, match=r"should lie in \[-1.0, 1.0\]"):
        signed = signed_poisson_encode_step(torch.tensor([-3.0, 3.0]))
    assert signed.tolist() == [-1.0, 1.0]
    with pytest.warns(UserWarning, match=r"f_max \* dt = 2.0 > 1"):
        assert poisson_encode(torch.tensor([0.5, 0.0]), 3, f_max=2000).tolist() == [[1, 0]] * 3
