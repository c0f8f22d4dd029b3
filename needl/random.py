"""needl.random: torch.random's names (seeding, the global generator's state, fork_rng)."""
from .autograd.random import (Generator, fork_rng, get_rng_state, initial_seed, manual_seed, seed,
                              set_rng_state)

__all__ = ["Generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]
