"""CartPole-v1 with a spiking policy trained by REINFORCE (policy gradient).

The policy, for one observation ``o = (x, x_dot, theta, theta_dot)``:

1. population coding: each of the 4 scaled observations ``o_k / scale_k`` (clipped to
   [-1.5, 1.5]) excites ``population`` Gaussian receptive fields with centres evenly spaced in
   [-1, 1] and width ``2 / (population - 1)``: ``r = exp(-((o - c) / w)^2)``;
2. ``linear(4 * population, hidden)``: a constant input current over ``timesteps`` steps
   into ``hidden`` spiking neurons (``--neuron``, default LIF with a 5 ms membrane);
3. ``linear(hidden, 2)`` of their spikes into two leaky integrators (LI readout); the logits
   are ``readout_gain`` times the readout voltages after the last step.

Training: ``batch_size`` episodes run at once in gymnasium's vectorised CartPole (each update
resets them with seeds ``seed * 10^6 + update * batch_size + i``), actions are sampled from
``softmax(logits)``; the loss is ``-sum_t log pi(a_t | o_t) * A_t / batch_size`` with the
discounted returns ``G_t`` (``gamma``) normalised over all steps of the batch to ``A_t``.
The rollout runs without autograd; the log-probabilities are recomputed afterwards in one
batched forward pass. When an update's mean training return reaches ``eval_threshold``, the
greedy policy (argmax) plays 100 evaluation episodes (seeds ``10^9 + seed * 1000 + i``);
training stops once their mean return is at least 475 (CartPole-v1 solved).
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
from torch import Tensor, nn

from norse_tasks.common import Outputs, add_common_options, check_common, require

SOLVED_RETURN = 475.0
"""CartPole-v1 counts as solved at a mean return of 475 over 100 episodes."""
EVAL_EPISODES = 100
MAX_RETURN = 500
SCALE = (2.4, 3.0, 0.21, 3.0)
"""Scales of the observations (cart position, velocity, pole angle, angular velocity)."""

DEFAULTS: dict[str, Any] = {
    "epochs": 150,
    "batch_size": 32,
    "lr": 0.05,
    "seed": 0,
    "timesteps": 2,
    "neuron": "lif",
    "surrogate": "super",
    "output": "runs/cartpole",
}


class SpikingPolicy(nn.Module):
    """Population-coded observations -> spiking layer -> LI readout -> action logits.

    Args:
        hidden: spiking neurons. population: receptive fields per observation.
        timesteps: simulation steps per decision. neuron, surrogate: registered names.
        readout_gain: factor from readout voltage to logit.

    ``forward(obs)``: observations ``(B, 4)`` to logits ``(B, 2)``.
    """

    def __init__(
        self,
        hidden: int = 64,
        population: int = 8,
        timesteps: int = 2,
        neuron: str = "lif",
        surrogate: str = "super",
        readout_gain: float = 10.0,
    ) -> None:
        from norse.torch import LICell
        from norse.torch.models import neuron_layer

        super().__init__()
        self.timesteps = timesteps
        self.readout_gain = readout_gain
        self.register_buffer("scale", torch.tensor(SCALE))
        self.register_buffer("centres", torch.linspace(-1.0, 1.0, population))
        self.width = 2.0 / (population - 1)
        self.encoder = nn.Linear(4 * population, hidden)
        self.spiking = neuron_layer(neuron, surrogate, sequence=False, tau_mem_inv=200.0)
        self.decoder = nn.Linear(hidden, 2)
        self.readout = LICell()

    def forward(self, obs: Tensor) -> Tensor:
        """Logits ``(B, 2)`` of observations ``(B, 4)``."""
        x = (obs / self.scale).clamp(-1.5, 1.5)
        rates = torch.exp(-(((x[:, :, None] - self.centres) / self.width) ** 2)).flatten(1)
        current = self.encoder(rates)
        spiking_state = readout_state = None
        for _ in range(self.timesteps):
            spikes, spiking_state = self.spiking(current, spiking_state)
            voltage, readout_state = self.readout(self.decoder(spikes), readout_state)
        return self.readout_gain * voltage


def rollout(
    policy: SpikingPolicy, envs: Any, seed: int, generator: torch.Generator
) -> list[tuple[Tensor, Tensor, Tensor]]:
    """Play one episode in each of the ``E`` environments of ``envs`` (a gymnasium vector
    env, reset with ``seed``), sampling actions from the policy with ``generator``.

    Returns one ``(observations (E, 4), actions (E,), alive (E,))`` per step until every
    episode has ended; ``alive`` is False for environments whose episode already ended."""
    obs, _ = envs.reset(seed=seed)
    count = envs.num_envs
    alive = torch.ones(count, dtype=torch.bool)
    steps: list[tuple[Tensor, Tensor, Tensor]] = []
    with torch.no_grad():
        while alive.any():
            o = torch.as_tensor(obs, dtype=torch.float32)
            probabilities = torch.softmax(policy(o), dim=1)
            actions = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
            obs, _, terminated, truncated, _ = envs.step(actions.numpy())
            steps.append((o, actions, alive.clone()))
            alive &= ~torch.as_tensor(terminated | truncated)
    return steps


def discounted(alive: Tensor, gamma: float) -> Tensor:
    """Returns-to-go ``G_t = r_t + gamma * G_{t+1}`` of reward 1 per alive step, ``(S, E)``
    from the alive mask ``(S, E)`` (0 after an episode's end)."""
    returns = torch.zeros(alive.shape)
    running = torch.zeros(alive.shape[1])
    for t in reversed(range(alive.shape[0])):
        running = alive[t].float() * (1.0 + gamma * running)
        returns[t] = running
    return returns


def evaluate(gym: Any, policy: SpikingPolicy, seed: int) -> Tensor:
    """Returns ``(100,)`` of the greedy policy in 100 episodes with seeds ``seed + i``."""
    envs = gym.make_vec("CartPole-v1", num_envs=EVAL_EPISODES)
    obs, _ = envs.reset(seed=seed)
    alive = torch.ones(EVAL_EPISODES, dtype=torch.bool)
    returns = torch.zeros(EVAL_EPISODES)
    with torch.no_grad():
        while alive.any():
            actions = policy(torch.as_tensor(obs, dtype=torch.float32)).argmax(dim=1)
            obs, _, terminated, truncated, _ = envs.step(actions.numpy())
            returns += alive.float()
            alive &= ~torch.as_tensor(terminated | truncated)
    envs.close()
    return returns


def parser() -> argparse.ArgumentParser:
    """The options of ``norse task run cartpole``."""
    options = argparse.ArgumentParser(
        prog="norse task run cartpole",
        description="Train a spiking policy on CartPole-v1 with REINFORCE until it is solved.",
    )
    add_common_options(options, DEFAULTS, supervised=False)
    options.add_argument(
        "--hidden", type=int, default=64, help="spiking neurons (default %(default)s)"
    )
    options.add_argument("--gamma", type=float, default=0.99, help="discount (default %(default)s)")
    options.add_argument(
        "--eval-threshold",
        type=float,
        default=350.0,
        help="mean training return from which the greedy policy is evaluated (default %(default)s)",
    )
    return options


def _bar(value: float, width: int = 30) -> str:
    filled = round(width * min(value, MAX_RETURN) / MAX_RETURN)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def train(args: argparse.Namespace, outputs: Outputs) -> dict[str, Any]:
    """Train and evaluate as the module docstring says, writing ``metrics.jsonl`` and the
    checkpoint through ``outputs``; return ``solved``, ``eval_mean_return``, ``episodes`` and
    ``updates``."""
    gym = require("gymnasium", "gymnasium", "cartpole")
    torch.manual_seed(args.seed)
    policy = SpikingPolicy(
        args.hidden, timesteps=args.timesteps, neuron=args.neuron, surrogate=args.surrogate
    )
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    checkpoint = outputs.checkpoints / "last.pt"
    state = {"update": 0, "episodes": 0, "eval_mean_return": None, "solved": False}
    if args.resume:
        if not checkpoint.is_file():
            raise FileNotFoundError(
                f"--resume: no checkpoint {checkpoint}; run without --resume first"
            )
        saved = torch.load(checkpoint, weights_only=True)
        policy.load_state_dict(saved["policy"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        print(f"resumed from {checkpoint} after update {state['update']}")
    envs = gym.make_vec("CartPole-v1", num_envs=args.batch_size)
    while state["update"] < args.epochs and not state["solved"]:
        update = state["update"]
        generator = torch.Generator().manual_seed(args.seed * 1_000_003 + update)
        steps = rollout(policy, envs, args.seed * 10**6 + update * args.batch_size, generator)
        observations, actions, alive = (torch.stack(s) for s in zip(*steps))
        episode_returns = alive.sum(dim=0).float()
        returns = discounted(alive, args.gamma)[alive]
        advantages = (returns - returns.mean()) / (returns.std() + 1e-8)
        logits = policy(observations[alive])
        log_probabilities = torch.log_softmax(logits, dim=1).gather(1, actions[alive][:, None])[
            :, 0
        ]
        loss = -(log_probabilities * advantages).sum() / args.batch_size
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state["update"] += 1
        state["episodes"] += args.batch_size
        mean_return = episode_returns.mean().item()
        record: dict[str, Any] = {
            "update": state["update"],
            "episodes": state["episodes"],
            "train_mean_return": round(mean_return, 2),
            "train_max_return": episode_returns.max().item(),
            "loss": round(loss.item(), 5),
            "eval_mean_return": None,
        }
        if mean_return >= args.eval_threshold or state["update"] == args.epochs:
            eval_returns = evaluate(gym, policy, 10**9 + args.seed * 1000)
            state["eval_mean_return"] = eval_returns.mean().item()
            state["solved"] = state["eval_mean_return"] >= SOLVED_RETURN
            record["eval_mean_return"] = state["eval_mean_return"]
        outputs.metrics(record)
        torch.save(
            {"policy": policy.state_dict(), "optimizer": optimizer.state_dict(), "state": state},
            checkpoint,
        )
        evaluation = (
            ""
            if record["eval_mean_return"] is None
            else f" | greedy eval {record['eval_mean_return']:.1f}"
        )
        print(
            f"update {state['update']:3d} | episodes {state['episodes']:5d} | "
            f"mean return {mean_return:6.1f} {_bar(mean_return)}{evaluation} | "
            f"{outputs.elapsed():5.1f} s",
            flush=True,
        )
    envs.close()
    return {
        "solved": state["solved"],
        "eval_mean_return": state["eval_mean_return"],
        "episodes": state["episodes"],
        "updates": state["update"],
    }


def run(argv: list[str]) -> int:
    """``norse task run cartpole [options]``: train, write the outputs, print the result."""
    options = parser()
    args = options.parse_args(argv)
    check_common(args, options)
    torch.set_num_threads(1)
    print(
        f"cartpole: spiking REINFORCE policy ({args.hidden} {args.neuron} neurons, "
        f"{args.timesteps} steps per decision), {args.batch_size} episodes per update"
    )
    outputs = Outputs(args.output, writer=True, resume=args.resume)
    results = train(args, outputs)
    outputs.summary("cartpole", args, world_size=1, **results)
    verdict = "solved" if results["solved"] else "NOT solved"
    print(
        f"cartpole {verdict}: greedy mean return {results['eval_mean_return']} over "
        f"{EVAL_EPISODES} episodes after {results['episodes']} training episodes, "
        f"{outputs.elapsed():.1f} s"
    )
    print(f"metrics: {outputs.metrics_path}\nsummary: {outputs.summary_path}")
    return 0
