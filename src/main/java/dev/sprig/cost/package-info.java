/**
 * Cost accounting: FLOPs from layer shapes and per-layer densities, per step and cumulated over a
 * run, so every run can report what it cost next to what it achieved.
 */
package dev.sprig.cost;
