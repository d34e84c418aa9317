import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="3. Tokenisation · neuron")

with app.setup:
    import marimo as mo
    import polars as pl

    from neuron.curriculum import Prompt, check_number, record
    from neuron.store import Store, default_path
    from neuron.text import ByteBPE
    from neuron.text.bpe_steps import merge_steps, pair_counts, pieces, truncated
    from neuron.viz.lesson import (
        finish_lesson_button,
        finished_view,
        made_cards_view,
        prompts_view,
        recall_cards_button,
        verdict_view,
    )
    from neuron.viz.nav import header

    LESSON = "03_tokenisation"

    START_TEXT = (
        "the cat sat on the mat. the cat ate the rat. "
        "then the cat sat on the hat, and that was that. "
        "naïve cafés serve thé; 東京 is Tokyo."
    )


@app.cell(hide_code=True)
def _():
    mo.output.replace(header(LESSON))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    # Tokenisation

    Word2vec had one vector per *word*, and a word it had not seen had no
    vector at all. A language model cannot afford that: it must read any
    text, including names, typos, code and other scripts, and it must write
    any text too. The fix used by GPT-2 and most models since is to read
    text as a sequence of **tokens** learned from data by **byte-pair
    encoding** (BPE; Sennrich et al. 2016, adapted to bytes by Radford et
    al. 2019).

    The design problem has two bad extremes:

    - **characters** (or bytes): a tiny vocabulary and nothing is ever
      unknown, but sequences are long, and attention's cost grows with the
      square of the length;
    - **words**: short sequences, but a vocabulary of millions, and still
      unknown words.

    BPE starts at the first extreme and walks towards the second, as far as
    a vocabulary budget allows, spending tokens on what occurs often.

    ## The algorithm

    1. Cut the text into *words* with a regular expression (GPT-2's keeps a
       word's leading space with it, so " cat" is one piece), so no token
       ever spans a word and the punctuation after it.
    2. Write every word as its UTF-8 **bytes**: ids 0 to 255. Any string in
       any script is a sequence of bytes, so nothing is ever unknown.
    3. Count every adjacent pair of tokens, over all words, weighted by how
       often each word occurs.
    4. **Merge** the most frequent pair into a new token (id 256, 257, ...),
       rewrite the words, and go back to 3 until the vocabulary is big
       enough.

    Encoding new text replays the merges in the order they were learned;
    decoding just concatenates the tokens' bytes.

    ## Train one in front of you

    Edit the text (any language, any symbols) and choose how many merges to
    learn. Everything below is recomputed from it.
    """)
    return


@app.cell
def _():
    training_text = mo.ui.text_area(
        value=START_TEXT, label="training text", rows=4, full_width=True
    )
    merge_count = mo.ui.slider(1, 60, value=25, label="merges", show_value=True)
    mo.output.replace(mo.vstack([training_text, merge_count]))
    return merge_count, training_text


@app.cell
def _(merge_count, training_text):
    # The traced, plain algorithm and the fast trainer, on the same text.
    steps = merge_steps(training_text.value, merge_count.value)
    bpe = ByteBPE.train(training_text.value, 256 + merge_count.value, special_tokens=())
    _same = bpe.merges == [(step.left, step.right) for step in steps]
    _bytes = len(training_text.value.encode("utf-8"))
    _table = pl.DataFrame(
        {
            "step": [step.rank + 1 for step in steps],
            "left": [repr(step.left.decode("utf-8", "replace")) for step in steps],
            "right": [repr(step.right.decode("utf-8", "replace")) for step in steps],
            "count": [step.count for step in steps],
            "new token": [
                f"{step.new_id}: {step.joined.decode('utf-8', 'replace')!r}"
                for step in steps
            ],
            "tokens in the text": [step.tokens for step in steps],
        }
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(
                    f"The text is **{_bytes} bytes**. {len(steps)} merges learned; "
                    f"the fast trainer (`ByteBPE.train`) learned "
                    f"{'the same merges' if _same else 'different merges (a bug!)'}."
                ),
                mo.ui.table(_table, selection=None, page_size=15),
            ]
        )
    )
    return bpe, steps


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Each row is one merge: the pair chosen, how often it occurred at that
    moment, the token it made, and the length of the whole text in tokens
    afterwards. Every merge shortens the text by exactly its count (less
    where the pair overlaps itself, as in "aaa"). Notice what comes first:
    a space with the letter after it, common endings, then whole frequent
    words like " the" and " cat". Ties go to the pair of smaller ids.

    ## Step through the merges

    Move the slider to see how the text is cut after each merge. Each box is
    one token; a token that holds only part of a character's bytes shows
    the bytes in hex.
    """)
    return


@app.cell
def _(steps):
    step_slider = mo.ui.slider(
        0,
        max(len(steps), 1),
        value=min(len(steps), 8),
        label="after merge",
        show_value=True,
    )
    mo.output.replace(step_slider)
    return (step_slider,)


@app.cell
def _(bpe, step_slider, steps, training_text):
    _upto = min(step_slider.value, len(steps))
    _partial = truncated(bpe, _upto)
    _ids = _partial.encode(training_text.value)
    _boxes = " ".join(
        f'<code style="border:1px solid #bbb;border-radius:3px;padding:0 2px;'
        f'white-space:pre">{piece.replace("<", "&lt;")}</code>'
        for piece in pieces(_partial, _ids)
    )
    _last = (
        f"The last merge joined {steps[_upto - 1].left!r} and "
        f"{steps[_upto - 1].right!r}."
        if _upto
        else "No merges yet: one token per byte."
    )
    mo.output.replace(
        mo.vstack(
            [
                mo.md(f"**{len(_ids)} tokens** after {_upto} merges. {_last}"),
                mo.Html(f"<div style='line-height:2'>{_boxes}</div>"),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise 1: count a pair by hand

    BPE counts pairs inside words, weighted by the words' frequencies. Take
    this tiny training set, already cut into words by the pre-tokenizer
    (each word written as its letters, with its count):

    | word | count |
    | --- | --- |
    | `l o w` | 5 |
    | `l o w e r` | 2 |
    | `n e w e s t` | 6 |
    | `w i d e s t` | 3 |

    How many times does the pair (`e`, `s`) occur? And which pair would
    be merged first? (Answer the first; check the second against the
    table below once you have.)
    """)
    return


@app.cell
def _():
    store = Store.open(default_path())
    return (store,)


@app.cell
def _():
    # The exercise's words, as tuples of byte ids, with their counts.
    toy_words = {
        tuple(word.encode("utf-8")): count
        for word, count in [("low", 5), ("lower", 2), ("newest", 6), ("widest", 3)]
    }
    toy_counts = pair_counts(toy_words)
    pair_answer = mo.ui.number(label="count of (e, s) =", step=1, value=None)
    mo.output.replace(pair_answer)
    return pair_answer, toy_counts


@app.cell
def _(pair_answer, store, toy_counts):
    _es = toy_counts[(ord("e"), ord("s"))]
    pair_verdict = check_number(
        pair_answer.value,
        _es,
        rtol=0,
        atol=0.5,
        hint="Which words contain 'e' followed by 's', and how often does each occur?",
    )
    record(store, LESSON, "pair-count", pair_verdict)
    _top = sorted(toy_counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    _shown = ", ".join(f"({chr(a)}, {chr(b)}): {n}" for (a, b), n in _top)
    mo.output.replace(
        mo.vstack(
            [
                verdict_view(pair_verdict),
                mo.accordion({"The five most frequent pairs": mo.md(_shown)})
                if pair_verdict.correct
                else mo.md(""),
            ]
        )
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## Encode, decode, round trip

    Type anything below: it is encoded with the tokenizer trained above,
    and decoded back. Text the training never saw still encodes, falling
    back to smaller pieces and, in the end, to single bytes: nothing is
    unknown. And decoding gives back exactly the text, byte for byte.
    """)
    return


@app.cell
def _():
    probe = mo.ui.text(
        value="the cats sat on that mat in Zürich 🙂",
        label="text to encode",
        full_width=True,
    )
    mo.output.replace(probe)
    return (probe,)


@app.cell
def _(bpe, probe):
    probe_ids = bpe.encode(probe.value)
    _decoded = bpe.decode(probe_ids)
    _pieces = " | ".join(pieces(bpe, probe_ids))
    _bytes = len(probe.value.encode("utf-8"))
    mo.output.replace(
        mo.md(
            f"""
    - ids ({len(probe_ids)} tokens for {_bytes} bytes): `{probe_ids}`
    - tokens: `{_pieces}`
    - decoded: `{_decoded}`
    - round trip exact: **{_decoded == probe.value}**
    """
        )
    )
    return (probe_ids,)


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ### Exercise 2: how many tokens?

    Without counting boxes, reason it out: how many tokens does the text in
    the box above take with the tokenizer you trained? (Change the text or
    the number of merges and the answer changes with them. A fair method:
    split at the pre-tokenizer's words, then apply the merges you can see in
    the table, earliest first.)
    """)
    return


@app.cell
def _():
    token_answer = mo.ui.number(label="tokens =", step=1, value=None)
    mo.output.replace(token_answer)
    return (token_answer,)


@app.cell
def _(probe_ids, store, token_answer):
    token_verdict = check_number(
        token_answer.value,
        len(probe_ids),
        rtol=0,
        atol=0.5,
        hint="Every byte the merges cannot reach is a token of its own; an emoji "
        "is 4 bytes.",
    )
    record(store, LESSON, "token-count", token_verdict)
    mo.output.replace(verdict_view(token_verdict))
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    ## What the tokenizer does to the model

    The tokenizer fixes the model's vocabulary size $V$, and so the height
    of its embedding table and the width of its output layer (GPT-2:
    $V = 50{,}257$, 50,000 merges, 256 bytes and one special token). It
    fixes how many positions a text takes, and attention's cost grows with
    the square of that. And it decides what the model can *see*: a number
    like 12345 may be cut into "123" and "45", which is one reason models
    find arithmetic hard, and a word written with a capital letter or
    without its leading space is a different token, with a different
    vector to learn. When a model behaves oddly on some text, look at its
    tokens first.

    ## Explain it from memory
    """)
    return


@app.cell
def _():
    prompts = [
        Prompt(
            "bpe-algorithm",
            "Describe byte-level BPE training in four steps.",
            "Pre-tokenize into words; write each as UTF-8 bytes (ids 0-255); "
            "count adjacent pairs weighted by word frequency; merge the most "
            "frequent pair into a new id and repeat until the vocabulary is "
            "full.",
        ),
        Prompt(
            "why-bytes",
            "Why start from bytes rather than characters or words?",
            "256 bytes encode every string in every script, so no token is "
            "ever unknown and the base vocabulary is tiny; merges then buy "
            "shorter sequences for frequent text.",
        ),
        Prompt(
            "encode",
            "How is new text encoded with a trained BPE?",
            "Pre-tokenize, write each word as bytes, then repeatedly join the "
            "adjacent pair with the lowest merge rank (learned earliest) until "
            "no pair has a rank. Decoding concatenates the tokens' bytes.",
        ),
        Prompt(
            "tradeoff",
            "What does the vocabulary size trade off?",
            "A larger vocabulary gives shorter sequences (cheaper attention, "
            "more context per window) but a bigger embedding table and output "
            "layer, and rarer tokens with fewer examples to learn from.",
        ),
    ]
    cards_button = recall_cards_button()
    mo.output.replace(mo.vstack([prompts_view(prompts), cards_button]))
    return cards_button, prompts


@app.cell
def _(cards_button, prompts, store):
    mo.stop(not cards_button.value)
    mo.output.replace(made_cards_view(store, LESSON, prompts))
    return


@app.cell
def _():
    finish_button = finish_lesson_button()
    mo.output.replace(finish_button)
    return (finish_button,)


@app.cell
def _(finish_button, store):
    mo.stop(not finish_button.value)
    mo.output.replace(finished_view(store, LESSON))
    return


if __name__ == "__main__":
    app.run()
