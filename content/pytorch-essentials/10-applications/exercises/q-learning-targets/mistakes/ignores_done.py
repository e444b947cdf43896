# fails: Matches the reference on the example, Matches the reference on random batches
import torch


def q_targets(rewards, next_q, done, gamma):
    # Looks ahead past the end of an episode.
    return rewards + gamma * next_q.max(dim=1).values
