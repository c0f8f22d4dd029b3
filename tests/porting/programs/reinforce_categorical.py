"""REINFORCE with torch.distributions.Categorical on a two-armed contextual bandit, in the style
of PyTorch's examples/reinforcement_learning/reinforce.py."""
import json
import sys

import numpy as np
import needl as torch
import needl.nn as nn
import needl.nn.functional as F
import needl.optim as optim
from needl.distributions import Categorical

torch.manual_seed(543)
eps = np.finfo(np.float32).eps.item()


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(2, 16)
        self.affine2 = nn.Linear(16, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        return F.softmax(self.affine2(x), dim=1)


policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=3e-2)
rng = np.random.default_rng(0)


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    returns = torch.tensor(policy.rewards)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = [-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]
    optimizer.zero_grad()
    loss = torch.cat(policy_loss).sum()
    loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


mean_rewards = []
for episode in range(int(sys.argv[1]) if len(sys.argv) > 1 else 60):
    total = 0.0
    for t in range(20):
        context = rng.integers(0, 2)
        state = np.eye(2, dtype=np.float64)[context]
        action = select_action(state)
        reward = 1.0 if action == context else 0.0  # the right arm is the context's
        policy.rewards.append(reward)
        total += reward
    finish_episode()
    mean_rewards.append(total / 20)
print(json.dumps({"first": -float(np.mean(mean_rewards[:5])), "last": -float(np.mean(mean_rewards[-5:]))}))
