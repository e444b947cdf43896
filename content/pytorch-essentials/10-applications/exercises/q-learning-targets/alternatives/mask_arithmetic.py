import torch


def q_targets(rewards, next_q, done, gamma):
    not_done = 1.0 - done.to(rewards.dtype)
    best_next, _ = torch.max(next_q, dim=-1)
    return rewards + not_done * gamma * best_next
