"""Course search helpers for Chinese text.

PostgreSQL full-text search splits words on spaces and punctuation; a run of Chinese
characters is one "word" to them, so "睡眠" would never find "婴儿安全睡眠". Pages therefore also
index their text as overlapping two-character pieces (婴儿 儿安 安全 全睡 睡眠), and a query is cut
the same way and matched with AND: a page matches when it contains every piece of the query,
which for a contiguous Chinese query is (almost) substring search. Latin words (course codes,
English) pass through unchanged.
"""

import re

from django.utils.html import strip_tags

# CJK Unified Ideographs (+ extension A) and compatibility ideographs.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_MAX_QUERY = 100


def cjk_pieces(text: str) -> str:
    """The Chinese runs of `text` as space-separated bigrams (a single character stays itself);
    everything else is dropped. "婴儿睡眠 CARE" → "婴儿 儿睡 睡眠"."""
    pieces: list[str] = []
    for run in _CJK_RUN.findall(text or ""):
        if len(run) == 1:
            pieces.append(run)
        else:
            pieces.extend(run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(pieces)


def _words(text: str) -> list[str]:
    """Non-Chinese words split on anything not a letter or digit ("DIR-01" → DIR, 01; the
    PostgreSQL parser would otherwise read "-01" as a signed number)."""
    return [w for w in re.split(r"[\W_]+", _CJK_RUN.sub(" ", text)) if w]


def index_text(*parts) -> str:
    """What a page indexes for search beside its fields: the bigrams of its Chinese text and its
    other words split plainly (HTML tags removed)."""
    text = " ".join(strip_tags(str(p)) for p in parts if p)
    return " ".join([cjk_pieces(text), *_words(text)]).strip()


def search_query(q: str) -> str:
    """A user's query as search terms: Chinese runs as bigrams, other words (codes, English)
    kept, punctuation dropped. Empty when nothing searchable is left."""
    q = (q or "")[:_MAX_QUERY]
    return " ".join([cjk_pieces(q), *_words(q)]).strip()
