/**
 * Data sets: IDX (MNIST, Fashion-MNIST) and CIFAR binary readers that reject corrupt files with one
 * clear message, validation hold-out, deterministic batching and augmentation, and an opt-in
 * checksum-verified downloader. Knows nothing about models or sparsity.
 */
package dev.sprig.data;
