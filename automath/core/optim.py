"""A one-tensor Adam optimizer, light to create.

``torch.optim.Adam`` imports ``torch._dynamo`` on its first use (over a second on this kind of
machine); the loops here train one small tensor of rule logits, so they use this instead.
"""

from __future__ import annotations

import torch


class Adam:
    """``torch.optim.Adam`` on one tensor, same arithmetic (its single-tensor CPU path), without
    the optimizer base class, whose first use imports ``torch._dynamo`` (over a second).

    >>> x, y = (torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    ...         for _ in range(2))
    >>> ours, ref = Adam(x, lr=.1), torch.optim.Adam([y], lr=.1)
    >>> for _ in range(3):
    ...     for t, opt in ((x, ours), (y, ref)):
    ...         t.grad = None
    ...         (t ** 3).sum().backward()
    ...         opt.step()
    >>> torch.equal(x, y), x.tolist() != [1.0, -2.0]
    (True, True)
    """

    def __init__(self, param: torch.Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.param, self.lr, self.betas, self.eps, self.steps = param, lr, betas, eps, 0
        self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)

    def zero_grad(self) -> None:
        """Forget the parameter's gradient."""
        self.param.grad = None

    def state_dict(self) -> dict:
        """The moments and step count, to save and resume.

        >>> x = torch.zeros(2, requires_grad=True); sorted(Adam(x, lr=.1).state_dict())
        ['m', 'steps', 'v']
        """
        return {"steps": self.steps, "m": self.m.clone(), "v": self.v.clone()}

    def load_state_dict(self, state: dict) -> None:
        """Resume from ``state_dict()`` (or from a ``torch.optim.Adam`` state of one tensor).

        >>> x = torch.zeros(2, requires_grad=True); ref = torch.optim.Adam([x], lr=.1)
        >>> x.sum().backward(); ref.step(); opt = Adam(x, lr=.1)
        >>> opt.load_state_dict(ref.state_dict()); opt.steps, [round(v, 6) for v in opt.m.tolist()]
        (1, [0.1, 0.1])
        """
        if "state" in state:  # torch.optim format: {"state": {0: {...}}, "param_groups": ...}
            s = state["state"].get(0, {})
            state = {"steps": int(s.get("step", 0)), "m": s.get("exp_avg", self.m),
                     "v": s.get("exp_avg_sq", self.v)}
        self.steps = int(state["steps"])
        self.m, self.v = (state[k].to(self.param).clone() for k in ("m", "v"))

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step from ``param.grad``."""
        (b1, b2), g = self.betas, self.param.grad
        self.steps += 1
        self.m.lerp_(g, 1 - b1)
        self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (self.v.sqrt() / (1 - b2 ** self.steps) ** 0.5).add_(self.eps)
        self.param.addcdiv_(self.m, denom, value=-self.lr / (1 - b1 ** self.steps))
