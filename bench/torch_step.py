#!/usr/bin/env python3
"""The PyTorch twin of bench/step.cpp: one SASRec or HSTU training step at the HSTU paper's shapes.

Batch 128 x length 200 (every position has a target), d = 50, 2 blocks, 1 head, dropout 0.2, 128 negatives
drawn per position, sampled softmax on L2-normalised vectors (temperature 0.05, accidental hits masked),
AdamW (lr 1e-3, betas 0.9/0.98). The model is recgrad's SASRec with configs/sasrec_paper.toml, layer for
layer (models/sasrec.cpp), which is generative-recommenders' sasrec.py:
  x = Dropout(sqrt(d) E[s] + P) * keep;  per block: q = LN(x); A = Attn(q, x); x = LN(q + A); x = x + FFN(x); x *= keep
  F = x  (LayerNorms without affine, eps 1e-8; FFN = Dropout(W2 Dropout(ReLU(W1 x))))
--model tiger is recgrad_step --model tiger: models/tiger.cpp with configs/tiger_ml1m.toml (batch 256, encoder input
81 tokens, decoder [BOS, t1, t2, t3], 4 + 4 pre-LN layers, d 128, 6 heads x 64, d_ff 1024, dropout 0.1, cross-entropy
over the 922 semantic tokens, AdamW lr 1e-3, weight decay 0.01); attention written out as softmax(Q K^T / sqrt(d) + mask)
like recgrad's (Debian's torch 1.13 has no scaled_dot_product_attention).
--model tiger --shapes F times the batches whose encoder lengths `recgrad_step --model tiger --config P --shapes-out F`
wrote (a preset's real batches, padded to their longest row; random tokens, the preset's token space and dropout)
and adds samples_per_s = the timed batches' samples / their total time.
--device cuda (PyTorch 2 with CUDA): every tensor is made on the GPU (torch.set_default_device), and each timed step
is bracketed by torch.cuda.synchronize(), as recgrad_step --device cuda waits for its last kernel.
Prints one JSON line like recgrad_step. Run with Debian's PyTorch: /usr/bin/python3 bench/torch_step.py
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as Fn


class Block(nn.Module):
    def __init__(self, d, p):
        super().__init__()
        self.ln_attn = nn.LayerNorm(d, eps=1e-8, elementwise_affine=False)
        self.ln_out = nn.LayerNorm(d, eps=1e-8, elementwise_affine=False)
        self.W_Q, self.W_K, self.W_V, self.W_O = (nn.Linear(d, d) for _ in range(4))
        self.attn_drop = nn.Dropout(p)
        self.ffn = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(p), nn.Linear(d, d), nn.Dropout(p))

    def forward(self, x, mask):  # x: (B, T, d), mask: (B, 1, T, T) additive
        q = self.W_Q(self.ln_attn(x))  # (recomputing LN(x) below keeps the code short; it is cheap)
        k, v = self.W_K(x), self.W_V(x)
        S = q @ k.transpose(-1, -2) / math.sqrt(x.shape[-1]) + mask.squeeze(1)
        A = self.attn_drop(torch.softmax(S, -1)) @ v
        x = self.ln_out(self.ln_attn(x) + self.W_O(A))
        return x + self.ffn(x)


class SASRec(nn.Module):
    def __init__(self, vocab=3953, T=200, d=50, blocks=2, p=0.2):
        super().__init__()
        self.item = nn.Embedding(vocab, d, padding_idx=0)
        nn.init.trunc_normal_(self.item.weight, std=0.02)
        self.P = nn.Parameter(torch.empty(T, d))
        nn.init.xavier_uniform_(self.P)
        self.drop = nn.Dropout(p)
        self.blocks = nn.ModuleList(Block(d, p) for _ in range(blocks))
        self.d = d

    def forward(self, seq):  # seq: (B, T) -> F: (B, T, d)
        B, T = seq.shape
        keep = (seq != 0).unsqueeze(-1).float()
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        mask = torch.zeros(B, 1, T, T).masked_fill(causal | (seq == 0)[:, None, None, :], -1e9)
        x = self.drop(self.item(seq) * math.sqrt(self.d) + self.P[-T:]) * keep
        for blk in self.blocks:
            x = blk(x, mask) * keep
        return x


class HSTUBlock(nn.Module):
    """recgrad's models/hstu.cpp with configs/hstu_paper.toml: U, V, Q, K = split(SiLU(f1(LN(x))));
    A = SiLU(Q K^T + rab_pos) / N on the causal, real keys; x + f2(Dropout(LN(A V) * U))."""

    def __init__(self, d, H, dqk, dv, p, T, N):
        super().__init__()
        self.d, self.H, self.dqk, self.dv, self.N = d, H, dqk, dv, N
        self.f1 = nn.Linear(d, H * (2 * dv + 2 * dqk), bias=False)
        nn.init.normal_(self.f1.weight, std=0.02)
        self.f2 = nn.Linear(H * dv, d)
        self.drop = nn.Dropout(p)
        self.w_pos = nn.Parameter(torch.randn(2 * T - 1) * 0.02)

    def forward(self, x, valid):  # x: (B, T, d), valid: (B, T) bool
        B, T, _ = x.shape
        H, dqk, dv = self.H, self.dqk, self.dv
        h = Fn.silu(self.f1(Fn.layer_norm(x, (self.d,), eps=1e-6)))
        u, v, q, k = torch.split(h, [H * dv, H * dv, H * dqk, H * dqk], dim=-1)
        q, k = (t.reshape(B, T, H, dqk).transpose(1, 2) for t in (q, k))
        v = v.reshape(B, T, H, dv).transpose(1, 2)
        offset = (T - 1) + torch.arange(T)[None, :] - torch.arange(T)[:, None]
        rab = self.w_pos[offset]  # (T, T)
        visible = torch.tril(torch.ones(T, T, dtype=torch.bool)) & valid[:, None, None, :]
        A = Fn.silu(q @ k.transpose(-1, -2) + rab) / self.N * visible
        AV = (A @ v).transpose(1, 2).reshape(B, T, H * dv)
        return x + self.f2(self.drop(Fn.layer_norm(AV, (H * dv,), eps=1e-6) * u))


class HSTU(nn.Module):
    def __init__(self, vocab=3953, T=200, d=50, blocks=2, H=1, dqk=50, dv=50, p=0.2):
        super().__init__()
        self.item = nn.Embedding(vocab, d, padding_idx=0)
        nn.init.trunc_normal_(self.item.weight, std=0.02)
        self.P = nn.Parameter(torch.randn(T, d) * math.sqrt(2.0 / (T + d)))
        self.drop = nn.Dropout(p)
        self.blocks = nn.ModuleList(HSTUBlock(d, H, dqk, dv, p, T, 211.0) for _ in range(blocks))
        self.d = d

    def forward(self, seq):  # seq: (B, T) -> F: (B, T, d)
        valid = seq != 0
        x = self.drop(self.item(seq) * math.sqrt(self.d) + self.P[-seq.shape[1]:]) * valid.unsqueeze(-1).float()
        for blk in self.blocks:
            x = blk(x, valid)
        return x


class MHA(nn.Module):
    """nn/multihead_attention.cpp: W_Q, W_K, W_V: d -> H*dkv, W_O: H*dkv -> d, no biases; softmax(QK^T/sqrt(dkv) + mask)."""

    def __init__(self, d, H, dkv, p):
        super().__init__()
        self.H, self.dkv, self.p = H, dkv, p
        self.W_Q, self.W_K, self.W_V = (nn.Linear(d, H * dkv, bias=False) for _ in range(3))
        self.W_O = nn.Linear(H * dkv, d, bias=False)

    def forward(self, q_in, kv_in, mask=None, causal=False):  # mask: (B, 1, 1, Tk) bool, True = may attend
        B, Tq, _ = q_in.shape
        split = lambda t: t.reshape(B, t.shape[1], self.H, self.dkv).transpose(1, 2)
        Q, K, V = split(self.W_Q(q_in)), split(self.W_K(kv_in)), split(self.W_V(kv_in))
        S = Q @ K.transpose(-1, -2) / math.sqrt(self.dkv)
        if mask is not None:
            S = S.masked_fill(~mask, -1e9)
        if causal:
            S = S.masked_fill(torch.triu(torch.ones(Tq, Tq, dtype=torch.bool), 1), -1e9)
        A = Fn.dropout(torch.softmax(S, -1), self.p, self.training) @ V
        return self.W_O(A.transpose(1, 2).reshape(B, Tq, self.H * self.dkv))


class FFN(nn.Module):
    def __init__(self, d, dff, p):
        super().__init__()
        self.fc1, self.fc2, self.drop = nn.Linear(d, dff), nn.Linear(dff, d), nn.Dropout(p)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


class TigerEncoderLayer(nn.Module):
    def __init__(self, d, H, dkv, dff, p):
        super().__init__()
        self.ln_attn, self.ln_ffn = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn, self.ffn, self.drop = MHA(d, H, dkv, p), FFN(d, dff, p), nn.Dropout(p)

    def forward(self, x, mask):
        h = self.ln_attn(x)
        x = x + self.drop(self.attn(h, h, mask))
        return x + self.drop(self.ffn(self.ln_ffn(x)))


class TigerDecoderLayer(nn.Module):
    def __init__(self, d, H, dkv, dff, p):
        super().__init__()
        self.ln_self, self.ln_cross, self.ln_ffn = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross_attn = MHA(d, H, dkv, p), MHA(d, H, dkv, p)
        self.ffn, self.drop = FFN(d, dff, p), nn.Dropout(p)

    def forward(self, y, memory, mask):
        h = self.ln_self(y)
        y = y + self.drop(self.self_attn(h, h, causal=True))
        y = y + self.drop(self.cross_attn(self.ln_cross(y), memory, mask))
        return y + self.drop(self.ffn(self.ln_ffn(y)))


class Tiger(nn.Module):
    """models/tiger.cpp: token + learned position embeddings, 4 encoder and 4 decoder layers, final LNs, head."""

    def __init__(self, vocab, n_semantic, S, P, d=128, H=6, dkv=64, dff=1024, layers=4, p=0.1):
        super().__init__()
        self.token_emb = nn.Embedding(vocab, d, padding_idx=0)
        self.enc_pos, self.dec_pos = nn.Parameter(torch.randn(S, d) * 0.02), nn.Parameter(torch.randn(P, d) * 0.02)
        self.encoder = nn.ModuleList(TigerEncoderLayer(d, H, dkv, dff, p) for _ in range(layers))
        self.decoder = nn.ModuleList(TigerDecoderLayer(d, H, dkv, dff, p) for _ in range(layers))
        self.enc_ln, self.dec_ln, self.head = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, n_semantic)

    def forward(self, tokens, dec):  # tokens: (B, S), dec: (B, P) -> logits (B, P, n_semantic)
        mask = (tokens != 0)[:, None, None, :]
        x = self.token_emb(tokens) + self.enc_pos[: tokens.shape[1]]
        for layer in self.encoder:
            x = layer(x, mask)
        memory = self.enc_ln(x)
        y = self.token_emb(dec) + self.dec_pos[: dec.shape[1]]
        for layer in self.decoder:
            y = layer(y, memory, mask)
        return self.head(self.dec_ln(y))


def tiger_main(a):
    if a.shapes:
        return tiger_shapes_main(a)
    B, items, P, codes, collision, users = 256, 20, 4, 256, 154, 2000
    n_semantic = 3 * codes + collision
    vocab = 2 + n_semantic + users
    S = 1 + items * P
    model = Tiger(vocab, n_semantic, S, P, p=a.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
    sizes = torch.tensor([codes, codes, codes, collision])
    offsets = torch.tensor([0, codes, 2 * codes, 3 * codes])

    def batch():
        logit = offsets + (torch.rand(B, items + 1, P) * sizes).long()  # a random ID per history item and target
        user = 2 + n_semantic + torch.randint(0, users, (B, 1))
        tokens = torch.cat([user, (2 + logit[:, :items]).reshape(B, items * P)], 1)
        dec = torch.cat([torch.ones(B, 1, dtype=torch.long), 2 + logit[:, items, : P - 1]], 1)
        return tokens, dec, logit[:, items]

    def loss_of(tokens, dec, target):
        return Fn.cross_entropy(model(tokens, dec).reshape(B * P, n_semantic), target.reshape(B * P))

    return timed_steps(a, opt, batch, loss_of)


def tiger_shapes_main(a):
    """The batches of a --shapes file: row b of batch s has lengths[s][b] encoder tokens, right-padded with 0."""
    with open(a.shapes) as f:
        shapes = json.load(f)
    a.warmup, a.steps, a.dropout = shapes["warmup"], len(shapes["batches"]) - shapes["warmup"], shapes["dropout"]
    codes, collision, users, P = shapes["codes"], shapes["collision"], shapes["users"], shapes["levels"] + 1
    n_semantic = (P - 1) * codes + collision
    sizes = torch.tensor([codes] * (P - 1) + [collision])
    offsets = torch.tensor([codes * p for p in range(P)])
    S_max = max(max(b) for b in shapes["batches"])
    model = Tiger(2 + n_semantic + users, n_semantic, S_max, P, p=a.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
    batches = iter(shapes["batches"])

    def batch():
        lengths = torch.tensor(next(batches))
        B, S = len(lengths), int(lengths.max())
        logit = offsets + (torch.rand(B, S, P) * sizes).long()
        tokens = (2 + logit[:, :, 0]).masked_fill(torch.arange(S)[None, :] >= lengths[:, None], 0)
        tokens[:, 0] = 2 + n_semantic + torch.randint(0, users, (B,))
        dec = torch.cat([torch.ones(B, 1, dtype=torch.long), 2 + logit[:, 0, : P - 1]], 1)
        return tokens, dec, logit[:, 0]

    def loss_of(tokens, dec, target):
        B = tokens.shape[0]
        return Fn.cross_entropy(model(tokens, dec).reshape(B * P, n_semantic), target.reshape(B * P))

    ms = timed_steps(a, opt, batch, loss_of)
    a.samples, a.preset = sum(len(b) for b in shapes["batches"][a.warmup:]), shapes["preset"]
    return ms


def timed_steps(a, opt, batch, loss_of):
    """Milliseconds of each step after the warm-up: forward (loss_of(*batch())), backward, optimizer step."""
    ms = []
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    for s in range(a.warmup + a.steps):
        inputs = batch()
        sync()
        t0 = time.perf_counter()
        loss = loss_of(*inputs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        dt = (time.perf_counter() - t0) * 1e3
        if s >= a.warmup:
            ms.append(dt)
    return ms


def sampled_softmax(F, M, pos, neg, row_neg, tau=0.05):
    """F: (B, T, d), M: (V, d), pos: (N,), neg: (N, k) per position, row_neg: (B, k) or None."""
    B, T, d = F.shape
    h, Mn = Fn.normalize(F, dim=-1, eps=1e-6), Fn.normalize(M, dim=-1, eps=1e-6)
    pos_logit = (h.reshape(B * T, d) * Mn[pos]).sum(-1, keepdim=True)
    if row_neg is None:  # the paper's code: gather (N, k, d), then a batched dot
        neg_logit = torch.einsum("nd,nkd->nk", h.reshape(B * T, d), Mn[neg])
    else:  # negatives shared by a user row: one batched matmul
        neg_logit = (h @ Mn[row_neg].transpose(1, 2)).reshape(B * T, -1)
    neg_logit = neg_logit.masked_fill(neg == pos[:, None], -5e4)
    logits = torch.cat([pos_logit, neg_logit], 1) / tau
    return Fn.cross_entropy(logits, torch.zeros(len(pos), dtype=torch.long))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--head", choices=["position", "row"], default="position")
    ap.add_argument("--model", choices=["sasrec", "hstu", "tiger"], default="sasrec")
    ap.add_argument("--shapes", help="tiger: time the batches of this recgrad_step --shapes-out file")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.device == "cuda":
        torch.set_default_device("cuda")  # PyTorch >= 2.0
    torch.manual_seed(42)
    if a.model == "tiger":
        report(a, "full", tiger_main(a))
        return
    B, T, k, vocab = 128, 200, 128, 3953
    model = HSTU(vocab, T, p=a.dropout) if a.model == "hstu" else SASRec(vocab, T, 50, 2, a.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.98), weight_decay=0.0)

    def batch():
        seq = torch.randint(1, vocab, (B, T))
        pos = torch.randint(1, vocab, (B * T,))
        row_neg = torch.randint(1, vocab, (B, k)) if a.head == "row" else None
        neg = row_neg.repeat_interleave(T, 0) if a.head == "row" else torch.randint(1, vocab, (B * T, k))
        return seq, pos, neg, row_neg

    def loss_of(seq, pos, neg, row_neg):
        return sampled_softmax(model(seq), model.item.weight, pos, neg, row_neg)

    report(a, a.head, timed_steps(a, opt, batch, loss_of))


def report(a, head, ms):
    total_s = sum(ms) / 1e3
    ms.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    line = {"impl": "pytorch " + torch.__version__, "model": a.model, "head": head, "threads": a.threads,
            "device": a.device,
            "dropout": a.dropout, "steps": a.steps, "median_ms": round(ms[len(ms) // 2], 1),
            "min_ms": round(ms[0], 1), "max_ms": round(ms[-1], 1), "peak_rss_mb": round(rss, 1)}
    if getattr(a, "samples", None):
        line["preset"], line["samples"], line["samples_per_s"] = a.preset, a.samples, round(a.samples / total_s, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
