package dev.warden.store;

/**
 * The control store's connection pool at one instant: connections in use, idle, the most it
 * opens, and threads waiting for one (a store that cannot keep up shows here first).
 */
public record ConnectionPoolState(int active, int idle, int max, int waiting) {
}
