/**
 * Early-Bird tickets (You et al., ICLR 2020): network-slimming training with an L1 penalty on
 * batch-norm scales, a channel mask drawn every epoch, a ticket declared when the masks stop
 * moving, physical shrinking, and training of the ticket only. Also the baselines it is judged
 * against (network slimming, the re-initialised ticket) and the 8-bit search variant.
 */
package dev.sprig.earlybird;
