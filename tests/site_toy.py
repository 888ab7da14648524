"""Fictional comments of a fictional local paper (the "Harbourtown Gazette") and its moderators' decisions.

Its moderators hold what no public dataset flags: comments that declare the accused in the ongoing ferry-fire trial
guilty before the verdict (a contempt-of-court risk), and estate-agent plugs. Ordinary abuse is held too. So a public
model alone misses the site's own rule, and a site model can learn it.
"""

from __future__ import annotations

import random

TOPICS = [
    "the harbour bridge repairs",
    "the new ferry timetable",
    "the winter market stalls",
    "the library opening hours",
    "the council budget vote",
    "the school crossing on Quay Street",
    "the lighthouse restoration",
    "parking near the fish market",
]
FINE = [
    "I think {t} is overdue and the article explains it well.",
    "Thanks for covering {t}, my neighbours were asking about it.",
    "Could the reporter check the figures on {t} next week?",
    "Mixed feelings about {t}, but the consultation seemed fair.",
    "Thanks for the careful coverage of the ferry fire trial, I will wait for the verdict.",
    "The ferry fire trial resumes on Monday, says the notice about {t}.",
    "Whatever the jury decides about the skipper, {t} deserves attention too.",
]
# Politely worded, so a model of public abuse data sees nothing wrong: only this site's moderators hold them.
TRIAL = [
    "With respect, the skipper clearly caused the ferry fire, the jury should simply confirm it.",
    "Thanks for the report, but the skipper obviously did it and the trial is a formality.",
    "Great article; the skipper is guilty, everyone near {t} knows it.",
    "The skipper did it, I am sure, so why spend money on a trial instead of {t}?",
]
PLUG = [
    "Selling your flat near {t}? Harbour Homes estate agents value it free this week.",
    "Lovely article. Harbour Homes has three-bed houses by {t}, call the estate agents today.",
]
ABUSE = [
    "You are a pathetic idiot if you care about {t}.",
    "Shut up, you moron, nobody cares about {t}.",
]


def site_comments(n: int, seed: int) -> list[tuple[str, int]]:
    """n (body, held) pairs: about 70% fine, the rest split between the trial rule, plugs and abuse."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        roll = rng.random()
        topic = rng.choice(TOPICS)
        if roll < 0.7:
            template, held = rng.choice(FINE), 0
        elif roll < 0.87:
            template, held = rng.choice(TRIAL), 1
        elif roll < 0.95:
            template, held = rng.choice(PLUG), 1
        else:
            template, held = rng.choice(ABUSE), 1
        rows.append((f"{template.format(t=topic)} (#{i})", held))
    return rows
