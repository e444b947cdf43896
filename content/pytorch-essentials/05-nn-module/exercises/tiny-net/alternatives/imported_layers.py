from torch.nn import Linear, Module, ReLU, Sigmoid


class TinyNet(Module):
    def __init__(self, in_features=10):
        super(TinyNet, self).__init__()
        self.fc1 = Linear(in_features, 16)
        self.fc2 = Linear(16, 8)
        self.fc3 = Linear(8, 1)
        self.act = ReLU()
        self.out = Sigmoid()  # activations hold no parameters

    def forward(self, x):
        hidden = self.act(self.fc2(self.act(self.fc1(x))))
        return self.out(self.fc3(hidden))
