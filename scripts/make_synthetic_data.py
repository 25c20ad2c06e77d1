#!/usr/bin/env python3
"""Writes the small synthetic stand-in for ML-1M that the notebooks fall back to when the real data is
absent (notebooks_cpp/synthetic_data/ml-1m/{ml-1m.seq.txt, movies.dat}). Made up by us, free to redistribute.

Planted structure, so that a model has something to learn: 240 movies in 8 genres of 30; each of 600
users likes two genres and walks through them mostly in order (the next movie of a genre is usually the
one after the last it saw), with 15 % random picks. Deterministic (seed 7). Python stdlib only."""
import os
import random

GENRES = ["Action", "Comedy", "Drama", "Sci-Fi", "Romance", "Thriller", "Animation", "Documentary"]
WORDS = ["Star", "Night", "River", "Last", "Secret", "City", "Storm", "Garden", "Machine", "Winter",
         "Dream", "Silent", "Golden", "Lost", "Iron", "Blue", "Wild", "Moon", "Glass", "Empire"]
PER_GENRE, USERS = 30, 600


def main():
    rng = random.Random(7)
    out = os.path.join(os.path.dirname(__file__), "..", "notebooks_cpp", "synthetic_data", "ml-1m")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "movies.dat"), "w", encoding="latin-1") as f:
        for g, genre in enumerate(GENRES):
            for k in range(PER_GENRE):
                movie = g * PER_GENRE + k + 1
                title = f"{WORDS[(g * 7 + k) % len(WORDS)]} {WORDS[(k * 3 + g) % len(WORDS)]} {k + 1}"
                extra = "|" + GENRES[(g + 1) % len(GENRES)] if k % 5 == 0 else ""
                f.write(f"{movie}::{title} ({1980 + (g * PER_GENRE + k) % 40})::{genre}{extra}\n")
    with open(os.path.join(out, "ml-1m.seq.txt"), "w") as f:
        for user in range(1, USERS + 1):
            liked = rng.sample(range(len(GENRES)), 2)
            position = {g: rng.randrange(PER_GENRE) for g in liked}
            seen, seq = set(), []
            length = rng.randint(20, 60)
            while len(seq) < length:
                if rng.random() < 0.15:
                    movie = rng.randrange(len(GENRES) * PER_GENRE) + 1
                else:
                    g = rng.choice(liked)
                    position[g] = (position[g] + 1) % PER_GENRE
                    movie = g * PER_GENRE + position[g] + 1
                if movie not in seen:
                    seen.add(movie)
                    seq.append(movie)
            f.write(f"{user} " + " ".join(map(str, seq)) + "\n")


if __name__ == "__main__":
    main()
