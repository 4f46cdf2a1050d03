"""The features of this Clueline build, in the order their commands appear in help.

The link comes before feedback so that, in the demo, its year of history is stored before the
sample company's highlight route exists (old items are not posted as fresh highlights).
"""

from __future__ import annotations

from bot.features.answers import AnswersFeature
from bot.features.feedback import FeedbackFeature
from bot.features.help import HelpFeature
from bot.features.link import LinkFeature
from bot.features.pulse import PulseFeature
from bot.runtime import Feature


def all_features() -> list[Feature]:
    """A fresh instance of every feature."""
    return [HelpFeature(), AnswersFeature(), LinkFeature(), FeedbackFeature(), PulseFeature()]
