# fails: Matches the reference on the example, Matches the reference on random batches
import torch


def q_targets(rewards, next_q, done, gamma):
    # The expected value under a uniform policy is not the greedy target of Q-learning.
    return rewards + gamma * next_q.mean(dim=1) * (~done).float()
