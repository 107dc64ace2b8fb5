"""Receptive fields: kernel numbers, shapes, float64 gradients, module behaviour, errors.

The numbers equal Norse 1.1.0's (``tests/oracle/test_parity_code.py``, case
``receptive_fields``); these tests check the mathematics and what Norse 1.1.0 got wrong.
"""

import copy
import math
import pickle

import pytest
import torch

import norse.torch as norse
from norse.torch.functional import receptive_field as rf


def _grid(size, domain):
    a = torch.linspace(-domain, domain, size, dtype=torch.float64)
    ys, xs = torch.meshgrid(a, a, indexing="ij")  # x along columns, y along rows
    return xs, ys


def test_gaussian_kernel_is_the_density():
    c = torch.tensor([[2.0, 0.6], [0.6, 1.0]], dtype=torch.float64)
    k = rf.gaussian_kernel(9, c, domain=4)
    xs, ys = _grid(9, 4)
    p = torch.stack([xs, ys], -1)
    quad = torch.einsum("ijm,mk,ijk->ij", p, torch.linalg.inv(c), p)
    expected = torch.exp(-quad / 2) / (2 * math.pi * torch.linalg.det(c).sqrt())
    torch.testing.assert_close(k, expected)
    batch = rf.gaussian_kernel(9, torch.stack([c, 2 * c]), domain=4)
    assert batch.shape == (2, 9, 9)
    torch.testing.assert_close(batch[0], k)


def test_covariance_matrix_has_the_given_axes():
    c = rf.covariance_matrix(torch.tensor(2.0), torch.tensor(0.5), torch.tensor(0.3))
    eigenvalues, eigenvectors = torch.linalg.eigh(c)
    torch.testing.assert_close(eigenvalues, torch.tensor([0.25, 4.0]))
    major = eigenvectors[:, 1] * eigenvectors[0, 1].sign()
    torch.testing.assert_close(major, torch.tensor([math.cos(0.3), math.sin(0.3)]))
    one = rf.covariance_matrix(torch.tensor([2.0]), torch.tensor([0.5]), torch.tensor([0.3]))
    torch.testing.assert_close(one, c)  # one-element tensors: (2, 2), as in Norse 1.x
    batch = rf.covariance_matrix(torch.tensor([2.0, 1.0]), 0.5, torch.tensor([0.3, 0.0]))
    assert batch.shape == (2, 2, 2)
    torch.testing.assert_close(batch[0], c)


def test_derive_kernel_is_exact_on_a_plane():
    xs, ys = _grid(6, 2.5)  # unit pixel spacing: d/drow = 0.7 * 1, d/dcol = -0.4 * 1
    plane = 0.7 * ys - 0.4 * xs
    for angle in (0.0, 0.5, 2.0):
        expected = torch.full((6, 6), 0.7 * math.cos(angle) - 0.4 * math.sin(angle))
        torch.testing.assert_close(rf.derive_kernel(plane, angle), expected.double())


def test_field_second_moments_follow_scale_ratio_and_angle():
    scale, ratio = 4.0, 1.5
    for angle, (var_x, var_y) in ((0.0, (9.0, 16 / 9)), (math.pi / 2, (16 / 9, 9.0))):
        k = rf.spatial_receptive_field(
            torch.tensor(scale, dtype=torch.float64), angle, ratio, 81, domain=12
        )
        xs, ys = _grid(81, 12)
        torch.testing.assert_close(k.sum(), torch.tensor(1.0, dtype=torch.float64))
        torch.testing.assert_close((k * xs**2).sum().item(), var_x, rtol=1e-3, atol=0)
        torch.testing.assert_close((k * ys**2).sum().item(), var_y, rtol=1e-3, atol=0)


def test_first_derivative_is_the_scale_normalised_gaussian_derivative():
    size, domain, scale = 81, 10.0, 2.0
    h = 2 * domain / (size - 1)  # torch.gradient differentiates per pixel
    s = torch.tensor(scale, dtype=torch.float64)
    g = rf.spatial_receptive_field(s, 0.0, 1.0, size, domain=domain)
    _, ys = _grid(size, domain)
    # angle 0 differentiates along the rows (y): s * h * dg/dy = -h * y * g, up to the
    # O(h^2) error of central differences (about 1% here)
    expected = -h * ys * g
    for field in (rf.spatial_receptive_field(s, 0.0, 1.0, size, 1, 0, domain),
                  -rf.spatial_receptive_field(s, math.pi / 2, 1.0, size, 0, 1, domain)):  # fmt: skip
        torch.testing.assert_close(field, expected, atol=0.02 * expected.abs().max(), rtol=0)
    torch.testing.assert_close(expected.sum(), torch.tensor(0.0, dtype=torch.float64))


def test_calculate_normalization_formula():
    assert rf.calculate_normalization(1, 3.0) == pytest.approx(3.0)
    assert rf.calculate_normalization(2, 3.0, 0.5) == pytest.approx(3.0 ** (2 * 0.5) * 9.0**0.25)


def test_fields_gradcheck_float64():
    def single(scale, angle, ratio):
        return rf.spatial_receptive_field(scale, angle, ratio, 7, 1, 2, domain=3)

    inputs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.7, 0.4, 1.3)]
    assert torch.autograd.gradcheck(single, inputs)
    orders = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0]], dtype=torch.float64)

    def batch(columns):
        return rf.spatial_receptive_fields_with_derivatives(torch.cat([columns, orders], 1), 6, 2)

    columns = torch.tensor(
        [[1.0, 0.0, 1.0], [2.0, 0.7, 0.5], [1.5, -0.3, 2.0]], dtype=torch.float64
    )
    assert torch.autograd.gradcheck(batch, [columns.requires_grad_()])


def test_batched_fields_equal_single_fields():
    combos = rf.spatial_parameters(
        torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.9]), torch.tensor([0.5, 1.0]), 2
    )
    fields = rf.spatial_receptive_fields_with_derivatives(combos, 9, domain=3)
    assert fields.shape == (len(combos), 9, 9)
    for row, field in zip(combos, fields, strict=True):
        single = rf.spatial_receptive_field(*row[:3], 9, int(row[3]), int(row[4]), domain=3)
        torch.testing.assert_close(field, single)
    derived = rf.derive_spatial_receptive_field(fields[0], 1.0, torch.tensor(0.0), [(1, 0), (2, 1)])
    torch.testing.assert_close(derived, fields[[3, 7]])  # derivatives (1, 0) and (2, 1)


def test_drifted_derivative_orders_round_to_the_nearest_order():
    # weight decay shrinks the (gradient-free) order columns; Norse 1.1.0 truncated 0.9999 to 0
    exact = rf.spatial_receptive_fields_with_derivatives(
        torch.tensor([[1.5, 0.2, 1.2, 1.0, 2.0]]), 7
    )
    drifted = torch.tensor([[1.5, 0.2, 1.2, 0.9999, 2.3]])
    torch.testing.assert_close(rf.spatial_receptive_fields_with_derivatives(drifted, 7), exact)


def test_spatial_parameters_order_and_derivative_forms():
    scales, angles = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0])
    ratios = torch.tensor([1.0, 3.0])
    p = rf.spatial_parameters(scales, angles, ratios, 1)
    assert p.shape == (2 * 2 * 2 * 4, 5)
    torch.testing.assert_close(p[:4, 3:], torch.tensor([[0.0, 0], [0, 1], [1, 0], [1, 1]]))
    assert (p[:16, 2] == 3).all() and (p[16:, 2] == 1).all()  # ratio 1 last
    replicas = rf.spatial_parameters(scales, angles, ratios, 1, include_replicas=True)
    torch.testing.assert_close(replicas[:4, :3], torch.tensor([[1.0, 0.0, 1.0]]).expand(4, 3))
    by_list = rf.spatial_parameters(scales, angles, ratios, [(0, 1), (2, 0)])
    by_tensor = rf.spatial_parameters(scales, angles, ratios, torch.tensor([[0, 1], [2, 0]]))
    torch.testing.assert_close(by_list, by_tensor)
    assert by_list.shape == (16, 5)
    st = rf.spatio_temporal_parameters(scales, angles, ratios, 0, torch.tensor([0.5, 2.0]))
    assert st.shape == (16, 6)
    torch.testing.assert_close(st[:2, 5], torch.tensor([0.5, 2.0]))
    torch.testing.assert_close(st[::2, :5], rf.spatial_parameters(scales, angles, ratios, 0))


def test_temporal_scale_distribution():
    torch.testing.assert_close(
        rf.temporal_scale_distribution(4, 2.0, c=1.5), math.sqrt(2.0) * 1.5 ** torch.arange(4.0)
    )
    # with max_scale the variances run from min_scale to max_scale (Norse 1.1.0: [max, max^2/min])
    torch.testing.assert_close(
        rf.temporal_scale_distribution(3, 1.0, 4.0), torch.tensor([1.0, 2**0.5, 2.0])
    )
    torch.testing.assert_close(rf.temporal_scale_distribution(1, 2.0, 5.0), torch.tensor([2**0.5]))


def test_spatial_module_shapes_and_aggregation():
    params = torch.tensor([[1.0, 0.0, 1.0, 0.0, 0.0], [2.0, 0.5, 2.0, 1.0, 0.0]])
    fields = rf.spatial_receptive_fields_with_derivatives(params, 5, domain=8)
    x = torch.rand(3, 2, 9, 9)
    m = norse.SpatialReceptiveField2d(2, 5, params.clone(), padding=2)
    assert m.weights.shape == (2, 2, 5, 5) and m.out_channels == 2
    torch.testing.assert_close(
        m(x), torch.nn.functional.conv2d(x.sum(1, keepdim=True), fields[:, None], padding=2)
    )
    separate = norse.SpatialReceptiveField2d(2, 5, params.clone(), aggregate=False)
    assert separate.out_channels == 4 and separate.weights.shape == (4, 2, 5, 5)
    y = separate(x)
    for i in range(2):  # output i * n + k: field k on input channel i
        torch.testing.assert_close(
            y[:, 2 * i : 2 * i + 2], torch.nn.functional.conv2d(x[:, i : i + 1], fields[:, None])
        )
    assert separate(x[0]).shape == (4, 5, 5)  # unbatched input
    assert list(m.state_dict()) == ["rf_parameters"]
    frozen = norse.SpatialReceptiveField2d(2, 5, params.clone(), optimize_fields=False)
    assert not list(frozen.parameters()) and not list(frozen.state_dict())
    assert frozen.double()(x.double()).dtype == torch.float64  # buffers follow .double()


def test_spatial_module_trains_repeatedly_and_copies():
    m = norse.SpatialReceptiveField2d(1, 7, torch.tensor([[1.5, 0.3, 1.5, 1.0, 0.0]]))
    x = torch.rand(2, 1, 7, 7)
    m(x).pow(2).sum().backward()
    first = m.rf_parameters.grad.clone()
    m(x).pow(2).sum().backward()  # Norse 1.1.0: "backward through the graph a second time"
    torch.testing.assert_close(m.rf_parameters.grad, 2 * first)
    assert first[0, :3].abs().min() > 0 and (first[0, 3:] == 0).all()
    old = m.weights.detach().clone()
    with torch.no_grad():  # an SGD step
        m.rf_parameters -= 0.1 * m.rf_parameters.grad
    assert not torch.equal(m.weights.detach(), old)
    clone = pickle.loads(pickle.dumps(copy.deepcopy(m)))
    torch.testing.assert_close(clone(x), m(x))


def test_spatial_module_caches_weights_without_gradients():
    m = norse.SpatialReceptiveField2d(1, 7, torch.tensor([[1.5, 0.3, 1.5, 0.0, 0.0]]))
    with torch.no_grad():
        w = m.weights
        assert m.weights is w and w.grad_fn is None
        m.rf_parameters[0, 0] = 2.0
        assert m.weights is not w
    assert m.weights.grad_fn is not None
    # Norse 1.1.0 kept its old kernels after load_state_dict until the next backward pass
    other = norse.SpatialReceptiveField2d(1, 7, torch.tensor([[2.5, 1.0, 0.7, 0.0, 1.0]]))
    m.load_state_dict(other.state_dict())
    x = torch.rand(1, 1, 7, 7)
    torch.testing.assert_close(m(x), other(x))


@pytest.mark.parametrize(
    "cls", ["SampledSpatialReceptiveField2d", "ParameterizedSpatialReceptiveField2d"]
)
def test_generated_modules(cls):
    scales, angles, ratios = (
        torch.tensor([1.0, 2.0]),
        torch.tensor([0.0, 1.0]),
        torch.tensor([0.5, 1.0]),
    )
    m = getattr(norse, cls)(
        2, 9, scales, angles, ratios, 1, optimize_scales=False, domain=5, stride=2
    )
    combos = rf.spatial_parameters(scales, angles, ratios, 1)
    torch.testing.assert_close(m.rf_parameters, combos)
    assert m.out_channels == 32 and set(m.state_dict()) == {"angles", "ratios"}
    x = torch.rand(2, 2, 13, 13)
    expected = torch.nn.functional.conv2d(
        x,
        rf.spatial_receptive_fields_with_derivatives(combos, 9, 5)[:, None].expand(-1, 2, -1, -1),
        stride=2,
    )
    y = m(x)
    torch.testing.assert_close(y, expected)
    y.sum().backward()
    assert m.scales.grad is None and m.angles.grad.abs().sum() > 0 and m.ratios.grad.abs().sum() > 0
    per_kernel = cls.startswith("Parameterized")
    assert m.ratios.shape == ((32,) if per_kernel else (2,))


def test_temporal_receptive_field():
    m = norse.TemporalReceptiveField((2, 3, 3), n_scales=3, min_scale=2.0, dt=0.002)
    sigma = rf.temporal_scale_distribution(3, 2.0)
    assert m.ps.shape == (3, 2, 1, 1)
    torch.testing.assert_close(m.ps[:, 0, 0, 0], 500 / sigma)
    x = torch.rand(4, 2, 3, 3)
    v, state = m(x)
    assert v.shape == (4, 3, 2, 3, 3)
    # one box-LI step from v = 0: v = dt * tau_inv * x
    torch.testing.assert_close(v, 0.002 * m.ps * x[:, None])
    v, _ = m(x, state)
    v.sum().backward()
    assert m.ps.grad.shape == m.ps.shape and (m.ps.grad > 0).all()
    given = norse.TemporalReceptiveField(
        (2,), n_scales=2, time_constants=torch.tensor([[50.0], [80.0]])
    )
    torch.testing.assert_close(given(torch.ones(2))[0], torch.tensor([[0.05, 0.05], [0.08, 0.08]]))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rf.gaussian_kernel(0, torch.eye(2)), "size"),
        (lambda: rf.gaussian_kernel(5, torch.eye(3)), "c must be a .2, 2."),
        (lambda: rf.gaussian_kernel(5, -torch.eye(2)), "c must be positive definite"),
        (lambda: rf.spatial_receptive_field(0.0, 0.0, 1.0, 5), "scale must be positive"),
        (lambda: rf.spatial_receptive_field(1.0, 0.0, 0.0, 5), "ratio must be non-zero"),
        (lambda: rf.spatial_receptive_field(1.0, 0.0, 1.0, 5, dx=math.nan), "dx must be finite"),
        (lambda: rf.spatial_receptive_field(1.0, 0.0, 1.0, 5, dy=-1), "dy must be derivative orders >= 0"),
        (lambda: rf.spatial_receptive_field(1.0, 0.0, 1.0, 1, dx=1), "kernel must be"),
        (lambda: rf.spatial_parameters(torch.tensor(1.0), torch.ones(1), torch.ones(1), 0), "scales must be a 1-D"),
        (lambda: rf.spatial_parameters(torch.ones(1), torch.ones(1), torch.ones(1), []), "derivatives must be"),
        (lambda: rf.spatial_parameters(torch.ones(1), torch.ones(1), torch.ones(1), [(1,)]), "derivatives must be .dx, dy. pairs"),
        (lambda: rf.spatial_receptive_fields_with_derivatives(torch.ones(3, 4), 5), "combinations must be an .n, 5."),
        (lambda: rf.temporal_scale_distribution(0), "n_scales"),
        (lambda: rf.temporal_scale_distribution(3, 0.0), "min_scale"),
        (lambda: rf.temporal_scale_distribution(3, 2.0, 1.0), "max_scale"),
        (lambda: rf.temporal_scale_distribution(3, c=None), "c must be positive"),
        (lambda: norse.SpatialReceptiveField2d(1, 5, torch.ones(2, 4)), "rf_parameters must be an .n, 5."),
        (lambda: norse.SpatialReceptiveField2d(0, 5, torch.ones(1, 5)), "in_channels"),
        (lambda: norse.SpatialReceptiveField2d(1, 5, torch.tensor([[-1.0, 0, 1, 0, 0]])), "scale must be positive"),
        (lambda: norse.SpatialReceptiveField2d(2, 5, torch.ones(1, 5))(torch.ones(1, 3, 5, 5)), "input must be .B, 2, H, W."),
        (lambda: norse.TemporalReceptiveField((2, 3), 3, time_constants=torch.ones(2, 2, 1)), "time_constants must have n_scales"),
        (lambda: norse.TemporalReceptiveField((2, 3))(torch.ones(4, 3, 3)), "input must end in"),
    ],
)  # fmt: skip
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
