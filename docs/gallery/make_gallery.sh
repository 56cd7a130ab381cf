#!/usr/bin/env bash
# Rebuild the pictures of docs/gallery.md: run from the repository root,
#   bash docs/gallery/make_gallery.sh
# The models are trained into $RUNS (default runs/gallery); nothing needs a data download.
set -euo pipefail
RANVIER=${RANVIER:-ranvier}
RUNS=${RUNS:-runs/gallery}
G=docs/gallery

# optimiser paths, their animation, learning rates
$RANVIER optimize --function rosenbrock --optimizer gd,momentum,nesterov,adam --steps 500 --surface --dpi 80 --out $G/paths_rosenbrock.png
$RANVIER optimize --function rosenbrock --optimizer gd,momentum,adam --steps 500 --out $RUNS/paths.png --animate $G/paths_rosenbrock.gif --frames 30
$RANVIER optimize --function bowl --optimizer gd --lr 0.01,0.05,0.15,0.22 --steps 80 --arrows --dpi 80 --out $G/lr_paths.png --costs $G/lr_costs.png
$RANVIER optimize --function beale --optimizer gd,momentum,rmsprop,adam --steps 400 --arrows --dpi 80 --out $G/paths_beale.png
$RANVIER optimize --function saddle --optimizer gd,momentum,adam --steps 100 --dpi 80 --out $G/paths_saddle.png

# models to draw (each trains in a second or two)
$RANVIER train --data xor --hidden 8 --epochs 100 --lr 0.1 --quiet --overwrite --out $RUNS/xor
$RANVIER train --data circles --hidden 8 --activation tanh --optimizer adam --lr 0.01 --epochs 100 --quiet --overwrite --out $RUNS/circles
$RANVIER train --data spirals --hidden 32 --optimizer adam --lr 0.01 --epochs 300 --quiet --overwrite --out $RUNS/spirals
$RANVIER train --data digits --model linear --epochs 30 --quiet --overwrite --out $RUNS/digits-linear
$RANVIER train --data digits --hidden 25 --epochs 30 --quiet --overwrite --out $RUNS/digits-mlp

# pictures of training runs and models
$RANVIER plot history $RUNS/digits-mlp/history.json --dpi 80 --out $G/history_digits.png
$RANVIER plot boundary $RUNS/xor/model.npz --dpi 80 --out $G/boundary_xor.png
$RANVIER plot boundary $RUNS/circles/model.npz --dpi 80 --out $G/boundary_circles.png
$RANVIER plot boundary $RUNS/spirals/model.npz --dpi 80 --out $G/boundary_spirals.png
$RANVIER plot templates $RUNS/digits-linear/model.npz --dpi 80 --out $G/templates_digits.png
$RANVIER plot templates $RUNS/digits-mlp/model.npz --dpi 80 --out $G/units_digits.png
$RANVIER plot activations --dpi 80 --out $G/activations.png
$RANVIER plot confusion $RUNS/digits-mlp/model.npz --dpi 80 --out $G/confusion_digits.png
