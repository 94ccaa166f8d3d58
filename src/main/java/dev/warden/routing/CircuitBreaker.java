package dev.warden.routing;

import dev.warden.config.Resilience;

/**
 * One upstream's circuit breaker. Closed: requests go; {@code failures} bad answers in a row open
 * it. Open: no request goes for the open time. Then half-open: one probe request at a time; a good
 * answer closes the breaker, a bad one opens it again for twice as long (up to {@code maxOpenMs}),
 * so an upstream that stays down is probed less and less often.
 *
 * <p>Shared by every event loop: the state changes are rare and synchronized; {@link #state()} is a
 * volatile read. Times are {@link System#nanoTime()} values passed in (tests drive a clock).
 */
public final class CircuitBreaker {
    public enum State {
        CLOSED(0), HALF_OPEN(1), OPEN(2);

        /** The metric's value. */
        public final int gauge;

        State(int gauge) {
            this.gauge = gauge;
        }
    }

    /** What {@link #tryAcquire(long)} granted. */
    public enum Permit {
        /** Nothing: the breaker is open, or the half-open probe is out. */
        NONE,
        /** A normal request (closed). */
        NORMAL,
        /** The half-open probe: its report decides the breaker's state. */
        PROBE
    }

    private final Resilience.Breaker config;
    private volatile State state = State.CLOSED;
    private volatile int failuresInARow;
    private long openUntilNanos;
    private long openMs;
    private boolean probeOut;
    private long opened;

    public CircuitBreaker(Resilience.Breaker config) {
        this.config = config;
        this.openMs = config.openMs();
    }

    public State state() {
        return state;
    }

    /** How often it opened (the metric). */
    public synchronized long openings() {
        return opened;
    }

    /** Whether a request could go now (without taking the probe): for the balancer's first look. */
    public boolean mayAllow(long nowNanos) {
        State s = state;
        if (s == State.CLOSED) {
            return true;
        }
        synchronized (this) {
            return s == State.OPEN ? nowNanos - openUntilNanos >= 0 : !probeOut;
        }
    }

    /** Takes a permit for one request now; an open breaker whose time is up turns half-open here. */
    public Permit tryAcquire(long nowNanos) {
        if (state == State.CLOSED) {
            return Permit.NORMAL;
        }
        synchronized (this) {
            if (state == State.CLOSED) {
                return Permit.NORMAL;
            }
            if (state == State.OPEN) {
                if (nowNanos - openUntilNanos < 0) {
                    return Permit.NONE;
                }
                state = State.HALF_OPEN;
                probeOut = false;
            }
            if (probeOut) {
                return Permit.NONE;
            }
            probeOut = true;
            return Permit.PROBE;
        }
    }

    /** A good answer. */
    public void succeeded(Permit permit) {
        if (state == State.CLOSED && failuresInARow == 0) {
            return; // the common case: nothing to change, no lock
        }
        synchronized (this) {
            if (permit == Permit.PROBE || state == State.CLOSED) {
                state = State.CLOSED;
                failuresInARow = 0;
                probeOut = false;
                openMs = config.openMs();
            }
        }
    }

    /** A bad answer. */
    public synchronized void failed(Permit permit, long nowNanos) {
        if (permit == Permit.PROBE && state == State.HALF_OPEN) {
            openMs = Math.min(config.maxOpenMs(), openMs * 2);
            open(nowNanos);
            return;
        }
        if (state == State.CLOSED && ++failuresInARow >= config.failures()) {
            open(nowNanos);
        }
    }

    /** The request ended for a reason that says nothing about the upstream: a probe's slot is freed. */
    public synchronized void released(Permit permit) {
        if (permit == Permit.PROBE) {
            probeOut = false;
        }
    }

    private void open(long nowNanos) {
        state = State.OPEN;
        opened++;
        probeOut = false;
        failuresInARow = 0;
        openUntilNanos = nowNanos + openMs * 1_000_000L;
    }

    /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
    public synchronized long msUntilProbe(long nowNanos) {
        return state == State.OPEN ? Math.max(0, (openUntilNanos - nowNanos + 999_999) / 1_000_000) : 0;
    }
}
