import torch


def q_targets(rewards, next_q, done, gamma):
    # TODO: the largest next Q-value of each transition, discounted, and nothing after an ended episode.
    return rewards
