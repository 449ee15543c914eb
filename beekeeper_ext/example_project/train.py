"""Train a small classifier on scikit-learn's bundled digits (no download needed).

Writes TensorBoard scalars (loss, accuracy) to runs/<name>/, a checkpoint to
checkpoints/<name>/model.npz and the final metrics to outputs/<name>/metrics.json.

    python train.py --lr 0.01 --epochs 20
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tbevents import SummaryWriter


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.01, help="constant learning rate")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 regularisation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None,
                        help="run name for runs/, checkpoints/, outputs/ (default: the Beekeeper run id)")
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to pause per epoch (demos)")
    return parser.parse_args()


def main():
    args = parse_args()
    name = args.name or os.environ.get("BEEKEEPER_RUN_ID") or f"lr{args.lr:g}-{int(time.time())}"
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=args.seed, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    classes = np.unique(digits.target)
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=args.lr, alpha=args.alpha,
                          random_state=args.seed)
    rng = np.random.default_rng(args.seed)
    writer = SummaryWriter(os.path.join("runs", name))
    print(f"run {name}: {len(x_train)} training and {len(x_val)} validation images, lr={args.lr}", flush=True)
    metrics = {}
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            model.partial_fit(x_train[batch], y_train[batch], classes=classes)
        metrics = {
            "epoch": epoch,
            "train_loss": float(log_loss(y_train, model.predict_proba(x_train), labels=classes)),
            "val_loss": float(log_loss(y_val, model.predict_proba(x_val), labels=classes)),
            "val_accuracy": float(accuracy_score(y_val, model.predict(x_val))),
        }
        writer.add_scalar("loss/train", metrics["train_loss"], epoch)
        writer.add_scalar("loss/val", metrics["val_loss"], epoch)
        writer.add_scalar("accuracy/val", metrics["val_accuracy"], epoch)
        print(f"epoch {epoch:3d}  train_loss {metrics['train_loss']:.4f}  val_loss {metrics['val_loss']:.4f}"
              f"  val_accuracy {metrics['val_accuracy']:.4f}", flush=True)
        if args.sleep:
            time.sleep(args.sleep)
    writer.close()
    os.makedirs(os.path.join("checkpoints", name), exist_ok=True)
    np.savez(os.path.join("checkpoints", name, "model.npz"), coef=model.coef_, intercept=model.intercept_,
             classes=classes, mean=scaler.mean_, scale=scaler.scale_)
    os.makedirs(os.path.join("outputs", name), exist_ok=True)
    with open(os.path.join("outputs", name, "metrics.json"), "w") as f:
        json.dump({"name": name, "lr": args.lr, "epochs": args.epochs, **metrics}, f, indent=2)
    print(f"done: val_loss {metrics.get('val_loss', float('nan')):.4f} "
          f"val_accuracy {metrics.get('val_accuracy', float('nan')):.4f}", flush=True)


if __name__ == "__main__":
    main()
