import torch


def q_targets(rewards, next_q, done, gamma):
    return torch.where(done, rewards, rewards + gamma * next_q.amax(dim=1))
