"""Data-parallel training of a small spiking network with torchrun and DistributedDataParallel.

    torchrun --standalone --nproc_per_node=2 train_ddp.py

Each process trains on its own share of every global batch; DDP averages the gradients, so
all processes keep identical weights. Runs as a single process without torchrun, too.
"""

import os

import torch
import torch.distributed as dist

import norse.torch as snn


def main() -> None:
    distributed = "RANK" in os.environ  # set by torchrun
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = (
        torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}")
        if torch.cuda.is_available()
        else torch.device("cpu")
    )

    torch.manual_seed(0)  # the same initial weights on every process
    model = snn.SequentialState(
        torch.nn.Linear(16, 32), snn.LIF(), torch.nn.Linear(32, 2), snn.LI()
    ).to(device)
    if distributed:
        model = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    data = torch.Generator().manual_seed(1)  # the same global batches on every process
    for _ in range(20):
        labels = torch.randint(2, (64,), generator=data)
        rates = 0.05 + 0.3 * (torch.arange(16) // 8 == labels[:, None]).float()
        x = (torch.rand(30, 64, 16, generator=data) < rates).float()  # (T, B, 16)
        share = slice(rank * 64 // world, (rank + 1) * 64 // world)  # this process's part
        voltages, _ = model(x[:, share].to(device))
        loss = torch.nn.functional.cross_entropy(voltages.max(0).values, labels[share].to(device))
        optimizer.zero_grad()
        loss.backward()  # DDP all-reduces the gradients here
        optimizer.step()

    weight = next(model.parameters()).detach().sum().item()
    print(f"rank {rank}/{world}: last loss {loss.item():.3f}, weight checksum {weight:.6f}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
