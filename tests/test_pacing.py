"""Human pacing: bubbles a person would send, and delays a person would take."""

from __future__ import annotations

from ava_core.pacing import bubble_delay, reply_delays, split_bubbles


def test_paragraphs_become_bubbles():
    assert split_bubbles("Hi there!\n\nDo you own your home?", 320) == ["Hi there!", "Do you own your home?"]


def test_long_paragraphs_split_at_sentences_within_the_limit():
    text = " ".join(f"Sentence number {i} is here." for i in range(20))
    bubbles = split_bubbles(text, 100)
    assert all(len(b) <= 100 for b in bubbles)
    assert " ".join(bubbles) == text


def test_a_link_is_never_cut_in_half():
    link = "https://meet.lonestarsun.example/consult/" + "x" * 60
    bubbles = split_bubbles(f"Here's your link: {link}", 50)
    assert any(link in b for b in bubbles)


def test_delays_grow_with_length_and_stay_inside_the_profile_bounds(profile):
    pacing = profile.pacing
    short = bubble_delay(pacing, bubble="Ok!", seed="a")
    long = bubble_delay(pacing, bubble="x" * 60, seed="a")
    huge = bubble_delay(pacing, bubble="x" * 5000, read_text="y" * 5000, seed="a")
    assert pacing.min_delay_seconds <= short < long < huge == pacing.max_delay_seconds


def test_jitter_is_deterministic_per_seed_so_durable_replays_agree(profile):
    bubbles = ["Great, thank you.", "About how old is your roof, in years?"]
    one = reply_delays(profile.pacing, bubbles, read_text="about $180 a month", seed="wamid.ABC")
    two = reply_delays(profile.pacing, bubbles, read_text="about $180 a month", seed="wamid.ABC")
    other = reply_delays(profile.pacing, bubbles, read_text="about $180 a month", seed="wamid.XYZ")
    assert one == two and one != other


def test_only_the_first_bubble_pays_for_reading_the_leads_message(profile):
    delays = reply_delays(profile.pacing, ["Sure.", "Sure."], read_text="r" * 150, seed="s")
    assert delays[0] > delays[1]
