"""The features of this Clueline build, in the order their commands appear in help (part of the composition root).

The link comes before feedback so that, in the demo, its year of history is stored before the
sample company's highlight route exists (old items are not posted as fresh highlights).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.features.answers import AnswersFeature
from bot.features.feedback import FeedbackFeature
from bot.features.help import HelpFeature
from bot.features.link import LinkFeature
from bot.features.pulse import PulseFeature
from bot.runtime import Feature, SelfContainedFeature


@dataclass(frozen=True)
class Features:
    """One instance of every feature, typed, so the composition root hands each its own dependencies."""

    help: HelpFeature = field(default_factory=HelpFeature)
    answers: AnswersFeature = field(default_factory=AnswersFeature)
    link: LinkFeature = field(default_factory=LinkFeature)
    feedback: FeedbackFeature = field(default_factory=FeedbackFeature)
    pulse: PulseFeature = field(default_factory=PulseFeature)
    # Features that need nothing but the runtime, added after these (a test's probe).
    extra: tuple[SelfContainedFeature, ...] = ()

    def all(self) -> list[Feature]:
        """Every feature, in help order."""
        return [self.help, self.answers, self.link, self.feedback, self.pulse, *self.extra]


def all_features() -> Features:
    """A fresh instance of every feature."""
    return Features()
