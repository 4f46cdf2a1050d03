"""Everything the answers feature says, short and plain."""

from __future__ import annotations

ACTION_PREFIX = "answers."
HELPFUL_ACTION = "answers.helpful"
UNHELPFUL_ACTION = "answers.unhelpful"
EXPERT_ACTION = "answers.expert"
SAVE_ACTION = "answers.save"

HELPFUL_LABEL = "Helpful"
UNHELPFUL_LABEL = "Not helpful"
EXPERT_LABEL = "Ask an expert"
SAVE_LABEL = "Save as answer"

ASK_HINT = "Ask me a product question, for example: **ask how do I export invoices?**"
NO_WORDS_HINT = "I couldn't find any words to search for. " + ASK_HINT
SMALL_TALK_REPLIES = {
    "thanks": "You're welcome! Ask me anything else about the product.",
    "greeting": "Hi! " + ASK_HINT,
    "acknowledgement": "Anything else? " + ASK_HINT,
}
ASK_USAGE = "ask QUESTION"
ASK_SUMMARY = "answer a product question from the knowledge base, with sources"
EXPERTS_USAGE = "experts here | experts set TARGET"
EXPERTS_SUMMARY = "choose the experts' channel, where unanswered questions go"

SENT_TO_EXPERTS = "I've asked the experts; I'll message you when one of them answers."
NO_EXPERTS_PLACE = "No experts' channel is set yet: a comms lead can choose one with **experts here**."
ALREADY_WITH_EXPERTS = "This question is already with the experts."
STATEMENT_KEPT_FROM_EXPERTS = (
    "That did not read as a question, so I have not passed it on. To ask the experts, start it with **ask**."
)
THANKS_HELPFUL = "Thanks! Glad it helped."
THANKS_UNHELPFUL = "Thanks for telling me."
ALREADY_VOTED = "You already rated this answer."
UNKNOWN_QUESTION = "I can't find that question any more."

EXPERT_POST_HEADING = "A question I couldn't answer well"
EXPERT_POST_ASKED_HEADING = "A question for the experts"
EXPERT_POST_ASKED = "They pressed Ask an expert after my answer, which was:"
EXPERT_POST_CLOSEST = "I declined; the closest pages I found were:"
EXPERT_POST_HINT = "Reply in this thread to answer; I'll offer to save your reply as the answer."
EXPERT_REPLY_PROMPT = "Thanks! Save this reply as the answer to “{question}”? I'll send it to {asker}."
SAVED = "Saved as the answer to “{question}” (verified, owned by {expert}). I've sent it to {asker}."
ALREADY_SAVED = "An answer to this question was already saved."
ONLY_AUTHOR_SAVES = "Only {expert} or a comms lead can save this reply as the answer."
EXPERT_ANSWER_HEADING = "An expert answered your question “{question}”:"
EXPERT_ANSWER_NOTE = "Answered by {expert}. I saved it, so I can answer this myself next time."

EXPERTS_SET = "Done: questions I can't answer will go to {place}, with a weekly digest of knowledge gaps."
EXPERTS_HERE_IN_DM = "Say **experts here** in the experts' channel itself, or use **experts set TARGET**."
EXPERTS_BAD_USAGE = (
    "Use **experts here** in the experts' channel, or **experts set TARGET** (e.g. slack:C123)."
)

GAPS_HEADING = "Knowledge gaps of the last {days} days: {count} questions without a good answer"
GAPS_NONE = "No knowledge gaps in the last {days} days: every question got a helpful answer."

HOME_HEADING = "Product answers"
HOME_HOW = (
    "Ask me a product question in a DM, @mention me in a channel, or type **/clueline ask QUESTION**. "
    "I answer from the knowledge base and cite my sources."
)
HOME_WAITING = "Questions from the last {days} days still waiting for an answer: {count}."
HOME_NONE_WAITING = "Every question from the last {days} days got an answer."

DEMO_EXPERTS_TARGET = "console:experts"
