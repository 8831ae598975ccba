package dev.unetscope.data.phantom;

import dev.unetscope.volume.Volume;

/**
 * One synthetic case: a T2-weighted-like image and its whole-gland mask (0/1 floats) on the same grid.
 * {@code name} is {@code phantom_NNNN} with the case index.
 */
public record PhantomCase(String name, Volume image, Volume mask) {}
