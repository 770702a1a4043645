"""What goes wrong with a flow or a session, said so a flow author can fix it.

A flow is written by hand in YAML by someone who is not a programmer; a mistake must name the
node and the field at fault ("node main_menu, field choices.3: unknown node 'biling'") and
list every mistake at once, so the author fixes the file in one pass instead of one error per
upload.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One mistake in a flow: where it is (node, field, line when known) and what it is."""

    node: str | None
    field: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.node is not None:
            where.append(f"node {self.node}")
        if self.field is not None:
            where.append(f"field {self.field}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class FlowError(ValueError):
    """A flow that cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem], flow: str | None = None) -> None:
        self.problems = list(problems)
        self.flow = flow
        head = f"flow {flow}: " if flow else ""
        if len(self.problems) == 1:
            text = head + str(self.problems[0])
        else:
            text = (
                head
                + f"{len(self.problems)} problems:\n"
                + "\n".join(f"- {p}" for p in self.problems)
            )
        super().__init__(text)

    @property
    def first(self) -> Problem:
        return self.problems[0]


class SessionError(ValueError):
    """A session the host cannot continue: finished already, or a stored dict that does not
    fit the flow (another flow, a node that no longer exists after the flow was edited)."""
