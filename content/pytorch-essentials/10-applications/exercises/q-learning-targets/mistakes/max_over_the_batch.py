# fails: Matches the reference on the example, Matches the reference on random batches
import torch


def q_targets(rewards, next_q, done, gamma):
    # max over dim 0 takes the best transition for each action, not the best action of each next state.
    best = next_q.max(dim=0).values.max()
    return rewards + gamma * best * (~done).float()
