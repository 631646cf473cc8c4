package dev.kvmop.placement;

/**
 * What a guest asks of a host.
 *
 * @param resources its spec.cpus and spec.memory
 * @param bridge whether it joins the host bridge (network type Bridge)
 * @param selector which hosts it accepts ({@link Selector#EVERYTHING} without a selector)
 */
public record Demand(Resources resources, boolean bridge, Selector selector) {}
