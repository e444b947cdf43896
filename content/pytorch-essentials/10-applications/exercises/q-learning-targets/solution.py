import torch


def q_targets(rewards, next_q, done, gamma):
    best_next = next_q.max(dim=1).values
    return rewards + gamma * best_next * (~done).float()
