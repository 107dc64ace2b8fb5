"""One intra-op thread: the tasks' small tensors run fastest that way, and CI's 2 cores are
shared with other test processes (several OpenMP threads per process oversubscribe them)."""

import torch

torch.set_num_threads(1)
